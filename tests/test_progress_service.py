"""Progress scores: the scale from the database, natural uuids, revive, validation, latest."""

from __future__ import annotations

from datetime import date

import pytest

from qidesk.core.ids import natural_uuid
from qidesk.core.progress_scale import ScorePoint, latest_scores, score_problem
from qidesk.services.base import ServiceError
from qidesk.services.progress_service import ProgressService
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Team


@pytest.fixture
def setup(db: Database) -> tuple[ProgressService, str, str]:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9")
        a, b = Team(cohort=cohort, name="A ward"), Team(cohort=cohort, name="B ward")
        session.add_all([cohort, a, b])
        session.flush()
        return ProgressService(db.unit_of_work), cohort.uuid, a.uuid


def test_scale_comes_from_the_reference_table(setup) -> None:  # type: ignore[no-untyped-def]
    service, _, _ = setup
    scale = service.scale()
    assert len(scale) == 10
    assert scale[4].label == "2.5 Changes tested, no improvement"


def test_scores_have_natural_uuids_and_come_back_after_deletion(setup) -> None:  # type: ignore[no-untyped-def]
    service, _, team = setup
    first = service.set_score(team, date(2026, 3, 17), "team", 2.0, "  first ")
    assert first.month == date(2026, 3, 1) and first.note == "first"
    assert first.uuid == natural_uuid("progress", team, "2026-03", "team")
    again = service.set_score(team, date(2026, 3, 1), "team", 2.5)
    assert again.uuid == first.uuid
    service.set_score(team, date(2026, 3, 1), "coach", 1.5)
    assert [(s.rater, s.score) for s in service.team_scores(team)] == [
        ("team", 2.5),
        ("coach", 1.5),
    ]
    service.delete_score(first.uuid)
    assert [s.rater for s in service.team_scores(team)] == ["coach"]
    service.set_score(team, date(2026, 3, 1), "team", 3.0)
    assert [(s.rater, s.score) for s in service.team_scores(team)] == [
        ("team", 3.0),
        ("coach", 1.5),
    ]


def test_bad_scores_are_refused(setup) -> None:  # type: ignore[no-untyped-def]
    service, _, team = setup
    for score in (0.0, 5.5, 2.25):
        with pytest.raises(ServiceError, match=r"0\.5 to 5\.0 in steps of 0\.5"):
            service.set_score(team, date(2026, 3, 1), "team", score)
    with pytest.raises(ServiceError, match="team or by the coach"):
        service.set_score(team, date(2026, 3, 1), "patient", 2.0)
    assert score_problem(5.0) is None and score_problem(0.5) is None


def test_cohort_latest_scores(setup) -> None:  # type: ignore[no-untyped-def]
    service, cohort, team = setup
    service.set_score(team, date(2026, 3, 1), "team", 2.0)
    service.set_score(team, date(2026, 4, 1), "team", 3.0)
    service.set_score(team, date(2026, 3, 1), "coach", 2.0)
    rows = service.cohort_latest(cohort)
    assert [r.team_name for r in rows] == ["A ward", "B ward"]
    a = rows[0]
    # The gap is of the latest month both scored (March), not April's team score against
    # March's coach score.
    assert (a.team_month, a.team_score, a.coach_month, a.coach_score, a.gap) == (
        date(2026, 4, 1),
        3.0,
        date(2026, 3, 1),
        2.0,
        0.0,
    )
    assert a.gap_month == date(2026, 3, 1)
    assert rows[1].team_score is None and rows[1].gap is None
    assert latest_scores([ScorePoint(date(2026, 1, 1), "coach", 1.0)]).gap is None
