"""Workbook sync sub-commands: ``export``, ``export-assessment``, ``import`` and ``merge``.

Exit status: 0 applied or nothing to do; 3 applied and conflicts recorded; 2 input rejected
(nothing changed by the rejected files); 1 unexpected error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from qidesk.cli.common import add_db_argument, resolve_db

EXIT_OK, EXIT_UNEXPECTED, EXIT_REJECTED, EXIT_CONFLICTS = 0, 1, 2, 3


def register(subparsers: Any) -> None:
    export = subparsers.add_parser(
        "export", help="write a full workbook of chosen cohorts and teams (default: everything)"
    )
    add_db_argument(export)
    export.add_argument("--out", required=True, metavar="FILE.xlsx", help="workbook to write")
    export.add_argument(
        "--cohort", action="append", default=[], metavar="NAME", help="a cohort (repeatable)"
    )
    export.add_argument(
        "--team",
        action="append",
        default=[],
        metavar="NAME",
        help="a team (repeatable): its name (every team of that name), COHORT/TEAM, or its uuid",
    )
    export.set_defaults(handler=run_export)

    pack = subparsers.add_parser(
        "export-assessment",
        help="write a self-assessment pack for one team and stage",
        description="Write a self-assessment pack for one team and stage. When two cohorts "
        "each have a team of that name, name the team as COHORT/TEAM (for example "
        "'Cohort 9/Ward 7') or by its uuid; an ambiguous name is refused (exit status 2) "
        "with the matching teams listed.",
    )
    add_db_argument(pack)
    pack.add_argument(
        "--team",
        required=True,
        metavar="NAME",
        help="the team: its name, COHORT/TEAM when two cohorts have a team of that name, or "
        "its uuid",
    )
    pack.add_argument(
        "--stage",
        required=True,
        choices=("start", "mid", "end"),
        help="the self-assessment: start, mid(point) or end of the cohort",
    )
    pack.add_argument("--out", required=True, metavar="FILE.xlsx", help="workbook to write")
    pack.set_defaults(handler=run_export_assessment)

    imp = subparsers.add_parser("import", help="import one workbook (full export or pack)")
    add_db_argument(imp)
    imp.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    imp.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    imp.add_argument(
        "file", metavar="FILE.xlsx", help="a full export or a filled-in self-assessment pack"
    )
    imp.set_defaults(handler=run_import, skip_invalid=False)

    merge = subparsers.add_parser(
        "merge", help="merge many workbooks in one transaction (all checked first)"
    )
    add_db_argument(merge)
    merge.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    merge.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    merge.add_argument(
        "--skip-invalid",
        action="store_true",
        help="apply the valid files and report the others (default: any invalid file = nothing)",
    )
    merge.add_argument(
        "files",
        nargs="+",
        metavar="FILE.xlsx",
        help="full exports and self-assessment packs, checked together, applied at once",
    )
    merge.set_defaults(handler=run_merge)


def _workbook_out(raw: str) -> Path:
    """The ``--out`` workbook: ``~`` expanded (Windows shells leave it), and an .xlsx name
    (a workbook saved as 'x.csv' would not open in Excel as one)."""
    from qidesk.cli import CommandError

    out = Path(raw).expanduser()
    if out.suffix.lower() != ".xlsx":
        raise CommandError(f"--out must name a .xlsx file (got {out})")
    return out


def _open_to_export(path: Path) -> Any:
    """The database to export from: opened as usual (so the export is noted and "changes not
    yet exported" counts from it), or, when the file or its folder cannot be written (a file
    marked read-only, a read-only share or medium), opened only to read: an export reads, so
    it works all the same. (A read-only lock or journal file beside a writable database is
    still refused, naming it: that is for the user to put right.)"""
    from qidesk.store.engine import Database
    from qidesk.store.errors import DatabaseReadOnly
    from qidesk.store.read_only import cannot_be_written, open_read_only

    try:
        return Database.open(path)
    except DatabaseReadOnly:
        if not cannot_be_written(path):
            raise
        return open_read_only(path)


def run_export(args: argparse.Namespace) -> int:
    from qidesk.cli import CommandError
    from qidesk.services.base import ServiceError
    from qidesk.services.export_service import ExportService

    out = _workbook_out(args.out)
    with _open_to_export(resolve_db(args, must_exist=True)) as db:
        try:
            summary = ExportService(db.unit_of_work).export_full(
                out, cohort_names=args.cohort, team_names=args.team
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
    print(f"Wrote {summary.rows} records to {summary.path} (export {summary.export_id}).")
    return EXIT_OK


def run_export_assessment(args: argparse.Namespace) -> int:
    from qidesk.cli import CommandError
    from qidesk.services.base import ServiceError
    from qidesk.services.export_service import ExportService

    out = _workbook_out(args.out)
    with _open_to_export(resolve_db(args, must_exist=True)) as db:
        try:
            summary = ExportService(db.unit_of_work).export_pack(
                out, team_name=args.team, stage=args.stage
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
    print(f"Wrote the {args.stage} self-assessment pack of {summary.team} to {summary.path}.")
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    return _run_reporting_failures([args.file], args)


def run_merge(args: argparse.Namespace) -> int:
    return _run_reporting_failures(list(args.files), args)


def _run_reporting_failures(files: list[str], args: argparse.Namespace) -> int:
    """``_run``; with ``--json``, a failure before any result (the database locked, damaged
    or on a full disk) still prints one JSON object, with zero totals and ``error``, so a tool
    reading stdout always gets one. The error also goes to stderr and sets the exit status."""
    try:
        return _run([str(Path(f).expanduser()) for f in files], args)
    except Exception as exc:
        if args.json:
            from qidesk.cli import one_line

            zero = dict.fromkeys(("created", "updated", "deleted", "unchanged", "conflicts"), 0)
            failure = {**zero, "by_type": {}, "files": [], "error": one_line(exc)}
            json.dump(failure, sys.stdout, ensure_ascii=False)
            sys.stdout.write("\n")
        raise


def _print_human(result: Any, *, dry_run: bool, applied: bool) -> None:
    for report in result.files:
        print(f"{report.path}: {report.status}")
        for warning in report.warnings:
            print(f"  warning: {warning}")
        for problem in report.problems:
            where = ", ".join(
                x
                for x in (
                    f"sheet {problem.sheet}" if problem.sheet else "",
                    f"row {problem.row}" if problem.row else "",
                    f"column {problem.column}" if problem.column else "",
                )
                if x
            )
            print(f"  error: {where + ': ' if where else ''}{problem.message}")
    if result.by_type:
        print(
            f"{'record type':<20} {'created':>8} {'updated':>8} {'deleted':>8} "
            f"{'unchanged':>10} {'conflicts':>10}"
        )
        for record_type, c in result.by_type:
            print(
                f"{record_type:<20} {c.created:>8} {c.updated:>8} {c.deleted:>8} "
                f"{c.unchanged:>10} {c.conflicts:>10}"
            )
    t = result.totals
    verb = "Would apply" if dry_run else ("Applied" if applied else "Nothing applied")
    print(
        f"{verb}: {t.created} created, {t.updated} updated, {t.deleted} deleted, "
        f"{t.unchanged} unchanged, {t.conflicts} conflicts."
    )
    stranded = result.stranded_text() if hasattr(result, "stranded_text") else ""
    if stranded:
        print(f"Note: {stranded}")


def _remove_new_database(path: Path, new_folders: list[Path]) -> None:
    """Remove the database this run created when nothing went into it (every file rejected):
    a mistyped ``--db`` must not leave an empty database, its lock file and the folders made
    for it behind (``new_folders``, deepest first, each only if it is empty)."""
    for leftover in (path, *(Path(f"{path}{end}") for end in ("-wal", "-shm", ".lock"))):
        with contextlib.suppress(OSError):
            leftover.unlink()
    for folder in new_folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _run(files: list[str], args: argparse.Namespace) -> int:
    import tempfile

    from qidesk.cli import CommandError
    from qidesk.services.base import ServiceError
    from qidesk.services.import_service import ImportService
    from qidesk.store.engine import Database
    from qidesk.store.errors import StoreError

    path = resolve_db(args)
    scratch = None
    created = not path.exists() and not args.dry_run
    #: Folders the new database's path needs that do not exist yet (made when it is opened).
    new_folders = [f for f in path.parents if not f.exists()] if created else []
    if not path.exists():
        if args.dry_run:
            # A dry run changes nothing, not even by creating the database: it plans against a
            # new, empty database of its own.
            scratch = tempfile.TemporaryDirectory(prefix="qidesk-dry-run-")
            path = Path(scratch.name) / "empty.sqlite"
        elif not args.json:
            print(f"Creating a new database at {path}", file=sys.stderr)
    with scratch or contextlib.nullcontext(), Database.open(path) as db:
        service = ImportService(db.unit_of_work, db.path)
        try:
            if args.dry_run:
                result = service.preview(files, skip_invalid=args.skip_invalid)
                applied = False
            else:
                result = service.apply(files, skip_invalid=args.skip_invalid)
                applied = result.applied
        except ServiceError as exc:
            # A database problem the user can act on (the backup before the import could not
            # be written: a full disk) exits as every StoreError does; anything else is
            # unexpected.
            cause = exc.__cause__
            status = EXIT_REJECTED if isinstance(cause, StoreError) else EXIT_UNEXPECTED
            raise CommandError(str(exc), status=status) from exc
    if args.json:
        json.dump(result.as_json(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_human(result, dry_run=args.dry_run, applied=applied)
    if result.rejected:
        if created and not applied:
            _remove_new_database(path, new_folders)
        if not args.json:
            print(
                "Rejected files changed nothing"
                + ("; the valid files were applied." if args.skip_invalid and applied else ".")
                + (
                    f" The new database at {path} was removed again."
                    if created and not applied
                    else ""
                ),
                file=sys.stderr,
            )
        return EXIT_REJECTED
    if result.totals.conflicts and (applied or args.dry_run):
        return EXIT_CONFLICTS
    return EXIT_OK


__all__ = ["register"]
