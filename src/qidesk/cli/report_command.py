"""``qidesk report``: a team's self-assessment summary as an A4 PDF, without opening the window."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from qidesk.cli.common import (
    add_db_argument,
    check_writable_target,
    resolve_db,
    write_failure,
)


def register(subparsers: Any) -> None:
    report = subparsers.add_parser("report", help="write a team's self-assessment summary (A4 PDF)")
    add_db_argument(report)
    report.add_argument(
        "--team",
        required=True,
        metavar="NAME",
        help="the team's name, or its uuid (when two cohorts of one name have a team of that name)",
    )
    report.add_argument(
        "--cohort", metavar="NAME", help="the team's cohort, when two cohorts have that team name"
    )
    report.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")
    report.set_defaults(handler=run_report)


def _gui_application() -> object:
    """The running QGuiApplication, or a new offscreen one (no window system needed)."""
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([sys.argv[0] if sys.argv else "qidesk"])
    return app


def run_report(args: argparse.Namespace) -> int:
    from qidesk.cli import CommandError
    from qidesk.services.assessment_service import AssessmentService
    from qidesk.store.engine import Database

    path = resolve_db(args, must_exist=True)
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".pdf":
        raise CommandError(f"--out must name a .pdf file (got {out})")
    check_writable_target(out)
    with Database.open(path) as db:
        service = AssessmentService(db.unit_of_work)
        matches = service.find_teams(args.team)
        if args.cohort:
            wanted = args.cohort.strip().lower()
            matches = [m for m in matches if wanted in m.cohort_name.lower()]
        if not matches:
            raise CommandError(f"no team named {args.team!r} in {path}")
        if len(matches) > 1:
            names = "; ".join(f"{m.name} ({m.cohort_name}, uuid {m.uuid})" for m in matches[:8])
            raise CommandError(
                f"{len(matches)} teams match {args.team!r}: {names}. Give the full name "
                "(and --cohort if two cohorts have a team of that name), or the team's uuid."
            )
        results = service.team_results(matches[0].uuid)
    _gui_application()
    from qidesk.ui.reports.team_report import write_team_report

    try:
        write_team_report(results, out)
    except OSError as exc:
        raise CommandError(write_failure(out, exc, kind="a PDF viewer")) from exc
    print(f"Wrote the self-assessment summary of {results.team_name} to {out}")
    return 0
