"""Changes not yet exported: records changed here, each once, until a full export includes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from qidesk.services.demo import build_demo
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import ExportedRecord, Team


@pytest.fixture
def services(db: Database) -> Services:
    return Services.create(db)


def by_type(services: Services) -> dict[str, int]:
    return dict(services.activity.unexported().by_type)


def test_each_changed_record_counts_once_and_deletions_count(services: Services) -> None:
    changes = services.activity.unexported()
    assert changes.records == 0 and changes.last_export_at is None and not changes.demo
    cohort = services.cohorts.create("C")
    team = services.teams.create(cohort.uuid, "T")
    member = services.members.create(team.uuid, "Ann Jones")
    for site in ("A", "B", "C"):
        services.teams.update(team.uuid, site=site)
    assert by_type(services) == {"Cohort": 1, "Team": 1, "Member": 1}
    services.members.delete(member.uuid)
    assert services.activity.unexported_count() == 3


def test_an_export_of_everything_clears_the_count_and_later_edits_count_again(
    services: Services, tmp_path: Path
) -> None:
    cohort = services.cohorts.create("C")
    team = services.teams.create(cohort.uuid, "T")
    services.workbook_export.export_full(tmp_path / "all.xlsx")
    changes = services.activity.unexported()
    assert changes.records == 0 and changes.last_export_at is not None
    services.teams.update(team.uuid, site="Ward 3")
    services.teams.update(team.uuid, site="Ward 4")
    services.teams.delete(team.uuid)
    assert by_type(services) == {"Team": 1}


def test_an_export_of_one_cohort_leaves_the_other_cohorts_changes_counted(
    services: Services, tmp_path: Path
) -> None:
    coach = services.coaches.create("Cath Coach")
    first = services.cohorts.create("First")
    second = services.cohorts.create("Second")
    first_team = services.teams.create(first.uuid, "First team", coach_uuid=coach.uuid)
    second_team = services.teams.create(second.uuid, "Second team")
    services.members.create(second_team.uuid, "Bob Evans")
    assert services.activity.unexported_count() == 6

    services.workbook_export.export_full(tmp_path / "first.xlsx", cohort_uuids=[first.uuid])
    # The first cohort, its team and the coach (every export carries all coaches) went.
    assert by_type(services) == {"Cohort": 1, "Team": 1, "Member": 1}
    services.teams.update(first_team.uuid, site="Ward 5")
    assert by_type(services) == {"Cohort": 1, "Team": 2, "Member": 1}

    services.workbook_export.export_full(tmp_path / "team.xlsx", team_names=["Second team"])
    # A team brings its cohort and members; the first team's new edit is still waiting.
    assert by_type(services) == {"Team": 1}

    services.workbook_export.export_full(tmp_path / "all.xlsx")
    assert services.activity.unexported_count() == 0
    with services.db.unit_of_work() as session:  # an export of everything needs no marks
        assert session.scalars(select(ExportedRecord)).all() == []


def test_a_self_assessment_pack_is_not_an_export(services: Services, tmp_path: Path) -> None:
    cohort = services.cohorts.create("C")
    team = services.teams.create(cohort.uuid, "T")
    services.workbook_export.export_pack(tmp_path / "pack.xlsx", stage="start", team_uuid=team.uuid)
    # Nothing cleared; the pack made the team's start assessment (and the default template it
    # uses) here: those are changes too.
    counted = by_type(services)
    assert counted["Cohort"] == counted["Team"] == counted["Assessment"] == 1
    assert set(counted) <= {"Cohort", "Team", "Assessment", "AssessmentTemplate", "TemplateItem"}


def test_versions_received_by_import_are_not_counted(
    services: Services, db: Database, tmp_path: Path
) -> None:
    cohort = services.cohorts.create("C")
    services.teams.create(cohort.uuid, "T")
    services.workbook_export.export_full(tmp_path / "all.xlsx")
    with Database.open(tmp_path / "other.sqlite") as other:
        received = Services.create(other)
        result = received.workbook_import.apply([tmp_path / "all.xlsx"])
        assert result.applied
        assert received.activity.unexported_count() == 0
        with other.unit_of_work() as session:
            team = session.scalars(select(Team)).one()
        received.teams.update(team.uuid, site="Ward 9")
        assert dict(received.activity.unexported().by_type) == {"Team": 1}


def test_a_demo_database_counts_from_its_build(db: Database, tmp_path: Path) -> None:
    services = Services.create(db)
    services.cohorts.create("Before the demo")
    services.workbook_export.export_full(tmp_path / "all.xlsx")
    build_demo(db.unit_of_work, seed=1, force=True)
    changes = services.activity.unexported()
    # The demo's records are the starting point; the export made before it is forgotten.
    assert changes.records == 0 and changes.demo and changes.last_export_at is None
    team = services.teams.navigator()[0].teams[0]
    services.teams.update(team.uuid, site="Ward 1")
    assert by_type(services) == {"Team": 1}
