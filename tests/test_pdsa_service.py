"""PDSA service: ramp numbering, moving and deleting cycles, next cycle, rules, demo data."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qidesk.core.pdsa_rules import PlanTask, Question, check_cycle
from qidesk.services.base import ServiceError
from qidesk.services.pdsa_service import CycleRuleError, PdsaService
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, PdsaCycle, Team


@pytest.fixture
def team(db: Database) -> str:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9", start_date=date(2026, 1, 1), end_date=date(2026, 10, 1))
        team = Team(cohort=cohort, name="Ward 5")
        session.add_all([cohort, team])
        session.flush()
        return team.uuid


@pytest.fixture
def pdsa(db: Database) -> PdsaService:
    return PdsaService(db.unit_of_work)


def test_cycles_are_numbered_within_their_change_idea(pdsa: PdsaService, team: str) -> None:
    a = pdsa.create_change_idea(team, "Checklist")
    b = pdsa.create_change_idea(team, "Huddle")
    a1, a2 = pdsa.create_cycle(team, a.uuid), pdsa.create_cycle(team, a.uuid)
    b1 = pdsa.create_cycle(team, b.uuid)
    loose = pdsa.create_cycle(team, None, "Loose")
    assert [a1.cycle_number, a2.cycle_number, b1.cycle_number, loose.cycle_number] == [1, 2, 1, 1]
    assert a1.change_idea_title == "Checklist"
    ideas = {i.title: i.cycle_count for i in pdsa.change_ideas(team)}
    assert ideas == {"Checklist": 2, "Huddle": 1}


def test_deleting_keeps_numbers_and_the_ramp_skips_the_deleted_cycle(
    pdsa: PdsaService, team: str
) -> None:
    idea = pdsa.create_change_idea(team, "Checklist")
    c1 = pdsa.create_cycle(team, idea.uuid, "One")
    c2 = pdsa.create_cycle(team, idea.uuid, "Two", previous_cycle_uuid=c1.uuid)
    c3 = pdsa.create_cycle(team, idea.uuid, "Three", previous_cycle_uuid=c2.uuid)
    pdsa.delete_cycle(c2.uuid)
    cycles = {c.title: c for c in pdsa.team_pdsa(team).cycles}
    assert set(cycles) == {"One", "Three"}
    assert cycles["Three"].cycle_number == 3  # no renumbering
    assert cycles["Three"].ramp_previous_uuid == c1.uuid
    assert cycles["Three"].previous_cycle_uuid == c2.uuid  # the stored link is untouched
    # deleting the highest number frees it: the next new cycle takes it again
    pdsa.delete_cycle(c3.uuid)
    assert pdsa.create_cycle(team, idea.uuid, "New").cycle_number == 2


def test_moving_a_cycle_numbers_it_in_its_new_idea_and_ends_its_ramp(
    pdsa: PdsaService, team: str
) -> None:
    a = pdsa.create_change_idea(team, "Checklist")
    b = pdsa.create_change_idea(team, "Huddle")
    a1 = pdsa.create_cycle(team, a.uuid)
    a2 = pdsa.create_cycle(team, a.uuid, previous_cycle_uuid=a1.uuid)
    pdsa.create_cycle(team, b.uuid)
    moved = pdsa.update_cycle(a2.uuid, {"change_idea_uuid": b.uuid})
    assert (moved.cycle_number, moved.change_idea_title) == (2, "Huddle")
    assert moved.previous_cycle_uuid is None and moved.ramp_previous_uuid is None
    assert pdsa.cycle(a1.uuid).cycle_number == 1
    unlinked = pdsa.update_cycle(a2.uuid, {"change_idea_uuid": None})
    assert unlinked.cycle_number == 1 and unlinked.change_idea_title == ""
    other_team_idea = _other_team_idea(pdsa, team)
    with pytest.raises(ServiceError, match="another team"):
        pdsa.update_cycle(a2.uuid, {"change_idea_uuid": other_team_idea})


def _other_team_idea(pdsa: PdsaService, team: str) -> str:
    with pdsa._uow() as session:
        other = Team(cohort_uuid=session.get(Team, team).cohort_uuid, name="Other")  # type: ignore[union-attr]
        session.add(other)
        session.flush()
        other_uuid = other.uuid
    return pdsa.create_change_idea(other_uuid, "Theirs").uuid


def test_rules_are_enforced_and_nothing_is_saved(pdsa: PdsaService, team: str) -> None:
    cycle = pdsa.create_cycle(team, None, "Test")
    with pytest.raises(CycleRuleError) as err:
        pdsa.update_cycle(cycle.uuid, {"act_decision": "adopt", "status": "done"})
    assert [p.field for p in err.value.problems] == ["act_decision"]
    with pytest.raises(CycleRuleError, match="done needs an Act decision"):
        pdsa.update_cycle(cycle.uuid, {"status": "done"})
    with pytest.raises(CycleRuleError, match="before the planned start"):
        pdsa.update_cycle(
            cycle.uuid, {"planned_start": date(2026, 3, 2), "planned_end": date(2026, 3, 1)}
        )
    assert pdsa.cycle(cycle.uuid).status == "planned"
    done = pdsa.update_cycle(
        cycle.uuid,
        {
            "study_learning": "Works",
            "act_decision": "adopt",
            "status": "done",
            "questions": (Question("Used?", "Yes"),),
            "plan_tasks": (PlanTask("Brief", "Nia"),),
        },
    )
    assert done.status == "done" and done.questions == (Question("Used?", "Yes"),)
    assert done.plan_tasks == (PlanTask("Brief", "Nia"),)


def test_next_cycle_extends_the_ramp(pdsa: PdsaService, team: str) -> None:
    idea = pdsa.create_change_idea(team, "Checklist")
    first = pdsa.create_cycle(
        team,
        idea.uuid,
        "Checklist on nights",
        planned_start=date(2026, 3, 1),
        planned_end=date(2026, 3, 14),
    )
    with pytest.raises(ServiceError, match="Decide the Act step"):
        pdsa.next_cycle(first.uuid, date(2026, 3, 20))
    pdsa.update_cycle(
        first.uuid,
        {"study_results": "8/10", "act_decision": "adapt", "act_next_step": "Add a prompt"},
    )
    second = pdsa.next_cycle(first.uuid, date(2026, 3, 20))
    assert second.cycle_number == 2
    assert second.ramp_previous_uuid == first.uuid
    assert second.change_idea_uuid == idea.uuid
    assert second.objective == "Add a prompt"
    assert second.planned_start == date(2026, 3, 20)
    assert second.title == "Checklist on nights"


def test_change_idea_with_cycles_cannot_be_deleted(pdsa: PdsaService, team: str) -> None:
    idea = pdsa.create_change_idea(team, "Checklist", primary_driver="Reliability")
    cycle = pdsa.create_cycle(team, idea.uuid)
    with pytest.raises(ServiceError, match="has 1 cycle"):
        pdsa.delete_change_idea(idea.uuid)
    pdsa.delete_cycle(cycle.uuid)
    pdsa.update_change_idea(idea.uuid, {"status": "abandoned"})
    pdsa.delete_change_idea(idea.uuid)
    assert pdsa.change_ideas(team) == ()
    with pytest.raises(ServiceError):
        pdsa.create_change_idea(team, "  ")


def test_demo_cycles_follow_the_rules_and_form_ramps(demo_db: Database) -> None:
    pdsa = PdsaService(demo_db.unit_of_work)
    with demo_db.unit_of_work() as session:
        cycles = session.scalars(select(PdsaCycle)).all()
        teams = session.scalars(select(Team)).all()
        cohorts = [c.uuid for c in session.scalars(select(Cohort)).all()]
        for c in cycles:
            values = {col.key: getattr(c, col.key) for col in c.__table__.columns}
            assert check_cycle(values) == []
    per_team: dict[str, int] = {}
    for c in cycles:
        per_team[c.team_uuid] = per_team.get(c.team_uuid, 0) + 1
    assert all(3 <= per_team.get(t.uuid, 0) <= 12 for t in teams)
    decisions = {c.act_decision for c in cycles}
    assert {"adopt", "adapt", "abandon", None} <= decisions
    assert any(c.status == "running" for c in cycles)
    team_view = pdsa.team_pdsa(teams[0].uuid)
    assert 2 <= len(team_view.ideas) <= 5
    assert any(c.previous_uuid for c in pdsa.cohort_pdsa(cohorts[0]).cycles)
