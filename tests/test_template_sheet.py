"""Templates: the shipped default, versioning, and import/export as an .xlsx sheet."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import openpyxl
import pytest

from qidesk.services.assessment_service import AssessmentService
from qidesk.services.base import ServiceError
from qidesk.services.template_service import TemplateService, default_template_definition
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.store.models.assessment import AssessmentTemplate, template_uuid
from qidesk.sync.template_sheet import (
    TemplateItemDefinition,
    TemplateSheetError,
    read_template_sheet,
    write_template_sheet,
)


def test_default_template_is_data_and_loads_once(db: Database) -> None:
    service = TemplateService(db.unit_of_work)
    first = service.ensure_default()
    again = service.ensure_default()
    assert first.uuid == again.uuid == template_uuid("qi_capability", 1)
    assert len(first.items) == 12 and (first.scale_min, first.scale_max) == (1, 5)
    assert first.items[0].title.startswith("Model for Improvement")
    assert first.level_labels[-1] == "Can teach and coach others"
    with db.unit_of_work() as session:
        assert session.query(AssessmentTemplate).count() == 1


def test_sheet_round_trip(tmp_path: Path, db: Database) -> None:
    service = TemplateService(db.unit_of_work)
    info = service.ensure_default()
    path = tmp_path / "template.xlsx"
    service.export_sheet(info.uuid, path)
    back = read_template_sheet(path)
    original = default_template_definition()
    assert back.content_key() == original.content_key()
    result = service.import_sheet(path)
    assert result.outcome == "unchanged" and result.template.uuid == info.uuid


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    d = default_template_definition()
    risky = ("=1+1", "+44 tel", "-minus", "@SUM(A1)", "\tTab", "\rCR")
    items = tuple(
        TemplateItemDefinition(f"I{i}", title, description=title) for i, title in enumerate(risky)
    )
    path = tmp_path / "risky.xlsx"
    write_template_sheet(dataclasses.replace(d, items=items, title="=HYPERLINK(1)"), path)
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    ws = openpyxl.load_workbook(path).active
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    back = read_template_sheet(path)
    assert back.title == "=HYPERLINK(1)"
    assert [i.title for i in back.items] == [t.strip() for t in risky]


def _edit(path: Path, cell: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    wb.active[cell] = value
    wb.save(path)


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        ("B9", None, "row 9, column B (title)"),
        ("A10", "MFI", "row 10, column A (code): item code 'MFI' is already used in row 8"),
        ("B4", "one", "row 4, column B (lowest level)"),
        ("E7", "Stage 1", "row 7, column E (header): expected 'Level 1'"),
        ("J8", "stray", "row 8, column J (beyond the last level)"),
        ("A1", "Name", "row 1, column A (label)"),
    ],
)
def test_bad_sheet_gets_a_located_error_and_changes_nothing(
    tmp_path: Path, db: Database, cell: str, value: object, expected: str
) -> None:
    service = TemplateService(db.unit_of_work)
    info = service.ensure_default()
    path = tmp_path / "bad.xlsx"
    service.export_sheet(info.uuid, path)
    _edit(path, cell, value)
    before = service.list_templates()
    with pytest.raises(ServiceError) as caught:
        service.import_sheet(path)
    assert expected in str(caught.value)
    assert "sheet 'Template'" in str(caught.value) or "Template" in str(caught.value)
    assert service.list_templates() == before


def test_not_a_workbook_and_missing_sheet(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_text("hello")
    with pytest.raises(TemplateSheetError, match="cannot be read"):
        read_template_sheet(junk)
    wb = openpyxl.Workbook()
    wb.active.title = "Other"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(TemplateSheetError, match="no sheet named 'Template'"):
        read_template_sheet(tmp_path / "other.xlsx")


def test_too_few_items(tmp_path: Path) -> None:
    d = default_template_definition()
    path = tmp_path / "few.xlsx"
    write_template_sheet(dataclasses.replace(d, items=d.items[:2]), path)
    with pytest.raises(TemplateSheetError, match="needs 3 to 20 items, found 2"):
        read_template_sheet(path)


def _team_with_member(db: Database) -> tuple[str, str]:
    with db.unit_of_work() as session:
        cohort = Cohort(name="C")
        team = Team(cohort=cohort, name="T")
        member = Member(team=team, name="M")
        session.add_all([cohort, team, member])
        session.flush()
        return team.uuid, member.uuid


def test_editing_a_version_with_responses_makes_a_new_version(db: Database) -> None:
    templates = TemplateService(db.unit_of_work)
    info = templates.ensure_default()
    d = templates.definition(info.uuid)
    renamed = dataclasses.replace(d, title="Renamed before use")
    assert templates.save(renamed).outcome == "updated"  # no responses yet: edited in place
    team, member = _team_with_member(db)
    AssessmentService(db.unit_of_work).set_score(team, "start", member, "MFI", 3)
    edited = dataclasses.replace(renamed, items=renamed.items[:-1])
    result = templates.save(edited)
    assert result.outcome == "new_version" and result.template.version == 2
    assert result.template.uuid == template_uuid("qi_capability", 2)
    old = templates.get(info.uuid)
    assert len(old.items) == 12 and old.title == "Renamed before use" and old.in_use
    assert templates.save(edited).outcome == "unchanged"


def test_new_teams_use_the_chosen_template_and_started_teams_keep_theirs(
    db: Database, tmp_path: Path
) -> None:
    templates = TemplateService(db.unit_of_work)
    assessments = AssessmentService(db.unit_of_work)
    team, member = _team_with_member(db)
    assessments.set_score(team, "start", member, "MFI", 2)
    own = dataclasses.replace(
        default_template_definition(),
        code="board_tool",
        title="Board tool",
        items=default_template_definition().items[:5],
    )
    path = tmp_path / "board.xlsx"
    write_template_sheet(own, path)
    result = templates.import_sheet(path)
    assert result.outcome == "created"
    assert templates.preferred().code == "qi_capability"
    templates.use_for_new_assessments("board_tool")
    assert templates.preferred().uuid == result.template.uuid
    # The started team's mid stage follows its start stage; a new team gets the board's tool.
    assert assessments.stage_sheet(team, "mid").template.code == "qi_capability"
    other, _ = _team_with_member(db)
    assert len(assessments.stage_sheet(other, "start").template.items) == 5


def test_template_commands(db_path: Path, tmp_path: Path, capsys) -> None:
    from qidesk.cli import main

    Database.open(db_path).close()
    out = tmp_path / "t.xlsx"
    assert main(["template", "export", "--db", str(db_path), "--out", str(out)]) == 0
    assert main(["template", "import", "--db", str(db_path), str(out)]) == 0
    assert "already here, nothing changed" in capsys.readouterr().out
    _edit(out, "B8", "")
    assert main(["template", "import", "--db", str(db_path), str(out)]) == 2
    err = capsys.readouterr().err
    assert "sheet 'Template', row 8, column B (title): the item needs a title" in err
    assert main(["template", "list", "--db", str(db_path)]) == 0
    assert "qi_capability v1" in capsys.readouterr().out
