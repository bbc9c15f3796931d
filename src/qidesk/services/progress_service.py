"""IHI progress scores: the scale, a team's monthly scores from team and coach, cohort latest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.core.progress_scale import (
    RATERS,
    ScorePoint,
    ScoreWindow,
    latest_scores,
    month_problem,
    month_start,
    progress_uuid,
    score_problem,
    score_window,
)
from qidesk.services.base import ServiceError, UnitOfWork, get_live, live, tombstone
from qidesk.store.models import Cohort, ProgressScaleLevel, ProgressScore, Team


@dataclass(frozen=True)
class ScaleLevel:
    score: float
    title: str
    description: str

    @property
    def label(self) -> str:
        return f"{self.score:.1f} {self.title}"


@dataclass(frozen=True)
class ProgressScoreInfo:
    uuid: str
    team_uuid: str
    month: date
    rater: str
    score: float
    note: str


@dataclass(frozen=True)
class TeamLatest:
    """A team's latest score from each rater; ``gap`` is coach minus team in ``gap_month``,
    the latest month both scored."""

    team_uuid: str
    team_name: str
    team_month: date | None
    team_score: float | None
    coach_month: date | None
    coach_score: float | None
    gap: float | None
    #: How many of the team's scores are for months outside its cohort's (see
    #: :func:`qidesk.core.progress_scale.score_window`): made before that rule, or imported.
    outside_window: int = 0
    gap_month: date | None = None


class ProgressService:
    """Monthly IHI progress scores."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._uow = unit_of_work

    def scale(self) -> tuple[ScaleLevel, ...]:
        """The IHI scale levels, lowest first (reference data from the database)."""
        with self._uow() as session:
            rows = session.scalars(
                select(ProgressScaleLevel).order_by(ProgressScaleLevel.position)
            ).all()
            return tuple(ScaleLevel(r.score, r.title, r.description) for r in rows)

    def window(self, team_uuid: str) -> ScoreWindow:
        """The months the team can be scored for, from its cohort's dates."""
        with self._uow() as session:
            return _team_window(session, get_live(session, Team, team_uuid))

    def months_outside(
        self, cohort_uuid: str, team_uuids: Sequence[str]
    ) -> dict[str, tuple[date, ...]]:
        """For teams about to move into the cohort: the months of each team's scores that
        would be outside its months (oldest first, each once; teams with none left out)."""
        with self._uow() as session:
            cohort = get_live(session, Cohort, cohort_uuid)
            window = score_window(cohort.start_date, cohort.end_date)
            out: dict[str, set[date]] = {}
            for start in range(0, len(team_uuids), 500):
                chunk = list(team_uuids[start : start + 500])
                for team_uuid, month in session.execute(
                    select(ProgressScore.team_uuid, ProgressScore.month).where(
                        ProgressScore.team_uuid.in_(chunk), ProgressScore.deleted_at.is_(None)
                    )
                ):
                    if not window.contains(month):
                        out.setdefault(team_uuid, set()).add(month)
        return {team: tuple(sorted(months)) for team, months in out.items()}

    def team_scores(self, team_uuid: str) -> tuple[ProgressScoreInfo, ...]:
        """The team's scores, by month then rater (team before coach)."""
        with self._uow() as session:
            rows = session.scalars(
                live(ProgressScore).where(ProgressScore.team_uuid == team_uuid)
            ).all()
            infos = [
                ProgressScoreInfo(r.uuid, r.team_uuid, r.month, r.rater, r.score, r.note)
                for r in rows
            ]
        order = {r: i for i, r in enumerate(RATERS)}
        return tuple(sorted(infos, key=lambda s: (s.month, order.get(s.rater, 9))))

    def set_score(
        self,
        team_uuid: str,
        month: date,
        rater: str,
        score: float,
        note: str = "",
        *,
        today: date | None = None,
    ) -> ProgressScoreInfo:
        """Record (or change) the score of ``month`` from ``rater``; a deleted one comes back.
        A month after ``today``'s (default: the computer's date) is refused: it has not begun,
        and its score would show as the team's latest. So is a month outside the team's
        cohort's (:func:`~qidesk.core.progress_scale.score_window`: three months before it
        starts to a year after it ends), which is a slip of the year; but a score already here
        for such a month (made before this rule, imported, or from before the team moved to
        this cohort) can still be corrected, and deleted."""
        if rater not in RATERS:
            raise ServiceError("A progress score is rated by the team or by the coach.")
        problem = score_problem(score)
        if problem:
            raise ServiceError(problem)
        month = month_start(month)
        uuid = progress_uuid(team_uuid, month, rater)
        with self._uow() as session:
            team = get_live(session, Team, team_uuid)
            row = session.get(ProgressScore, uuid)
            window = _team_window(session, team)
            if row is not None and row.deleted_at is None and row.month == month:
                window = score_window(None, None)  # a score already here may be corrected
            problem = month_problem(month, window, today or date.today())
            if problem:
                raise ServiceError(problem)
            if row is None:
                row = ProgressScore(
                    uuid=uuid, team_uuid=team_uuid, month=month, rater=rater, score=score
                )
                row.note = note.strip()
                session.add(row)
            else:
                row.deleted_at = None
                row.score = score
                row.note = note.strip()
                row.month, row.rater, row.team_uuid = month, rater, team_uuid
            session.flush()
            return ProgressScoreInfo(row.uuid, row.team_uuid, row.month, row.rater, score, row.note)

    def delete_score(self, uuid: str) -> None:
        with self._uow() as session:
            tombstone(get_live(session, ProgressScore, uuid))

    def cohort_latest(self, cohort_uuid: str) -> tuple[TeamLatest, ...]:
        """Every team of the cohort with its latest score from each rater (teams by name)."""
        with self._uow() as session:
            cohort = get_live(session, Cohort, cohort_uuid)
            window = score_window(cohort.start_date, cohort.end_date)
            teams = session.scalars(
                live(Team).where(Team.cohort_uuid == cohort_uuid).order_by(Team.name)
            ).all()
            rows = session.scalars(
                live(ProgressScore).where(ProgressScore.team_uuid.in_([t.uuid for t in teams]))
            ).all()
            points: dict[str, list[ScorePoint]] = {t.uuid: [] for t in teams}
            for r in rows:
                points[r.team_uuid].append(ScorePoint(r.month, r.rater, r.score))
            out = []
            for t in teams:
                latest = latest_scores(points[t.uuid])
                out.append(
                    TeamLatest(
                        t.uuid,
                        t.name,
                        latest.team_month,
                        latest.team_score,
                        latest.coach_month,
                        latest.coach_score,
                        latest.gap,
                        sum(1 for p in points[t.uuid] if not window.contains(p.month)),
                        latest.gap_month,
                    )
                )
            return tuple(out)


def _team_window(session: Session, team: Team) -> ScoreWindow:
    cohort = session.get(Cohort, team.cohort_uuid) if team.cohort_uuid else None
    if cohort is None:
        return score_window(None, None)
    return score_window(cohort.start_date, cohort.end_date)
