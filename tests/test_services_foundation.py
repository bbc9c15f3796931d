"""Foundation services: cohorts, teams, members, coaches, recently deleted, unexported count."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qidesk.services.base import NotFound, ServiceError
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import AppMeta, Cohort, Member, RecordVersion, Team


@pytest.fixture
def services(db: Database) -> Services:
    return Services.create(db)


def test_vocabularies_come_from_the_seeded_tables(services: Services) -> None:
    vocab = services.reference.vocabularies()
    assert len(vocab.strategic_objectives) == 4
    assert [f.code for f in vocab.focus_areas] == ["1", "2", "3", "4", "5", "6"]
    assert vocab.title_of("quality_domains", "patient_centred") == "Patient-centred"
    assert [c.label for c in vocab.coach_roles][-1] == "QIST lead"


def test_cohort_defaults_to_nine_months_and_validates(services: Services) -> None:
    cohort = services.cohorts.create("Cohort 10", start_date=date(2026, 5, 31))
    assert cohort.end_date == date(2027, 2, 28)
    assert cohort.status == "planned"
    with pytest.raises(ServiceError, match="name"):
        services.cohorts.create("   ")
    with pytest.raises(ServiceError, match="before it starts"):
        services.cohorts.update(cohort.uuid, end_date=date(2026, 1, 1))
    assert services.cohorts.get(cohort.uuid).end_date == date(2027, 2, 28)
    changed = services.cohorts.update(cohort.uuid, name=" Cohort 10b ", status="running")
    assert (changed.name, changed.status) == ("Cohort 10b", "running")


def test_team_create_update_with_codes_and_coaches(services: Services, db: Database) -> None:
    cohort = services.cohorts.create("C", start_date=date(2026, 1, 1))
    coach = services.coaches.create("Ceri Jones", role="coach")
    buddy = services.coaches.create("Dai Evans", role="buddy_coach")
    team = services.teams.create(cohort.uuid, "  Stroke Unit ", service="Stroke")
    assert team.name == "Stroke Unit" and team.status == "active"
    team = services.teams.update(
        team.uuid,
        focus_areas=["3", "1"],
        quality_domains="safe;timely",
        coach_uuid=coach.uuid,
        buddy_coach_uuid=buddy.uuid,
    )
    assert team.focus_areas == ("1", "3")
    assert team.quality_domains == ("safe", "timely")
    assert (team.coach_name, team.buddy_coach_name) == ("Ceri Jones", "Dai Evans")
    with db.unit_of_work() as session:
        assert session.get(Team, team.uuid).focus_areas == "1;3"
    with pytest.raises(ServiceError, match="Unknown focus areas: 9"):
        services.teams.update(team.uuid, focus_areas=["9"])
    with pytest.raises(ServiceError, match="buddy coach"):
        services.teams.update(team.uuid, buddy_coach_uuid=coach.uuid)
    with pytest.raises(ServiceError, match="status"):
        services.teams.update(team.uuid, status="asleep")
    assert [t.name for t in services.coaches.get(coach.uuid).teams] == ["Stroke Unit"]
    assert services.coaches.get(buddy.uuid).teams[0].as_buddy


def test_an_unchanged_update_makes_no_new_version(services: Services, db: Database) -> None:
    cohort = services.cohorts.create("C")
    team = services.teams.create(cohort.uuid, "T")
    services.teams.update(team.uuid, name="T ", focus_areas=[])
    with db.unit_of_work() as session:
        assert session.get(Team, team.uuid).rev == 1


def test_member_crud_and_validation(services: Services) -> None:
    cohort = services.cohorts.create("C")
    team = services.teams.create(cohort.uuid, "T")
    member = services.members.create(team.uuid, "Nia Price", role="Staff nurse")
    with pytest.raises(ServiceError, match="email"):
        services.members.update(member.uuid, email="not an email")
    member = services.members.update(member.uuid, email="nia@example.org", active=False)
    assert not member.active
    assert [m.name for m in services.teams.get(team.uuid).members] == ["Nia Price"]
    services.members.delete(member.uuid)
    assert services.members.list_for_team(team.uuid) == []
    with pytest.raises(NotFound):
        services.members.get(member.uuid)
    services.members.restore(member.uuid)
    assert services.members.get(member.uuid).email == "nia@example.org"


def test_deleting_a_cohort_tombstones_teams_and_members_and_restores_them(
    services: Services, db: Database
) -> None:
    cohort = services.cohorts.create("Cohort X")
    team_a = services.teams.create(cohort.uuid, "A")
    team_b = services.teams.create(cohort.uuid, "B")
    services.members.create(team_a.uuid, "Alun")
    gone = services.members.create(team_b.uuid, "Bethan")
    services.members.delete(gone.uuid)  # deleted earlier: must stay deleted after restore
    services.cohorts.delete(cohort.uuid)
    with db.unit_of_work() as session:
        stamps = {
            session.get(Cohort, cohort.uuid).deleted_at,
            session.get(Team, team_a.uuid).deleted_at,
            session.get(Team, team_b.uuid).deleted_at,
            *(m.deleted_at for m in session.scalars(select(Member)) if m.name == "Alun"),
        }
        assert len(stamps) == 1 and None not in stamps
    assert services.cohorts.list_cohorts() == []
    assert services.teams.navigator() == []
    deleted = services.deleted.list_deleted()
    assert [(d.record_type, d.title) for d in deleted] == [
        ("Cohort", "Cohort X"),
        ("Member", "Bethan"),
    ]
    assert deleted[0].with_count == 3  # two teams and one member
    assert deleted[0].with_kinds == (("Team", 2), ("Member", 1))
    assert deleted[1].context == "Cohort X › B"
    with pytest.raises(ServiceError, match="restore the team first"):
        services.deleted.restore("Member", gone.uuid)
    services.deleted.restore("Cohort", cohort.uuid)
    assert [t.name for t in services.teams.list_for_cohort(cohort.uuid)] == ["A", "B"]
    assert [m.name for m in services.members.list_for_team(team_a.uuid)] == ["Alun"]
    assert services.members.list_for_team(team_b.uuid) == []
    assert [d.title for d in services.deleted.list_deleted()] == ["Bethan"]


def test_team_delete_and_restore_record_versions(services: Services, db: Database) -> None:
    cohort = services.cohorts.create("C")
    team = services.teams.create(cohort.uuid, "T")
    services.members.create(team.uuid, "M")
    services.teams.delete(team.uuid)
    with pytest.raises(NotFound):
        services.teams.delete(team.uuid)
    services.teams.restore(team.uuid)
    with db.unit_of_work() as session:
        revs = session.scalars(
            select(RecordVersion.rev).where(RecordVersion.record_uuid == team.uuid)
        ).all()
    assert revs == [1, 2, 3]


def test_deleted_coach_disappears_from_teams(services: Services) -> None:
    cohort = services.cohorts.create("C")
    coach = services.coaches.create("Owain", role="improvement_advisor")
    team = services.teams.create(cohort.uuid, "T", coach_uuid=coach.uuid)
    services.coaches.delete(coach.uuid)
    assert services.teams.get(team.uuid).coach_name == ""
    assert services.teams.list_for_cohort(cohort.uuid)[0].coach_name == ""
    assert services.coaches.list_coaches() == []
    services.deleted.restore("Coach", coach.uuid)
    assert services.teams.get(team.uuid).coach_name == "Owain"


def test_navigator_filter_by_team_service_and_coach(demo_db: Database) -> None:
    services = Services.create(demo_db)
    tree = services.teams.navigator()
    assert len(tree) == 2 and all(len(c.teams) == 15 for c in tree)
    assert tree[0].start_date > tree[1].start_date
    some_team = tree[0].teams[3]
    assert any(
        t.uuid == some_team.uuid
        for c in services.teams.navigator(some_team.name.upper())
        for t in c.teams
    )
    by_service = services.teams.navigator("emergency department")
    assert by_service and all(
        "emergency department" in t.service.lower() for c in by_service for t in c.teams
    )
    coach_name = some_team.coach_name
    by_coach = services.teams.navigator(coach_name.lower())
    teams = [t for c in by_coach for t in c.teams]
    assert teams and all(t.coach_name == coach_name for t in teams)
    assert services.teams.navigator("no such thing anywhere") == []


def test_unexported_count_counts_local_versions_after_the_last_export(
    services: Services, db: Database
) -> None:
    assert services.activity.unexported_count() == 0
    cohort = services.cohorts.create("C")
    services.teams.create(cohort.uuid, "T")
    assert services.activity.unexported_count() == 2
    with db.unit_of_work() as session:
        last = max(session.scalars(select(RecordVersion.id)))
        session.add(AppMeta(key="last_export_version_id", value=str(last)))
    assert services.activity.unexported_count() == 0
    services.cohorts.update(cohort.uuid, notes="x")
    assert services.activity.unexported_count() == 1


def test_failed_update_leaves_nothing(services: Services, db: Database) -> None:
    cohort = services.cohorts.create("C")
    with pytest.raises(ServiceError):
        services.cohorts.update(cohort.uuid, name="New", status="bogus")
    assert services.cohorts.get(cohort.uuid).name == "C"


def test_deleting_a_team_tombstones_every_record_that_belongs_to_it(demo_db: Database) -> None:
    """Records of later features (assessments, PDSA cycles, ...) go and come back with it."""
    from qidesk.services.deleted_service import _owning_links, sync_models

    services = Services.create(demo_db)
    team = services.teams.navigator()[0].teams[0]
    models = {m.__tablename__: m for m in sync_models()}

    def belonging(session, table: str, uuids: set[str]) -> list:
        found = []
        for link in _owning_links():
            if link.parent_table == table and uuids:
                column = getattr(link.child, link.column)
                rows = session.scalars(select(link.child).where(column.in_(uuids))).all()
                found += rows + belonging(session, link.child.__tablename__, {r.uuid for r in rows})
        return found

    with demo_db.unit_of_work() as session:
        assert models["team"].record_type == "Team"
        before = belonging(session, "team", {team.uuid})
        assert len({type(r) for r in before}) >= 2  # members and at least one later type
    services.teams.delete(team.uuid)
    with demo_db.unit_of_work() as session:
        stamp = session.get(Team, team.uuid).deleted_at
        after = belonging(session, "team", {team.uuid})
        assert stamp is not None and {r.deleted_at for r in after} == {stamp}
    assert services.deleted.list_deleted()[0].with_count == len(after)
    services.deleted.restore("Team", team.uuid)
    with demo_db.unit_of_work() as session:
        assert all(r.deleted_at is None for r in belonging(session, "team", {team.uuid}))
