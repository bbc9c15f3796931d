"""The self-assessment pack: layout, protection, drop-downs, and answers read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from qidesk.services.export_service import ExportService
from qidesk.services.import_service import ImportService
from qidesk.store.engine import Database
from qidesk.store.models import Member, Team
from qidesk.store.models.assessment import AssessmentResponse, assessment_uuid, response_uuid
from qidesk.sync.pack import FILL_SHEET, PACK_SHEET, parse_answer


def first_team(db: Database) -> tuple[str, str, list[str]]:
    with db.unit_of_work() as session:
        team = session.scalars(select(Team).order_by(Team.name)).first()
        members = session.scalars(
            select(Member.uuid)
            .where(Member.team_uuid == team.uuid, Member.active, Member.deleted_at.is_(None))
            .order_by(Member.name)
        ).all()
        return team.uuid, team.name, list(members)


def fill_pack(path: Path, answers: dict[tuple[str, str], str], comments: dict[str, str]) -> None:
    """Fill a pack the way a person would (answers by respondent key and item code)."""
    wb = openpyxl.load_workbook(path)
    layout = list(wb[PACK_SHEET].iter_rows(min_row=2, values_only=True))
    columns = {key: pos for kind, pos, key in layout if kind == "respondent"}
    rows = {key: pos for kind, pos, key in layout if kind == "item"}
    comment_col = next(pos for kind, pos, _ in layout if kind == "comment")
    ws = wb[FILL_SHEET]
    for (respondent, code), text in answers.items():
        ws.cell(rows[code], columns[respondent]).value = text
    for code, text in comments.items():
        ws.cell(rows[code], comment_col).value = text
    wb.save(path)


@pytest.fixture
def pack_db(db: Database) -> Database:
    """A small database: one cohort, one team of three members (no assessments yet)."""
    from qidesk.store.models import Cohort

    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9")
        team = Team(cohort=cohort, name="Stroke Unit Carmarthen")
        session.add_all([cohort, team])
        for name in ("Aled Jones", "Bethan Evans", "Carys Price"):
            session.add(Member(team=team, name=name, role="Staff Nurse"))
    return db


def test_pack_layout_protection_and_drop_downs(pack_db: Database, tmp_path: Path) -> None:
    target = tmp_path / "pack.xlsx"
    ExportService(pack_db.unit_of_work).export_pack(
        target, team_name="Stroke Unit Carmarthen", stage="start"
    )
    wb = openpyxl.load_workbook(target)
    assert wb.active.title == "Instructions"
    assert [ws.sheet_state for ws in wb.worksheets][:2] == ["visible", "visible"]
    assert all(wb[s].sheet_state == "hidden" for s in ("Lists", "_meta", "_pack", "_rows"))
    ws = wb[FILL_SHEET]
    header = [c.value for c in ws[4]]
    assert header[:4] == ["Code", "Capability", "What it means", "Levels"]
    assert header[4:] == ["Aled Jones", "Bethan Evans", "Carys Price", "Team consensus", "Comments"]
    assert ws.protection.sheet and not ws.protection.password
    assert ws["E5"].protection.locked is False and ws["I5"].protection.locked is False
    assert ws["B5"].protection.locked is True
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list" and "Lists!" in validation.formula1
    assert "E5" in str(validation.sqref) or "E5:H16" in str(validation.sqref)
    choices = [r[0].value for r in wb["Lists"].iter_rows()]
    assert choices[0] == "1 – New to this" and choices[-1] == "not answered"
    assert ws.max_row == 4 + 12  # the default template's twelve items


def test_a_filled_pack_records_the_answers_and_twice_is_once(
    pack_db: Database, tmp_path: Path
) -> None:
    team_uuid, name, members = first_team(pack_db)
    target = tmp_path / "pack.xlsx"
    ExportService(pack_db.unit_of_work).export_pack(target, team_name=name, stage="start")
    fill_pack(
        target,
        {
            (members[0], "MFI"): "3 – Can apply it with support",
            (members[1], "MFI"): "not answered",
            (members[2], "AIM"): 4,
            ("consensus", "MFI"): "2 – Know the basics",
        },
        {"MFI": "We used it on our first project"},
    )
    service = ImportService(pack_db.unit_of_work, pack_db.path)
    result = service.apply([target])
    assert result.applied and result.totals.created == 3, result.as_json()
    a_uuid = assessment_uuid(team_uuid, "start")
    with pack_db.unit_of_work() as session:
        scores = {
            (r.respondent, r.item_code): (r.score, r.comment)
            for r in session.scalars(select(AssessmentResponse))
        }
    assert scores == {
        (members[0], "MFI"): (3, ""),
        (members[2], "AIM"): (4, ""),
        ("consensus", "MFI"): (2, "We used it on our first project"),
    }
    assert service.apply([target]).totals.changes == 0
    # Exporting the pack again shows the answers; changing one is an update, not a conflict.
    again = tmp_path / "again.xlsx"
    ExportService(pack_db.unit_of_work).export_pack(again, team_name=name, stage="start")
    wb = openpyxl.load_workbook(again)
    assert wb[FILL_SHEET]["E5"].value == "3 – Can apply it with support"
    fill_pack(again, {(members[0], "MFI"): "5 – Can teach and coach others"}, {})
    result = service.apply([again])
    assert result.totals.updated == 1 and result.totals.conflicts == 0
    with pack_db.unit_of_work() as session:
        response = session.get(AssessmentResponse, response_uuid(a_uuid, members[0], "MFI"))
        assert response.score == 5


def test_two_different_fills_of_one_pack_are_a_conflict_not_a_loss(
    pack_db: Database, tmp_path: Path
) -> None:
    _team_uuid, name, members = first_team(pack_db)
    target = tmp_path / "pack.xlsx"
    ExportService(pack_db.unit_of_work).export_pack(target, team_name=name, stage="mid")
    copy_a, copy_b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    copy_a.write_bytes(target.read_bytes())
    copy_b.write_bytes(target.read_bytes())
    fill_pack(copy_a, {(members[0], "MFI"): 2}, {})
    fill_pack(copy_b, {(members[0], "MFI"): 4, (members[1], "MFI"): 1}, {})
    result = ImportService(pack_db.unit_of_work, pack_db.path).apply([copy_a, copy_b])
    assert result.totals.conflicts == 1 and result.totals.created == 1


def test_a_wrong_answer_is_rejected_with_its_cell(pack_db: Database, tmp_path: Path) -> None:
    _team_uuid, name, members = first_team(pack_db)
    target = tmp_path / "pack.xlsx"
    ExportService(pack_db.unit_of_work).export_pack(target, team_name=name, stage="end")
    fill_pack(target, {(members[1], "AIM"): "7", (members[0], "MFI"): 2}, {})
    result = ImportService(pack_db.unit_of_work, pack_db.path).apply([target])
    (report,) = result.files
    assert report.status == "rejected" and not result.applied
    (problem,) = report.problems
    assert (problem.sheet, problem.row, problem.column) == ("Assessment", 6, "Bethan Evans")
    assert "from 1 to 5" in problem.message


@pytest.mark.parametrize(
    ("cell", "score"),
    [(None, None), ("", None), ("not answered", None), (3, 3), (3.0, 3), ("4 – x", 4), ("2", 2)],
)
def test_parse_answer(cell, score) -> None:
    assert parse_answer(cell, 1, 5) == score


@pytest.mark.parametrize("cell", [0, 6, 2.5, "six", True, "9 – x"])
def test_parse_answer_refuses(cell) -> None:
    from qidesk.sync.cells import CellError

    with pytest.raises(CellError):
        parse_answer(cell, 1, 5)


def test_a_pack_that_cannot_be_written_creates_no_stage(pack_db: Database, tmp_path: Path) -> None:
    """The stage's self-assessment a pack needs is created with the file, or not at all."""
    from qidesk.services.base import ServiceError
    from qidesk.services.export_service import ExportService
    from qidesk.store.models import Assessment

    with pack_db.unit_of_work() as session:
        team_uuid = session.scalars(select(Team.uuid)).one()
    with pytest.raises(ServiceError, match="does not exist"):
        ExportService(pack_db.unit_of_work).export_pack(
            tmp_path / "gone" / "pack.xlsx", stage="mid", team_uuid=team_uuid
        )
    with pack_db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_an_export_written_but_not_noted_says_the_file_was_written(
    pack_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qidesk.services import export_service
    from qidesk.services.base import ServiceError
    from qidesk.store.errors import DatabaseFull

    def full(*_args: object) -> None:
        raise DatabaseFull("The disk holding coach.sqlite is full, so nothing was saved.")

    monkeypatch.setattr(export_service, "_remember_export", full)
    target = tmp_path / "full.xlsx"
    with pytest.raises(ServiceError, match="was written, but QI Desk could not note"):
        export_service.ExportService(pack_db.unit_of_work).export_full(target)
    assert target.exists()
