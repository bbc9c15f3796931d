"""Build the hostile corpus: broken, disguised and malicious workbooks that import must refuse.

Every case starts from a valid full export (``base``) and breaks one thing; each case says where
the problem must be reported (sheet, row, column; None where the problem is the whole file) and
a phrase the message must contain.

Run on its own to look at the files: ``python tests/make_hostile_corpus.py OUTDIR``.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl


@dataclass(frozen=True)
class HostileCase:
    name: str
    path: Path
    #: A phrase the (first matching) problem's message contains.
    phrase: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None


def _rewrite_zip(
    base: Path, target: Path, edit: Callable[[str, bytes], bytes | None], extra=()
) -> None:
    """Copy the zip ``base`` to ``target`` passing each member through ``edit`` (None drops it);
    ``extra`` adds (name, bytes) members."""
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = edit(info.filename, src.read(info.filename))
            if data is not None:
                dst.writestr(info.filename, data)
        for name, data in extra:
            dst.writestr(name, data)


def _sheet_member(base: Path, sheet: str) -> str:
    """Zip member of a sheet (QI Desk writes sheets in order as sheet1.xml, sheet2.xml, ...)."""
    wb = openpyxl.load_workbook(base, read_only=True)
    try:
        return f"xl/worksheets/sheet{wb.sheetnames.index(sheet) + 1}.xml"
    finally:
        wb.close()


def _edit_with_openpyxl(
    base: Path, target: Path, edit: Callable[[openpyxl.Workbook], None]
) -> None:
    wb = openpyxl.load_workbook(base)
    edit(wb)
    wb.save(target)


def _column_of(ws, key: str) -> int:
    for cell in ws[1]:
        if cell.value == key:
            return cell.column
    raise KeyError(key)


def _refs(level: int) -> str:
    return (f"&lol{level - 1};" if level > 1 else "&lol;") * 10


def build_corpus(base: Path, out: Path) -> list[HostileCase]:
    """Write every hostile file into ``out`` and describe what import must say about each."""
    out.mkdir(parents=True, exist_ok=True)
    cases: list[HostileCase] = []
    raw = base.read_bytes()

    def case(name: str, phrase: str, sheet=None, row=None, column=None) -> Path:
        path = out / name
        cases.append(HostileCase(name, path, phrase, sheet, row, column))
        return path

    # --- not an xlsx at all -------------------------------------------------------------------
    case("truncated.xlsx", "damaged or incomplete").write_bytes(raw[: len(raw) // 2])
    case("renamed_csv.xlsx", "text or CSV").write_text(
        "uuid,name,start_date\n1,Cohort 8,2026-01-01\n", encoding="utf-8"
    )
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    case("legacy.xlsx", "Excel 97-2003").write_bytes(
        ole + "Workbook".encode("utf-16-le") + b"\x00" * 2000
    )
    case("encrypted.xlsx", "password-protected").write_bytes(
        ole
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
        + b"\x00" * 2000
    )
    case("empty.xlsx", "empty").write_bytes(b"")
    case("random.xlsx", "not an Excel workbook").write_bytes(bytes(range(256)) * 40)
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    case("calc.xlsx", "OpenDocument").write_bytes(ods.getvalue())

    # --- malicious zips and XML -----------------------------------------------------------------
    bomb = case("zip_bomb.xlsx", "zip bomb")
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        with dst.open("xl/media/padding.bin", "w") as fh:
            chunk = b"\x00" * (1 << 20)
            for _ in range(300):  # 300 MB of zeros: about 300 KB compressed
                fh.write(chunk)
    many = case("many_entries.xlsx", "parts")
    _rewrite_zip(
        base, many, lambda n, d: d, extra=[(f"xl/x/{i}.xml", b"<a/>") for i in range(6000)]
    )

    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(f'<!ENTITY lol{i} "{_refs(i)}">'.encode() for i in range(1, 10))
        + b"]>"
    )
    entity = case("entity_bomb.xlsx", "entities")
    _rewrite_zip(
        base,
        entity,
        lambda n, d: (
            lol + (d.split(b"?>", 1)[1] if d.startswith(b"<?xml") else d)
            if n == "xl/workbook.xml"
            else d
        ),
    )

    # --- a far-away cell and a lying dimension -----------------------------------------------
    members = _sheet_member(base, "Members")
    far = case("far_cell.xlsx", "beyond what QI Desk reads", "Members", 1048576, "XFD")
    _rewrite_zip(
        base,
        far,
        lambda n, d: (
            d.replace(
                b"</sheetData>",
                b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                b"</sheetData>",
            )
            if n == members
            else d
        ),
    )
    wide = case("wide_cell.xlsx", "beyond what QI Desk reads", "Members", 2, "ZZ")
    _rewrite_zip(
        base,
        wide,
        lambda n, d: (
            re.sub(
                rb'(<row r="2"[^>]*>)',
                rb'\1<c r="ZZ2" t="inlineStr"><is><t>x</t></is></c>',
                d,
                count=1,
            )
            if n == members
            else d
        ),
    )

    # --- formula cells -------------------------------------------------------------------------
    cohorts = _sheet_member(base, "Cohorts")
    formula = case("formula.xlsx", "formula", "Cohorts", 2, "notes (F)")

    def add_formula(name: str, data: bytes) -> bytes:
        if name != cohorts:
            return data
        return re.sub(
            rb'<c r="F2"[^>]*?(/>|>.*?</c>)', b'<c r="F2"><f>1+1</f><v>2</v></c>', data, count=1
        )

    _rewrite_zip(base, formula, add_formula)

    # --- format and structure (edited with openpyxl) -------------------------------------------
    def meta_set(key: str, value) -> Callable[[openpyxl.Workbook], None]:
        def edit(wb: openpyxl.Workbook) -> None:
            ws = wb["_meta"]
            for row in ws.iter_rows(min_row=2):
                if row[0].value == key:
                    row[1].value = value

        return edit

    _edit_with_openpyxl(
        base, case("newer_version.xlsx", "version 2", "_meta"), meta_set("format_version", 2)
    )
    _edit_with_openpyxl(
        base, case("other_format.xlsx", "not a QI Desk workbook", "_meta"), meta_set("format", "x")
    )

    plain = openpyxl.Workbook()
    plain.active.append(["uuid", "name"])
    plain.save(case("not_qidesk.xlsx", "not a QI Desk workbook"))

    def drop_sheet(wb: openpyxl.Workbook) -> None:
        del wb["Members"]

    _edit_with_openpyxl(base, case("missing_sheet.xlsx", "is missing", "Members"), drop_sheet)

    def rename_header(wb: openpyxl.Workbook) -> None:
        ws = wb["Teams"]
        ws.cell(1, _column_of(ws, "name")).value = "team name"

    _edit_with_openpyxl(
        base, case("renamed_header.xlsx", "missing columns: name", "Teams", 1), rename_header
    )

    def delete_header(wb: openpyxl.Workbook) -> None:
        ws = wb["Coaches"]
        ws.cell(1, _column_of(ws, "role")).value = None

    _edit_with_openpyxl(
        base, case("missing_header.xlsx", "missing columns: role", "Coaches", 1), delete_header
    )

    def duplicate_uuid(wb: openpyxl.Workbook) -> None:
        ws = wb["Members"]
        ws.cell(4, 1).value = ws.cell(2, 1).value

    _edit_with_openpyxl(
        base, case("duplicate_uuid.xlsx", "appears twice", "Members", 4, "uuid"), duplicate_uuid
    )

    def malformed_uuid(wb: openpyxl.Workbook) -> None:
        wb["Coaches"].cell(3, 1).value = "not-a-uuid"

    _edit_with_openpyxl(
        base,
        case("malformed_uuid.xlsx", "not a well-formed uuid", "Coaches", 3, "uuid"),
        malformed_uuid,
    )

    def wrong_date(wb: openpyxl.Workbook) -> None:
        ws = wb["Cohorts"]
        ws.cell(2, _column_of(ws, "start_date")).value = "next week"

    _edit_with_openpyxl(
        base, case("wrong_date.xlsx", "expected a date", "Cohorts", 2, "start_date"), wrong_date
    )

    def wrong_bool(wb: openpyxl.Workbook) -> None:
        ws = wb["Members"]
        ws.cell(3, _column_of(ws, "active")).value = "maybe"

    _edit_with_openpyxl(
        base, case("wrong_bool.xlsx", "expected TRUE or FALSE", "Members", 3, "active"), wrong_bool
    )

    def wrong_enum(wb: openpyxl.Workbook) -> None:
        ws = wb["Teams"]
        ws.cell(2, _column_of(ws, "status")).value = "paused"

    _edit_with_openpyxl(
        base, case("wrong_enum.xlsx", "expected one of", "Teams", 2, "status"), wrong_enum
    )

    def dangling(wb: openpyxl.Workbook) -> None:
        ws = wb["Members"]
        ws.cell(5, _column_of(ws, "team_uuid")).value = str(uuid.uuid4())

    _edit_with_openpyxl(
        base,
        case("dangling_reference.xlsx", "neither in this workbook", "Members", 5, "team_uuid"),
        dangling,
    )

    def bad_vector(wb: openpyxl.Workbook) -> None:
        ws = wb["Coaches"]
        ws.cell(2, _column_of(ws, "vv")).value = "abc"

    _edit_with_openpyxl(
        base, case("bad_vector.xlsx", "not a version vector", "Coaches", 2, "vv"), bad_vector
    )
    return cases


def build_xlsm(base: Path, target: Path) -> Path:
    """A macro-enabled copy of ``base`` (accepted with a warning; the macro is never read)."""

    def edit(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            )
        return data

    _rewrite_zip(base, target, edit, extra=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")])
    return target


def export_small_base(db, base: Path) -> None:
    """The valid workbook the corpus breaks: one team of the demo (small, so quick to edit)."""
    from sqlalchemy import select

    from qidesk.services.export_service import ExportService
    from qidesk.store.models import Team

    with db.unit_of_work() as session:
        name = session.scalars(select(Team.name).order_by(Team.name)).first()
    ExportService(db.unit_of_work).export_full(base, team_names=[name])


def main(argv: list[str]) -> int:
    import tempfile

    from qidesk.services.demo import build_demo
    from qidesk.store.engine import Database

    out = Path(argv[1] if len(argv) > 1 else "hostile-corpus")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "demo.sqlite")
        build_demo(db.unit_of_work, seed=1)
        base = out / "base.xlsx"
        out.mkdir(parents=True, exist_ok=True)
        export_small_base(db, base)
        db.close()
    for c in build_corpus(base, out):
        print(f"{c.name}: {c.phrase!r} at {c.sheet} {c.row} {c.column}")
    build_xlsm(base, out / "macro.xlsm")
    shutil.copy(base, out / "valid.xlsx")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
