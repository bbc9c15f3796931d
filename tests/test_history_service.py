"""A record's history: its versions newest first, what changed, where from, and restoring one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qidesk.services.base import ServiceError
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Member, Team
from qidesk.store.models.history import RecordVersion
from test_merge_support import fresh_database


def team_edited_twice(services: Services) -> tuple[str, str]:
    """A cohort and a team, the team edited twice: (team uuid, coach uuid)."""
    cohort = services.cohorts.create("Cohort 8", start_date=date(2026, 3, 1))
    coach = services.coaches.create("Dr Siân Morgan").uuid
    team = services.teams.create(cohort.uuid, "ED Carmarthen", site="Glangwili").uuid
    services.teams.update(team, name="ED Carmarthen (night)", coach_uuid=coach)
    services.teams.update(team, site="Prince Philip", status="completed")
    return team, coach


def versions_in_db(db: Database, record_type: str, uuid: str) -> int:
    with db.unit_of_work() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    RecordVersion.record_type == record_type, RecordVersion.record_uuid == uuid
                )
            )
            or 0
        )


def test_a_team_edited_twice_has_three_versions_newest_first_with_changes_marked(db) -> None:
    services = Services.create(db)
    team, _coach = team_edited_twice(services)
    history = services.history.history("Team", team)
    assert history.title == "ED Carmarthen (night)"
    assert not history.deleted
    newest, middle, first = history.versions
    assert [v.rev for v in history.versions] == [3, 2, 1]
    assert [v.current for v in history.versions] == [True, False, False]
    assert first.first and not newest.first
    assert set(newest.changed_labels) == {"Site", "Status"}
    assert set(middle.changed_labels) == {"Name", "Coach"}
    assert first.changed_labels == ()
    values = {f.key: f.value for f in middle.fields}
    assert values["coach_uuid"] == "Dr Siân Morgan"
    assert values["cohort_uuid"] == "Cohort 8"
    assert values["site"] == "Glangwili"
    assert {f.key: f.value for f in newest.fields}["status"] == "Completed"
    assert all(v.source == "This computer" for v in history.versions)


def test_restoring_the_first_version_is_a_new_version_and_the_history_keeps_all(db) -> None:
    services = Services.create(db)
    team, _coach = team_edited_twice(services)
    first = services.history.history("Team", team).versions[-1]
    services.history.restore("Team", team, first.id)
    with db.unit_of_work() as session:
        row = session.get(Team, team)
        assert row is not None
        assert (row.name, row.site, row.coach_uuid, row.status) == (
            "ED Carmarthen",
            "Glangwili",
            None,
            "active",
        )
        assert row.rev == 4
    assert versions_in_db(db, "Team", team) == 4
    history = services.history.history("Team", team)
    assert [v.rev for v in history.versions] == [4, 3, 2, 1]
    assert history.versions[0].current
    assert set(history.versions[0].changed_labels) == {"Name", "Coach", "Site", "Status"}
    with pytest.raises(ServiceError, match="already holds"):
        services.history.restore("Team", team, history.versions[0].id)


def test_restoring_a_deleted_members_version_undeletes_it(db) -> None:
    services = Services.create(db)
    team, _coach = team_edited_twice(services)
    member = services.members.create(team, "Nia Evans", role="Staff nurse").uuid
    services.members.update(member, role="Ward sister")
    services.members.delete(member)
    history = services.history.history("Member", member)
    assert history.deleted
    deletion, second, first = history.versions
    assert second.changed_labels == ("Role",)
    assert deletion.deleted and deletion.current
    assert deletion.changed_labels == ("Deleted",)
    with pytest.raises(ServiceError, match="records the deletion"):
        services.history.restore("Member", member, deletion.id)
    services.history.restore("Member", member, first.id)
    restored = services.members.get(member)
    assert (restored.name, restored.role) == ("Nia Evans", "Staff nurse")
    assert [m.uuid for m in services.members.list_for_team(team)] == [member]
    after = services.history.history("Member", member)
    assert not after.deleted
    assert len(after.versions) == 4
    assert set(after.versions[0].changed_labels) == {"Role", "Deleted"}


def test_a_version_pointing_at_a_deleted_record_is_refused_clearly(db) -> None:
    services = Services.create(db)
    team, coach = team_edited_twice(services)
    member = services.members.create(team, "Nia Evans").uuid
    services.members.delete(member)
    services.teams.delete(team)  # the member's team is gone now
    first = services.history.history("Member", member).versions[-1]
    with pytest.raises(ServiceError, match="Restore the team"):
        services.history.restore("Member", member, first.id)
    services.teams.restore(team)
    services.teams.update(team, coach_uuid=None)
    services.coaches.delete(coach)
    middle = services.history.history("Team", team).versions[-2]
    assert {f.key: f.value for f in middle.fields}["coach_uuid"] == "Dr Siân Morgan (deleted)"
    with pytest.raises(ServiceError, match="Restore the coach"):
        services.history.restore("Team", team, middle.id)
    with db.unit_of_work() as session:
        assert session.get(Member, member).deleted_at is not None  # type: ignore[union-attr]


def test_a_version_that_came_from_an_import_names_the_file(db, tmp_path: Path) -> None:
    services = Services.create(db)
    team, _coach = team_edited_twice(services)
    workbook = tmp_path / "Cohort 8 from Carmarthen.xlsx"
    services.workbook_export.export_full(workbook)
    other = fresh_database(tmp_path, "other", "bbbb2222")
    try:
        theirs = Services.create(other)
        theirs.workbook_import.apply([workbook])
        theirs.teams.update(team, aim_statement="Reduce waits by 20% by June")
        history = theirs.history.history("Team", team)
        newest, received = history.versions[:2]
        assert newest.source == "This computer" and newest.current
        assert newest.changed_labels == ("Aim statement",)
        assert received.source == "Import of Cohort 8 from Carmarthen.xlsx"
        assert "another installation" in received.source_detail
        assert not received.current
    finally:
        other.close()


def test_unknown_record_types_and_foreign_versions_are_refused(db) -> None:
    services = Services.create(db)
    team, coach = team_edited_twice(services)
    with pytest.raises(ServiceError):
        services.history.history("Spaceship", team)
    coach_version = services.history.history("Coach", coach).versions[0]
    with pytest.raises(ServiceError, match="not one of"):
        services.history.restore("Team", team, coach_version.id)
