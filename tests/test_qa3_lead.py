"""QA of a lead's view across installations: a team added on a coach's computer to a cohort the
lead has meanwhile combined into another (or deleted) is in no cohort after the merge; the
Programme page says so and brings its cohort back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtWidgets import QApplication

from qidesk.services.registry import Services
from qidesk.ui.context import UiContext
from qidesk.ui.main_window import MainWindow
from qidesk.ui.navigator import Selection
from test_merge_support import export, fresh_database, merge, state


def test_a_team_added_to_a_cohort_combined_elsewhere_is_found_again(qtbot, tmp_path: Path) -> None:
    lead_db = fresh_database(tmp_path, "lead", "inst-lead")
    coach_db = fresh_database(tmp_path, "coach", "inst-coach")
    lead, coach = Services.create(lead_db), Services.create(coach_db)
    kept = lead.cohorts.create("Cohort 9", date(2026, 8, 1))
    made_twice = lead.cohorts.create("Cohort 9", date(2026, 8, 1))
    lead.teams.create(kept.uuid, "Ward 1")
    lead.teams.create(made_twice.uuid, "Ward 2")
    merge(coach_db, export(lead_db))
    # The lead combines the duplicate; meanwhile the coach adds a team to it.
    lead.cohorts.combine_into(made_twice.uuid, kept.uuid)
    added = coach.teams.create(made_twice.uuid, "Ward 3")
    merge(lead_db, export(coach_db))
    # Ward 3 is live but its cohort is deleted: the navigator lists no cohort holding it.
    assert lead.teams.get(added.uuid).name == "Ward 3"
    assert added.uuid not in {t.uuid for c in lead.teams.navigator() for t in c.teams}
    assert [(t.team_name, t.cohort_uuid) for t in lead.cohorts.stranded_teams()] == [
        ("Ward 3", made_twice.uuid)
    ]

    window = MainWindow(UiContext(lead))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    # The entry below the tree counts them, as Conflicts counts conflicts.
    assert window.navigator.fixed.item(0).text() == "Programme (1)"
    window.select(Selection("fixed", "programme"))
    page = window.current_page()
    assert page.stranded_row.isVisible()
    text = page.stranded_label.text()
    assert text.startswith("⚠ 1 team is in a deleted cohort, so no cohort lists it: ")
    assert "Ward 3 (in Cohort 9)" in text
    page.restore_button.click()
    QApplication.processEvents()
    assert not page.stranded_row.isVisible()
    assert window.navigator.fixed.item(0).text() == "Programme"
    tree = {c.uuid: [t.name for t in c.teams] for c in lead.teams.navigator()}
    assert tree[made_twice.uuid] == ["Ward 3"]
    assert sorted(tree[kept.uuid]) == ["Ward 1", "Ward 2"]
    assert lead.cohorts.stranded_teams() == []
    # Combined again, every team is in the one cohort.
    lead.cohorts.combine_into(made_twice.uuid, kept.uuid)
    assert [sorted(t.name for t in c.teams) for c in lead.teams.navigator()] == [
        ["Ward 1", "Ward 2", "Ward 3"]
    ]
    window.close()
    lead_db.close()
    coach_db.close()


def test_nothing_is_said_when_every_team_has_a_cohort(qtbot, demo_window) -> None:
    demo_window.select(Selection("fixed", "programme"))
    page = demo_window.current_page()
    assert not page.stranded_row.isVisible()


def test_two_computers_combining_a_pair_each_way_lose_no_team(tmp_path: Path) -> None:
    """The lead combines the duplicate into the kept cohort while a coach combines them the
    other way round. After they exchange workbooks both cohorts are deleted, each team in one
    of them, and the navigator shows no team at all on either computer: the two agree, the
    teams are named as stranded, and restoring their cohorts shows every team again."""
    lead_db = fresh_database(tmp_path, "lead", "inst-lead")
    coach_db = fresh_database(tmp_path, "coach", "inst-coach")
    lead, coach = Services.create(lead_db), Services.create(coach_db)
    first = lead.cohorts.create("Cohort 9", date(2026, 8, 1))
    second = lead.cohorts.create("Cohort 9", date(2026, 8, 1))
    teams = {
        lead.teams.create(first.uuid, "Ward 1").uuid,
        lead.teams.create(second.uuid, "Ward 2").uuid,
    }
    merge(coach_db, export(lead_db))
    lead.cohorts.combine_into(second.uuid, first.uuid)
    coach.cohorts.combine_into(first.uuid, second.uuid)
    merge(lead_db, export(coach_db))
    merge(coach_db, export(lead_db))
    assert state(lead_db).shown() == state(coach_db).shown()
    for services in (lead, coach):
        assert services.teams.navigator() == []
        stranded = services.cohorts.stranded_teams()
        assert {t.team_uuid for t in stranded} == teams
        for cohort_uuid in {t.cohort_uuid for t in stranded}:
            services.deleted.restore("Cohort", cohort_uuid)
        assert {t.uuid for c in services.teams.navigator() for t in c.teams} == teams
        assert services.cohorts.stranded_teams() == []
    lead_db.close()
    coach_db.close()


def test_an_import_that_strands_a_team_says_so(qtbot, tmp_path: Path, capsys) -> None:
    """The merge that leaves a team in a deleted cohort says so when it is applied (the
    window's import summary and the command line), naming the team and where to restore it."""
    from qidesk.cli import main
    from qidesk.services.export_service import ExportService
    from qidesk.services.import_service import ImportService

    lead_db = fresh_database(tmp_path, "lead", "inst-lead")
    coach_db = fresh_database(tmp_path, "coach", "inst-coach")
    lead, coach = Services.create(lead_db), Services.create(coach_db)
    kept = lead.cohorts.create("Cohort 9", date(2026, 8, 1))
    made_twice = lead.cohorts.create("Cohort 9", date(2026, 8, 1))
    lead.teams.create(kept.uuid, "Ward 1")
    merge(coach_db, export(lead_db))
    lead.cohorts.combine_into(made_twice.uuid, kept.uuid)
    coach.teams.create(made_twice.uuid, "Ward 3")
    workbook = tmp_path / "coach.xlsx"
    ExportService(coach_db.unit_of_work).export_full(workbook)
    copy = tmp_path / "lead-copy.sqlite"
    lead_db.close()
    import shutil

    shutil.copy(tmp_path / "lead.sqlite", copy)
    from qidesk.store.engine import Database

    with Database.open(tmp_path / "lead.sqlite") as db:
        result = ImportService(db.unit_of_work, db.path).apply([workbook])
    assert result.applied
    assert result.stranded_teams == ("Ward 3 (Cohort 9)",)
    assert "1 team is in a cohort deleted on another computer" in result.stranded_text()
    assert "Ward 3 (Cohort 9)" in result.stranded_text() and "Programme" in result.stranded_text()
    # The window's import summary says it after "Applied: …".
    from qidesk.ui.dialogs.import_dialog import ImportDialog

    with Database.open(tmp_path / "lead.sqlite") as db:
        dialog = ImportDialog(UiContext(Services.create(db)), [])
        summary = dialog._summary_text(result, applied=True)
        dialog.deleteLater()
    assert summary.startswith("Applied: ") and result.stranded_text() in summary
    # The same from the command line, on a copy of the lead's database as it was.
    assert main(["merge", "--db", str(copy), str(workbook)]) == 0
    out = capsys.readouterr().out
    assert "Note: 1 team is in a cohort deleted on another computer" in out
    # Merged again, nothing is applied, and nothing more is said.
    assert main(["merge", "--db", str(copy), str(workbook)]) == 0
    assert "Note:" not in capsys.readouterr().out
