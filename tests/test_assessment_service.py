"""Entering self-assessments through the service, team results, cohort capability, demo data."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qidesk.services.assessment_service import AssessmentService
from qidesk.services.base import NotFound, ServiceError
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.store.models.assessment import (
    CONSENSUS_RESPONDENT,
    Assessment,
    AssessmentResponse,
    assessment_uuid,
)


@pytest.fixture
def team(db: Database) -> tuple[str, list[str]]:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 1")
        team = Team(cohort=cohort, name="Ward 7")
        members = [Member(team=team, name=f"Member {i}") for i in range(4)]
        members.append(Member(team=team, name="Left early", active=False))
        session.add_all([cohort, team, *members])
        session.flush()
        return team.uuid, [m.uuid for m in members]


def test_entering_scores_creates_the_stage_with_natural_ids(db: Database, team) -> None:
    team_uuid, members = team
    service = AssessmentService(db.unit_of_work)
    service.set_score(team_uuid, "start", members[0], "MFI", 2)
    service.set_score(team_uuid, "start", members[0], "MFI", 3)  # changed, not duplicated
    service.set_score(team_uuid, "start", members[1], "MFI", None)  # not answered: no row
    service.set_comment(team_uuid, "start", members[1], "AIM", "Unsure what SMART means")
    with db.unit_of_work() as session:
        assessment = session.get(Assessment, assessment_uuid(team_uuid, "start"))
        assert assessment is not None and assessment.assessed_on == date.today()
        rows = session.scalars(select(AssessmentResponse)).all()
        assert {(r.item_code, r.score, r.comment) for r in rows} == {
            ("MFI", 3, ""),
            ("AIM", None, "Unsure what SMART means"),
        }
    sheet = service.stage_sheet(team_uuid, "start")
    assert sheet.answered_text == "1 of 4 members answered"  # the inactive member is not listed
    assert [r.name for r in sheet.respondents][-1] == "Team consensus"
    assert sheet.answers[(members[0], "MFI")].score == 3


def test_out_of_range_and_strangers_are_refused(db: Database, team) -> None:
    team_uuid, members = team
    service = AssessmentService(db.unit_of_work)
    for bad in (0, 6, 2.5, True):
        with pytest.raises(ServiceError, match="Scores run from 1 to 5"):
            service.set_score(team_uuid, "start", members[0], "MFI", bad)  # type: ignore[arg-type]
    with pytest.raises(ServiceError, match="not part of template"):
        service.set_score(team_uuid, "start", members[0], "NOPE", 3)
    with pytest.raises(NotFound):
        service.set_score(team_uuid, "start", "someone-else", "MFI", 3)
    with pytest.raises(ServiceError, match="Unknown stage"):
        service.set_score(team_uuid, "final", members[0], "MFI", 3)
    # A bad answer in a batch refuses the whole batch.
    with pytest.raises(ServiceError):
        service.set_answers(
            team_uuid, "mid", [(members[0], "MFI", 3, None), (members[1], "MFI", 9, None)]
        )
    with db.unit_of_work() as session:
        assert session.scalars(select(AssessmentResponse)).all() == []


def test_member_who_left_is_listed_at_stages_they_answered(db: Database, team) -> None:
    team_uuid, members = team
    service = AssessmentService(db.unit_of_work)
    service.set_answers(team_uuid, "start", [(members[4], "MFI", 2, None)])
    start = service.stage_sheet(team_uuid, "start")
    assert "Left early" in [r.name for r in start.respondents]
    assert start.answered_text == "1 of 5 members answered"
    mid = service.stage_sheet(team_uuid, "mid")
    assert "Left early" not in [r.name for r in mid.respondents]


def test_results_three_stages_changes_and_areas(db: Database, team) -> None:
    team_uuid, members = team
    service = AssessmentService(db.unit_of_work)
    codes = [i.code for i in service.stage_sheet(team_uuid, "start").template.items]
    for month, (stage, base) in enumerate((("start", 1), ("mid", 2), ("end", 3)), start=1):
        answers = [
            (m, code, min(5, base + (1 if code == "PDSA" and stage != "start" else 0)), None)
            for m in members[:3]
            for code in codes
        ]
        service.set_answers(team_uuid, stage, answers, assessed_on=date(2026, month * 4, 1))
    results = service.team_results(team_uuid)
    assert [s.stage for s in results.stages] == ["start", "mid", "end"]
    assert all(s.answered_text == "3 of 4 members answered" for s in results.stages)
    pdsa = next(i for i in results.items if i.code == "PDSA")
    assert pdsa.score("start") == 1 and pdsa.score("end") == 4 and pdsa.change.start_end == 3
    assert results.progress[0].item_code == "PDSA"
    # All but PDSA tie at 3: a tie longer than twice the list's three is left out and said.
    assert results.development == ()
    assert results.development_note == "11 items score 3.0: none stands out."
    assert results.latest_stage == "end" and results.note == ""


def test_consensus_and_only_a_start_stage(db: Database, team) -> None:
    team_uuid, members = team
    service = AssessmentService(db.unit_of_work)
    service.set_answers(
        team_uuid,
        "start",
        [(members[0], "MFI", 1, None), (CONSENSUS_RESPONDENT, "MFI", 4, "Agreed at huddle")],
    )
    results = service.team_results(team_uuid)
    assert [s.stage for s in results.stages] == ["start"]
    assert results.items[0].score("start") == 4
    assert results.stages[0].consensus
    assert results.progress == ()
    assert [e.item_code for e in results.development] == ["MFI"]


def test_cohort_capability_on_demo_data(demo_db: Database) -> None:
    service = AssessmentService(demo_db.unit_of_work)
    with demo_db.unit_of_work() as session:
        cohorts = {c.status: c.uuid for c in session.scalars(select(Cohort))}
        teams = session.scalars(select(Team)).all()
        assert all(
            session.get(Assessment, assessment_uuid(t.uuid, "start")) is not None for t in teams
        )
    done = service.cohort_capability(cohorts["completed"])
    assert done.teams_per_stage["start"] == done.team_count == 15
    assert done.teams_per_stage["end"] >= 12
    running = service.cohort_capability(cohorts["running"])
    assert running.teams_per_stage["end"] == 0 and 0 < running.teams_per_stage["mid"] < 15
    assert len(done.items) == 12
    grew = 0
    for code, _ in done.items:
        start, end = done.cells[(code, "start")], done.cells[(code, "end")]
        assert 1 <= start.min <= start.mean <= start.max <= 5  # type: ignore[operator]
        grew += end.mean > start.mean  # type: ignore[operator]
    assert grew >= 10


def test_stages_on_different_template_versions_compare_shared_items(db: Database, team) -> None:
    import dataclasses

    from qidesk.services.template_service import TemplateService

    team_uuid, members = team
    service = AssessmentService(db.unit_of_work)
    templates = TemplateService(db.unit_of_work)
    first = members[0]
    service.set_answers(team_uuid, "start", [(first, "MFI", 1, None), (first, "AIM", 2, None)])
    v1 = templates.definition(templates.preferred().uuid)
    v2 = templates.save(dataclasses.replace(v1, items=v1.items[1:])).template
    assert v2.version == 2
    # The mid stage was started on version 2 (as another installation might have done).
    service.set_stage_date(team_uuid, "mid", date(2026, 5, 1))
    with db.unit_of_work() as session:
        mid = session.get(Assessment, assessment_uuid(team_uuid, "mid"))
        assert mid is not None
        mid.template_uuid = v2.uuid
    service.set_answers(team_uuid, "mid", [(members[0], "AIM", 4, None)])
    results = service.team_results(team_uuid)
    assert [i.code for i in results.items] == [i.code for i in v2.items]
    assert "MFI" not in [i.code for i in results.items]
    assert "different template versions" in results.note and "11 items they share" in results.note
    assert results.progress[0].item_code == "AIM" and results.progress[0].gain == 2


def test_deleted_member_answers_drop_out_and_come_back(db: Database, team) -> None:
    from qidesk.services.member_service import MemberService

    team_uuid, members = team
    service = AssessmentService(db.unit_of_work)
    answers = [(members[0], "MFI", 1, None), (members[1], "MFI", 5, None)]
    service.set_answers(team_uuid, "start", answers)
    assert service.team_results(team_uuid).items[0].score("start") == 3
    MemberService(db.unit_of_work).delete(members[1])
    assert service.team_results(team_uuid).items[0].score("start") == 1
    sheet = service.stage_sheet(team_uuid, "start")
    assert members[1] not in [r.key for r in sheet.respondents]
    assert sheet.answered_text == "1 of 3 members answered"
    with pytest.raises(NotFound):
        service.set_score(team_uuid, "start", members[1], "MFI", 2)
    MemberService(db.unit_of_work).restore(members[1])
    assert service.team_results(team_uuid).items[0].score("start") == 3
