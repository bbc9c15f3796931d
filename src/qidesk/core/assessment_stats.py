"""Self-assessment arithmetic: per item and stage summaries, changes, areas, cohort aggregates.

Pure functions on plain values (no Qt, no database). Conventions:

- A *score* is a number on the template's scale; ``None`` means "not answered" and is never
  counted (not as zero, not in ``n``).
- Stages are ``start``, ``mid`` and ``end`` (:data:`STAGES`), in that order.
- The *team score* of an item at a stage is the mean of the answers given to it at that stage.
  When the team recorded a consensus answer (respondent :data:`CONSENSUS_RESPONDENT`) for an
  item at a stage, that answer *is* the team score (``n`` = 1) and individual answers to that
  item at that stage are not averaged in: the consensus is what the team agreed.

Areas of progress and areas for development (see :func:`areas_of_progress` and
:func:`areas_for_development`) follow rules written in those functions' docstrings.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: The three stages of the self-assessment, in programme order.
STAGES: tuple[str, ...] = ("start", "mid", "end")
#: Human names of the stages.
STAGE_LABELS: dict[str, str] = {"start": "Start", "mid": "Midpoint", "end": "End"}
#: Respondent key of a team-consensus answer (instead of a member uuid).
CONSENSUS_RESPONDENT = "consensus"
#: Default number of items listed as areas of progress / for development.
DEFAULT_AREA_COUNT = 3
#: Default minimum number of answers an item needs at a stage to be ranked in an area list.
DEFAULT_MIN_RESPONDENTS = 1
#: Scores closer than this are equal when ranking (so float noise never breaks a tie).
TIE_TOLERANCE = 1e-9
#: Scores and gains are shown to this many decimals; ranked as shown (see ``_rank_key``).
SHOWN_DECIMALS = 1
#: A tie at the cut is listed whole only while the list stays within this many times the count.
MAX_AREA_FACTOR = 2
#: A stage ranks areas once at least this share of the items have answers there.
AREA_STAGE_SHARE = 0.5


@dataclass(frozen=True)
class Summary:
    """Summary of the answers to one item at one stage (all None when nobody answered)."""

    n: int
    mean: float | None
    median: float | None
    min: float | None
    max: float | None

    @property
    def answered(self) -> bool:
        return self.n > 0


EMPTY = Summary(0, None, None, None, None)


def summarise(scores: Iterable[float | None]) -> Summary:
    """Mean, median, min, max and count of the answered ``scores`` (``None`` is skipped)."""
    values = sorted(float(s) for s in scores if s is not None)
    if not values:
        return EMPTY
    return Summary(
        n=len(values),
        mean=sum(values) / len(values),
        median=float(statistics.median(values)),
        min=values[0],
        max=values[-1],
    )


@dataclass(frozen=True)
class Answer:
    """One answer: who gave it, to which item, at which stage (``score`` None = not answered)."""

    stage: str
    respondent: str
    item_code: str
    score: float | None


def team_summaries(answers: Iterable[Answer]) -> dict[tuple[str, str], Summary]:
    """Summary per ``(item_code, stage)`` of a team's answers (consensus rule in module doc).

    Only pairs with at least one answer row appear; a pair whose rows are all unanswered maps to
    a summary with ``n == 0``.
    """
    individual: dict[tuple[str, str], list[float | None]] = {}
    consensus: dict[tuple[str, str], list[float | None]] = {}
    for answer in answers:
        key = (answer.item_code, answer.stage)
        target = consensus if answer.respondent == CONSENSUS_RESPONDENT else individual
        target.setdefault(key, []).append(answer.score)
    result: dict[tuple[str, str], Summary] = {}
    for key in individual.keys() | consensus.keys():
        agreed = summarise(consensus.get(key, []))
        result[key] = agreed if agreed.answered else summarise(individual.get(key, []))
    return result


def team_scores(summaries: Mapping[tuple[str, str], Summary]) -> dict[str, dict[str, float]]:
    """``{stage: {item_code: team score}}`` for every answered item and stage."""
    scores: dict[str, dict[str, float]] = {}
    for (item, stage), summary in summaries.items():
        if summary.mean is not None:
            scores.setdefault(stage, {})[item] = summary.mean
    return scores


@dataclass(frozen=True)
class Change:
    """How an item's team score changed between stages (None where a stage is missing)."""

    start_mid: float | None
    mid_end: float | None
    start_end: float | None


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def changes(
    scores: Mapping[str, Mapping[str, float]], item_codes: Sequence[str]
) -> dict[str, Change]:
    """Change per item: start→mid, mid→end and start→end of the team scores."""
    result = {}
    for code in item_codes:
        start = scores.get("start", {}).get(code)
        mid = scores.get("mid", {}).get(code)
        end = scores.get("end", {}).get(code)
        result[code] = Change(_diff(start, mid), _diff(mid, end), _diff(start, end))
    return result


