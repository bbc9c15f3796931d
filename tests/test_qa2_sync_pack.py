"""Self-assessment packs as a coach meets them: problems named by the header the coach sees,
and copies of one pack (or two packs for one stage) filled apart and imported one by one."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from qidesk.services.import_service import ImportService
from qidesk.store.engine import Database
from qidesk.sync.pack import FILL_SHEET
from test_qa_sync_pack import column_of, export_pack, make_team, row_of


def test_a_formula_in_a_pack_names_the_members_header_not_a_letter(
    db: Database, tmp_path: Path
) -> None:
    make_team(db)
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb = openpyxl.load_workbook(pack)
    ws = wb[FILL_SHEET]
    ws.cell(row_of(ws, "MFI"), column_of(ws, "Bethan Evans")).value = "=1+2"
    ws.cell(row_of(ws, "AIM"), column_of(ws, "Comments")).value = "=A1"
    wb.save(pack)
    before = db.path.read_bytes()

    result = ImportService(db.unit_of_work, db.path).apply([pack])

    (report,) = result.files
    assert report.status == "rejected" and db.path.read_bytes() == before
    where = [(p.sheet, p.row, p.column) for p in report.problems]
    assert where == [("Assessment", 5, "Bethan Evans"), ("Assessment", 6, "Comments")]
    assert all("formula" in p.message for p in report.problems)


def test_a_formula_under_a_header_two_members_share_keeps_its_letter(
    db: Database, tmp_path: Path
) -> None:
    """Two members with one name: the header alone would not say which column."""
    from sqlalchemy import select

    from qidesk.store.models import Member

    make_team(db)
    with db.unit_of_work() as session:
        bethan = session.scalars(select(Member).where(Member.name == "Bethan Evans")).one()
        bethan.name = "Aled Jones"
    pack = export_pack(db, tmp_path / "pack.xlsx")
    wb = openpyxl.load_workbook(pack)
    ws = wb[FILL_SHEET]
    ws.cell(row_of(ws, "MFI"), 6).value = "=2"
    wb.save(pack)

    (problem,) = ImportService(db.unit_of_work, db.path).apply([pack]).files[0].problems

    assert (problem.row, problem.column) == (5, "Aled Jones (F)")
