"""Arguments and helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_db_argument(parser: Any) -> None:
    parser.add_argument(
        "--db", metavar="PATH", dest="sub_db", help="database file (default: in your data folder)"
    )


def resolve_db(args: argparse.Namespace, *, must_exist: bool = False) -> Path:
    """The database path from ``--db`` (before or after the sub-command) or the default."""
    from qidesk.cli import CommandError
    from qidesk.paths import default_database

    given = [r for r in (getattr(args, "sub_db", None), getattr(args, "db", None)) if r is not None]
    if given and not given[0].strip():
        # '--db "$LEAD_DB"' with the variable unset: never fall back to the default database.
        raise CommandError("--db is empty: give the database file")
    raw = given[0] if given else None
    path = Path(raw).expanduser() if raw else default_database()
    if must_exist and not path.exists():
        raise CommandError(f"no database at {path}")
    return path
