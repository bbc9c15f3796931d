"""``qidesk template``: list, export and import self-assessment templates as .xlsx sheets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qidesk.cli.common import (
    add_db_argument,
    check_writable_target,
    resolve_db,
    write_failure,
)

OUTCOMES = {
    "created": "loaded as a new template",
    "unchanged": "already here, nothing changed",
    "updated": "changed in place (that version had no answers yet)",
    "new_version": "saved as a new version (the old version keeps its answers)",
}


def register(subparsers: Any) -> None:
    template = subparsers.add_parser(
        "template", help="list, export or import self-assessment templates (.xlsx)"
    )
    actions = template.add_subparsers(dest="template_action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list the templates and their versions")
    add_db_argument(listing)
    listing.set_defaults(handler=run_list)
    export = actions.add_parser("export", help="write a template as an .xlsx sheet")
    add_db_argument(export)
    export.add_argument("--code", help="template code (default: the one new assessments use)")
    export.add_argument("--version", type=int, help="version (default: the latest)")
    export.add_argument("--out", required=True, metavar="FILE.xlsx", help="the sheet to write")
    export.set_defaults(handler=run_export)
    load = actions.add_parser("import", help="load a template sheet (a bad sheet changes nothing)")
    add_db_argument(load)
    load.add_argument(
        "sheet", metavar="FILE.xlsx", help="a template sheet (as template export writes)"
    )
    load.add_argument(
        "--use", action="store_true", help="new assessments use this template from now on"
    )
    load.set_defaults(handler=run_import)


def run_list(args: argparse.Namespace) -> int:
    from qidesk.services.template_service import TemplateService
    from qidesk.store.engine import Database

    with Database.open(resolve_db(args, must_exist=True)) as db:
        service = TemplateService(db.unit_of_work)
        preferred = service.preferred().uuid
        for t in service.list_templates():
            mark = "  (used for new assessments)" if t.uuid == preferred else ""
            answered = ", has answers" if t.in_use else ""
            print(
                f"{t.code} v{t.version}: {t.title} — {len(t.items)} items, "
                f"scale {t.scale_min}–{t.scale_max}{answered}{mark}"
            )
    return 0


def run_export(args: argparse.Namespace) -> int:
    from qidesk.cli import CommandError
    from qidesk.services.template_service import TemplateService
    from qidesk.store.engine import Database

    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".xlsx":
        raise CommandError(f"--out must name a .xlsx file (got {out})")
    check_writable_target(out)
    with Database.open(resolve_db(args, must_exist=True)) as db:
        service = TemplateService(db.unit_of_work)
        templates = service.list_templates()
        code = args.code or service.preferred().code
        chosen = [t for t in templates if t.code == code]
        if args.version is not None:
            chosen = [t for t in chosen if t.version == args.version]
        if not chosen:
            raise CommandError(
                f"no template {code!r}" + (f" version {args.version}" if args.version else "")
            )
        template = chosen[-1]
        try:
            service.export_sheet(template.uuid, out)
        except OSError as exc:
            raise CommandError(write_failure(out, exc, kind="Excel or LibreOffice")) from exc
    print(f"Wrote {template.code} v{template.version} ({len(template.items)} items) to {out}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from qidesk.cli import CommandError
    from qidesk.services.base import ServiceError
    from qidesk.services.template_service import TemplateService
    from qidesk.store.engine import Database

    sheet = Path(args.sheet).expanduser()
    if not sheet.exists():
        raise CommandError(f"no file at {sheet}")
    with Database.open(resolve_db(args, must_exist=True)) as db:
        service = TemplateService(db.unit_of_work)
        try:
            result = service.import_sheet(sheet)
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        t = result.template
        print(f"{sheet.name}: {t.code} v{t.version} {OUTCOMES.get(result.outcome, result.outcome)}")
        if args.use:
            service.use_for_new_assessments(t.code)
            print(f"New assessments now use {t.code} (latest version).")
    return 0
