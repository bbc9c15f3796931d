"""The IHI progress score's arithmetic: valid scores, months, the natural uuid, latest and gap."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from qidesk.core.ids import natural_uuid

MIN_SCORE = 0.5
MAX_SCORE = 5.0
STEP = 0.5
RATERS = ("team", "coach")
RATER_LABELS = {"team": "Team", "coach": "Coach"}


def valid_scores() -> tuple[float, ...]:
    """0.5, 1.0, ... 5.0."""
    return tuple(x * STEP for x in range(1, int(MAX_SCORE / STEP) + 1))


def score_problem(score: float) -> str | None:
    """Why ``score`` is not a progress score, or None when it is one."""
    if not MIN_SCORE <= score <= MAX_SCORE or abs(score * 2 - round(score * 2)) > 1e-9:
        return f"A progress score is 0.5 to 5.0 in steps of 0.5 (not {score:g})."
    return None


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_key(day: date) -> str:
    """``"YYYY-MM"``."""
    return f"{day.year:04d}-{day.month:02d}"


def progress_uuid(team_uuid: str, month: date, rater: str) -> str:
    """The uuid of a team's score for a month from one rater (same on every installation)."""
    return natural_uuid("progress", team_uuid, month_key(month), rater)


@dataclass(frozen=True)
class ScorePoint:
    """One score: month (first day), rater and score."""

    month: date
    rater: str
    score: float


@dataclass(frozen=True)
class LatestScores:
    """The latest score from each rater, and the gap between them (coach minus team)."""

    team_month: date | None
    team_score: float | None
    coach_month: date | None
    coach_score: float | None

    @property
    def gap(self) -> float | None:
        if self.team_score is None or self.coach_score is None:
            return None
        return self.coach_score - self.team_score


def latest_scores(points: Iterable[ScorePoint]) -> LatestScores:
    """The most recent month's score of each rater."""
    latest: dict[str, ScorePoint] = {}
    for p in points:
        if p.rater not in latest or p.month > latest[p.rater].month:
            latest[p.rater] = p
    team, coach = latest.get("team"), latest.get("coach")
    return LatestScores(
        team.month if team else None,
        team.score if team else None,
        coach.month if coach else None,
        coach.score if coach else None,
    )
