"""``qidesk selftest``: check this installation works, offscreen, without touching your data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    selftest = subparsers.add_parser(
        "selftest",
        help="check this installation: open the window offscreen on a temporary demo database, "
        "draw the charts, export a workbook and import it back (exit 0 if all worked)",
    )
    selftest.add_argument(
        "--keep",
        metavar="DIR",
        type=Path,
        default=None,
        help="keep the databases, workbook and screenshots in DIR (default: a temporary folder "
        "that is removed)",
    )
    selftest.set_defaults(handler=run_selftest_command)


def run_selftest_command(args: argparse.Namespace) -> int:
    from qidesk.cli import CommandError
    from qidesk.selftest import run_selftest

    keep: Path | None = args.keep.expanduser() if args.keep is not None else None
    if keep is not None:
        if keep.exists() and not keep.is_dir():
            raise CommandError(f"--keep must name a folder; {keep} is a file")
        try:
            keep.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"cannot make the folder {keep}: {exc.strerror or exc}") from exc
    return run_selftest(keep=keep)
