"""Arguments and helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import os
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


def check_writable_target(out: Path) -> None:
    """Refuse, before any work, an output file that cannot be written: its folder missing or
    read-only, or the file itself read-only. (Writing a PDF there would fail only at the end,
    with a Qt warning on stderr and no reason.)"""
    from qidesk.cli import CommandError

    folder = out.parent
    if not folder.is_dir():
        raise CommandError(f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise CommandError(f"cannot write in {folder}: it is read-only for you")
    if out.exists() and (not os.access(out, os.W_OK) or not out.stat().st_mode & 0o222):
        raise CommandError(f"cannot write {out}: the file is read-only")


def write_failure(out: Path, exc: OSError, *, kind: str) -> str:
    """Why writing ``out`` failed, in words, with what to do about a file held open."""
    reason = (exc.strerror or str(exc)).rstrip(".")
    if reason.lower().startswith("cannot write"):
        reason = "it could not be opened for writing"
    return (
        f"cannot write {out}: {reason[:1].lower() + reason[1:]}. If it is open in {kind}, "
        "close it there and try again."
    )
