"""The IHI progress score's arithmetic: valid scores, months, the natural uuid, latest and gap."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from qidesk.core.dates import PROGRAMME_MONTHS, add_months
from qidesk.core.ids import natural_uuid

MIN_SCORE = 0.5
MAX_SCORE = 5.0
STEP = 0.5
RATERS = ("team", "coach")
RATER_LABELS = {"team": "Team", "coach": "Coach"}

#: A team may score itself while it forms, before the cohort's first teaching day ...
MONTHS_BEFORE_START = 3
#: ... and keeps scoring after the last one, while it sustains its changes ("4.5 Sustainable
#: improvement"): a year after the cohort ends.
MONTHS_AFTER_END = 12
#: A cohort with no dates: no month before this one (the programme began in 2019; an earlier
#: month is a slip of the year, like a month box left on its default of January 2000).
EARLIEST_MONTH = date(2015, 1, 1)


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


@dataclass(frozen=True)
class ScoreWindow:
    """The months a team of a cohort can be scored for: ``first`` to ``last`` (first days of
    months; ``last`` None: no end besides the current month). ``reason`` says where they come
    from, for messages."""

    first: date
    last: date | None
    reason: str

    def contains(self, month: date) -> bool:
        month = month_start(month)
        return self.first <= month and (self.last is None or month <= self.last)

    def text(self) -> str:
        """ "May 2026 to May 2028" or "January 2015 onwards"."""
        if self.last is None:
            return f"{self.first:%B %Y} onwards"
        return f"{self.first:%B %Y} to {self.last:%B %Y}"


def score_window(cohort_start: date | None, cohort_end: date | None) -> ScoreWindow:
    """The months a cohort's teams are scored for: from ``MONTHS_BEFORE_START`` months before
    the cohort's start month to ``MONTHS_AFTER_END`` months after its end month. A cohort with
    only one date is taken as the programme's nine months long; one with none is bounded only
    by ``EARLIEST_MONTH``. (Months still to come are refused separately: see
    :func:`month_problem`.)"""
    around = f"{MONTHS_BEFORE_START} months before the cohort starts to a year after it ends"
    if cohort_start is None and cohort_end is None:
        return ScoreWindow(EARLIEST_MONTH, None, "the cohort has no dates")
    if cohort_start is None:
        assert cohort_end is not None
        cohort_start = add_months(cohort_end, -PROGRAMME_MONTHS)
        around += "; the cohort has no start date, so it is taken to start nine months earlier"
    elif cohort_end is None:
        cohort_end = add_months(cohort_start, PROGRAMME_MONTHS)
        around += "; the cohort has no end date, so it is taken to end nine months later"
    first = add_months(month_start(cohort_start), -MONTHS_BEFORE_START)
    last = max(add_months(month_start(cohort_end), MONTHS_AFTER_END), first)
    return ScoreWindow(first, last, around)


def month_problem(month: date, window: ScoreWindow, today: date) -> str | None:
    """Why ``month`` cannot be scored by a team whose cohort gives ``window`` (on ``today``),
    or None when it can."""
    month = month_start(month)
    if month > month_start(today):
        return f"{month:%B %Y} has not begun yet: score a month once it has started."
    if not window.contains(month):
        return (
            f"{month:%B %Y} is outside the months this team's cohort is scored for: "
            f"{window.text()} ({window.reason}). Check the year, or the cohort's dates."
        )
    return None


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
    """The latest score from each rater, and the gap between them (coach minus team) in
    ``gap_month``, the latest month both scored: scores of different months are not a gap
    (a coach who has not yet scored this month does not disagree with the team)."""

    team_month: date | None
    team_score: float | None
    coach_month: date | None
    coach_score: float | None
    gap_month: date | None = None
    gap: float | None = None


def latest_scores(points: Iterable[ScorePoint]) -> LatestScores:
    """The most recent month's score of each rater, and the gap of the latest month both
    scored."""
    latest: dict[str, ScorePoint] = {}
    by_month: dict[date, dict[str, float]] = {}
    for p in points:
        if p.rater not in latest or p.month > latest[p.rater].month:
            latest[p.rater] = p
        by_month.setdefault(p.month, {})[p.rater] = p.score
    team, coach = latest.get("team"), latest.get("coach")
    both = [m for m, raters in by_month.items() if "team" in raters and "coach" in raters]
    gap_month = max(both) if both else None
    gap = None
    if gap_month is not None:
        gap = by_month[gap_month]["coach"] - by_month[gap_month]["team"]
    return LatestScores(
        team.month if team else None,
        team.score if team else None,
        coach.month if coach else None,
        coach.score if coach else None,
        gap_month,
        gap,
    )