def latest_stage(
    summaries: Mapping[tuple[str, str], Summary],
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
) -> str | None:
    """The last stage (in programme order) where some item has ``min_respondents`` answers."""
    found = None
    for stage in STAGES:
        if any(s == stage and summ.n >= min_respondents for (_, s), summ in summaries.items()):
            found = stage
    return found


def areas_stage(
    summaries: Mapping[tuple[str, str], Summary],
    item_codes: Sequence[str],
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
) -> str | None:
    """The stage the area lists rank: the last stage where at least ``AREA_STAGE_SHARE`` of
    ``item_codes`` have ``min_respondents`` answers, so a stage still being entered (or one where
    only a few items were answered) does not replace a complete one; when no stage has that
    many, the :func:`latest_stage` of those items."""
    wanted = max(1, math.ceil(AREA_STAGE_SHARE * len(item_codes)))
    found = None
    for stage in STAGES:
        answered = sum(
            1 for code in item_codes if summaries.get((code, stage), EMPTY).n >= min_respondents
        )
        if answered >= wanted:
            found = stage
    if found is None:
        codes = set(item_codes)
        found = latest_stage({k: v for k, v in summaries.items() if k[0] in codes}, min_respondents)
    return found


@dataclass(frozen=True)
class AreaEntry:
    """An item in an area list with the numbers that put it there."""

    item_code: str
    score: float
    start_score: float | None = None
    gain: float | None = None


class AreaList(list[AreaEntry]):
    """An area list, and the tie it left out (see :func:`_take_with_ties`): ``tied_out`` items
    whose scores (or gains) all equal ``tied_value``. ``stage`` is the stage it ranks."""

    tied_out: int = 0
    tied_value: float | None = None
    stage: str | None = None


def _take_with_ties(
    ranked: list[tuple[float, int, AreaEntry]], count: int, stage: str | None, by: str
) -> AreaList:
    """The first ``count`` of ``ranked`` plus any that tie with the last one taken; but a tie
    that would make the list longer than ``MAX_AREA_FACTOR * count`` is left out whole (it is
    counted in ``tied_out``, their ``by`` value in ``tied_value``), so "twelve items tie at
    3.0" never lists all twelve as areas."""
    result = AreaList()
    result.stage = stage
    if count <= 0 or not ranked:
        return result
    cut = ranked[min(count, len(ranked)) - 1][0]
    before = [r for r in ranked if r[0] < cut - TIE_TOLERANCE]
    tied = [r for r in ranked if abs(r[0] - cut) <= TIE_TOLERANCE]
    result.extend(entry for _, _, entry in before)
    if len(before) + len(tied) <= MAX_AREA_FACTOR * count:
        result.extend(entry for _, _, entry in tied)
    else:
        result.tied_out = len(tied)
        result.tied_value = getattr(tied[0][2], by)
    return result


def _rank_key(value: float) -> float:
    """``value`` as the team sees it: scores and gains are shown to ``SHOWN_DECIMALS``
    (1.67 and 1.71 both read 1.7), so they rank so, and two that read the same tie."""
    return round(value, SHOWN_DECIMALS)


def areas_of_progress(
    summaries: Mapping[tuple[str, str], Summary],
    item_codes: Sequence[str],
    count: int = DEFAULT_AREA_COUNT,
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
) -> AreaList:
    """The items with the largest gains from the start to the latest stage.

    Rules:

    - The *latest stage* is the last of mid, end where at least half the items have
      ``min_respondents`` answers (:func:`areas_stage`: a stage being entered, or one where a
      few items were answered, does not yet take over); with only a start stage there is no
      progress to show and the list is empty.
    - An item is eligible when it has at least ``min_respondents`` answers at both the start and
      the latest stage, and its team score rose (gain > 0). Items that stayed level or fell are
      never "progress".
    - Eligible items are ranked by gain as shown (to one decimal: +0.97 and +1.04 both read
      +1.0 and tie; a gain that reads +0.0 is not a rise), largest first; equal gains keep the
      template's order (``item_codes``).
    - The first ``count`` items are listed, plus every further item whose gain ties with the last
      one listed (so a tie never hides an item arbitrarily); but when that tie would make the
      list longer than ``MAX_AREA_FACTOR * count``, the tied items are left out together and
      counted in the result's ``tied_out`` (with their gain in ``tied_value``): when all twelve
      items rose by one, none of them stands out.
    """
    latest = areas_stage(summaries, item_codes, min_respondents)
    if latest is None or latest == "start":
        return _take_with_ties([], count, latest, "gain")
    ranked: list[tuple[float, int, AreaEntry]] = []
    for position, code in enumerate(item_codes):
        start = summaries.get((code, "start"), EMPTY)
        last = summaries.get((code, latest), EMPTY)
        if start.n < min_respondents or last.n < min_respondents:
            continue
        assert start.mean is not None and last.mean is not None
        gain = last.mean - start.mean
        if _rank_key(gain) <= 0:  # a rise that reads "+0.0" is no progress
            continue
        ranked.append((-_rank_key(gain), position, AreaEntry(code, last.mean, start.mean, gain)))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return _take_with_ties(ranked, count, latest, "gain")


