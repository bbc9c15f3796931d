"""PDSA tables: records carry sync fields and history; the IHI scale is seeded reference data."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qidesk.store.engine import Database
from qidesk.store.models import (
    ChangeIdea,
    Cohort,
    PdsaCycle,
    ProgressScaleLevel,
    ProgressScore,
    RecordVersion,
    Team,
)


def test_scale_is_seeded_by_the_migration(db: Database) -> None:
    with db.unit_of_work() as session:
        levels = session.scalars(select(ProgressScaleLevel).order_by("position")).all()
    assert [lv.score for lv in levels] == [x / 2 for x in range(1, 11)]
    assert levels[0].title == "Intent to participate"
    assert levels[-1].title == "Outstanding sustainable results"


def test_pdsa_records_get_versions_and_history(db: Database) -> None:
    with db.unit_of_work() as session:
        cohort = Cohort(name="C")
        team = Team(cohort=cohort, name="T")
        session.add_all([cohort, team])
        session.flush()
        idea = ChangeIdea(team_uuid=team.uuid, title="Checklist")
        session.add(idea)
        session.flush()
        cycle = PdsaCycle(
            team_uuid=team.uuid, change_idea_uuid=idea.uuid, title="Try it", cycle_number=1
        )
        score = ProgressScore(team_uuid=team.uuid, month=date(2026, 3, 1), rater="team", score=2.5)
        session.add_all([cycle, score])
    with db.unit_of_work() as session:
        stored = session.get(PdsaCycle, cycle.uuid)
        assert stored is not None and stored.rev == 1 and stored.vv
        stored.study_results = "Worked on 9 of 10 shifts"
    with db.unit_of_work() as session:
        history = session.scalars(
            select(RecordVersion).where(RecordVersion.record_uuid == cycle.uuid)
        ).all()
        assert [h.rev for h in history] == [1, 2]
        assert {h.record_type for h in history} == {"PdsaCycle"}
        assert session.get(ProgressScore, score.uuid).record_type == "ProgressScore"  # type: ignore[union-attr]


def test_demo_force_keeps_the_scale(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qidesk.services.demo import build_demo

    database = Database.open(tmp_path / "d.sqlite")
    try:
        with database.unit_of_work() as session:
            session.add(Cohort(name="Old data"))  # so that --force clears before building
        build_demo(database.unit_of_work, seed=2, force=True)
        with database.unit_of_work() as session:
            assert len(session.scalars(select(ProgressScaleLevel)).all()) == 10
    finally:
        database.close()
