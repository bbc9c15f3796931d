"""The ``qidesk`` command line: no sub-command opens the window; sub-commands work headless."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from qidesk import __version__

#: Modules that add sub-commands. Each has ``register(subparsers)``; a sub-command's handler is
#: ``args.handler(args) -> int``. Modules import their heavy dependencies inside handlers so
#: ``qidesk --version`` and the window start fast.
COMMAND_MODULES = (
    "qidesk.cli.db_commands",
    "qidesk.cli.sync_commands",
    "qidesk.cli.selftest_command",
    "qidesk.cli.report_command",
    "qidesk.cli.template_command",
)

log = logging.getLogger(__name__)


class CommandError(Exception):
    """A problem to report as one line on stderr (exit status in ``status``)."""

    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def one_line(exc: BaseException) -> str:
    """An exception's message on one line: the driver's own message for a database error
    (not SQLAlchemy's text with the SQL statement and a web link on further lines)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qidesk",
        description="QI Desk: teams, self-assessments, PDSA cycles and workbook sync for a "
        "QI collaborative programme. With no sub-command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"QI Desk {__version__}")
    parser.add_argument("--db", metavar="PATH", help="database file (default: in your data folder)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from qidesk.app import run_gui
        from qidesk.cli.display import missing_display

        if problem := missing_display():
            print(f"qidesk: {problem}", file=sys.stderr)
            return 2

        return run_gui(args.db)
    from qidesk.logging_setup import setup_logging

    setup_logging(console=False)
    from qidesk.store.errors import StoreError

    try:
        return int(args.handler(args))
    except CommandError as exc:
        print(f"qidesk {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except StoreError as exc:
        print(f"qidesk {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qidesk {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        log.exception("unexpected error in qidesk %s", args.command)
        from qidesk.paths import log_file

        print(
            f"qidesk {args.command}: unexpected error: {one_line(exc)} (details in {log_file()})",
            file=sys.stderr,
        )
        return 1