def areas_for_development(
    summaries: Mapping[tuple[str, str], Summary],
    item_codes: Sequence[str],
    count: int = DEFAULT_AREA_COUNT,
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
) -> AreaList:
    """The items with the lowest team scores at the latest stage.

    Rules:

    - The *latest stage* is the last stage (start, mid or end) where at least half the items
      have ``min_respondents`` answers (:func:`areas_stage`); with no such stage, the last where
      any item has; with none at all the list is empty.
    - An item is eligible when it has at least ``min_respondents`` answers at that stage.
    - Eligible items are ranked by team score as shown (to one decimal: 1.67 and 1.71 both
      read 1.7 and tie), lowest first; equal scores keep the template's order (``item_codes``).
    - The first ``count`` items are listed, plus every further item whose score ties with the
      last one listed, unless that tie would make the list longer than
      ``MAX_AREA_FACTOR * count``: then the tied items are left out together and counted in
      ``tied_out`` (their score in ``tied_value``), so a team that scored every item 3 is not
      told that all twelve need development. An item can be both an area of progress and an
      area for development (a big gain from a low start can still leave it among the lowest).
    """
    latest = areas_stage(summaries, item_codes, min_respondents)
    if latest is None:
        return _take_with_ties([], count, None, "score")
    start_scores = {code: summaries.get((code, "start"), EMPTY).mean for code in item_codes}
    ranked: list[tuple[float, int, AreaEntry]] = []
    for position, code in enumerate(item_codes):
        last = summaries.get((code, latest), EMPTY)
        if last.n < min_respondents or last.mean is None:
            continue
        start = start_scores[code]
        gain = None if start is None or latest == "start" else last.mean - start
        ranked.append((_rank_key(last.mean), position, AreaEntry(code, last.mean, start, gain)))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return _take_with_ties(ranked, count, latest, "score")


@dataclass(frozen=True)
class CohortCell:
    """The cohort's figures for one item at one stage: mean of team scores, range, team count."""

    mean: float | None
    min: float | None
    max: float | None
    n_teams: int


def cohort_aggregate(
    teams: Iterable[Mapping[str, Mapping[str, float]]],
    item_codes: Sequence[str],
    stages: Sequence[str] = STAGES,
) -> dict[tuple[str, str], CohortCell]:
    """Per ``(item_code, stage)``: mean of the team scores, their min and max, number of teams.

    ``teams`` holds each team's :func:`team_scores`. A team without a score for an item at a
    stage does not count for that cell (a missing score is never a zero).
    """
    collected: dict[tuple[str, str], list[float]] = {
        (code, stage): [] for code in item_codes for stage in stages
    }
    for scores in teams:
        for stage in stages:
            stage_scores = scores.get(stage, {})
            for code in item_codes:
                value = stage_scores.get(code)
                if value is not None:
                    collected[(code, stage)].append(float(value))
    result = {}
    for key, values in collected.items():
        if values:
            result[key] = CohortCell(
                sum(values) / len(values), min(values), max(values), len(values)
            )
        else:
            result[key] = CohortCell(None, None, None, 0)
    return result


def cohort_stage_mean(
    cells: Mapping[tuple[str, str], CohortCell], item_codes: Sequence[str], stage: str
) -> float | None:
    """The cohort's one figure for ``stage``: the mean of its items' cohort means (items no
    team answered at that stage left out); None when no item has one."""
    means = [
        m
        for code in item_codes
        if (cell := cells.get((code, stage))) and (m := cell.mean) is not None
    ]
    return sum(means) / len(means) if means else None


def respondents_answered(answers: Iterable[Answer], stage: str) -> set[str]:
    """Respondents (not the consensus) who answered at least one item at ``stage``."""
    return {
        a.respondent
        for a in answers
        if a.stage == stage and a.score is not None and a.respondent != CONSENSUS_RESPONDENT
    }


def shared_items(item_sets: Iterable[Sequence[str]]) -> list[str]:
    """Items common to every set, in the order of the first set (charts compare only these)."""
    sets = [list(s) for s in item_sets]
    if not sets:
        return []
    common = set(sets[0]).intersection(*map(set, sets[1:]))
    return [code for code in sets[0] if code in common]
