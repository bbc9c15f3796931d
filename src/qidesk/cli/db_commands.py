"""Sub-commands about the database itself: ``demo`` and ``check``."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from qidesk.cli.common import add_db_argument, resolve_db


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser(
        "demo", help="write a realistic demo database (deterministic for a seed)"
    )
    add_db_argument(demo)
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    demo.add_argument(
        "--force",
        action="store_true",
        help="replace every record of a database that holds data with the demo "
        "(a backup of what it held is made first, beside it)",
    )
    demo.add_argument(
        "--today",
        type=iso_date,
        metavar="YYYY-MM-DD",
        default=None,
        help="date the demo is built around (YYYY-MM-DD; default 2026-11-26)",
    )
    demo.set_defaults(handler=run_demo)

    check = subparsers.add_parser(
        "check", help="check the database's integrity, foreign keys and schema version"
    )
    add_db_argument(check)
    check.set_defaults(handler=run_check)


def iso_date(text: str) -> date:
    """A date given as YYYY-MM-DD (argparse otherwise says 'invalid fromisoformat value')."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD, such as 2026-11-26 (got {text!r})"
        ) from None


def run_demo(args: argparse.Namespace) -> int:
    from qidesk.cli import CommandError
    from qidesk.services.demo import DemoRefused, build_demo
    from qidesk.store.backup import backup_database
    from qidesk.store.engine import Database

    path = resolve_db(args)
    backup = None
    with Database.open(path) as db:
        try:
            summary = build_demo(db.unit_of_work, seed=args.seed, today=args.today)
        except DemoRefused as exc:
            if not args.force:
                raise CommandError(f"{path}: {exc}") from exc
            # --force deletes every record: keep a copy, so a database given by mistake
            # (the real one instead of a demo) can be got back.
            backup = backup_database(path, "before-demo-force")
            summary = build_demo(db.unit_of_work, seed=args.seed, today=args.today, force=True)
    print(
        f"Wrote demo data to {path}: {summary.cohorts} cohorts, {summary.teams} teams, "
        f"{summary.members} members, {summary.coaches} coaches."
    )
    if backup is not None:
        print(f"What the database held before is in {backup}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from qidesk.services.check_service import check_database

    # A missing file is one more thing check finds (exit 1, as the issue has it), not a
    # command error (exit 2).
    path = Path(resolve_db(args))
    report = check_database(path)
    for line in report.lines:
        print(line)
    print("OK" if report.ok else "PROBLEMS FOUND")
    return 0 if report.ok else 1
