"""Aggregation rules of the self-assessment (pure core) with hypothesis for the invariants."""

from __future__ import annotations

import math
import statistics

from hypothesis import given
from hypothesis import strategies as st

from qidesk.core.assessment_stats import (
    CONSENSUS_RESPONDENT,
    Answer,
    areas_for_development,
    areas_of_progress,
    changes,
    cohort_aggregate,
    respondents_answered,
    shared_items,
    summarise,
    team_scores,
    team_summaries,
)

ITEMS = ["A", "B", "C", "D", "E"]
scores_1_5 = st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=12)


def answers_for(stage: str, table: dict[str, list[int | None]]) -> list[Answer]:
    """``{item: [score per respondent]}`` -> answers by respondents r0, r1, ..."""
    return [
        Answer(stage, f"r{i}", item, score)
        for item, scores in table.items()
        for i, score in enumerate(scores)
    ]


def test_summary_of_known_values() -> None:
    s = summarise([2, None, 4, 5, None])
    assert (s.n, s.mean, s.median, s.min, s.max) == (3, 11 / 3, 4.0, 2.0, 5.0)
    empty = summarise([None, None])
    assert empty.n == 0 and empty.mean is None and not empty.answered


@given(scores_1_5)
def test_bounds_within_scale_and_inputs(scores: list[int | None]) -> None:
    s = summarise(scores)
    answered = [x for x in scores if x is not None]
    assert s.n == len(answered)
    if answered:
        assert 1 <= s.min <= s.median <= s.max <= 5  # type: ignore[operator]
        assert s.min <= s.mean <= s.max  # type: ignore[operator]
        assert math.isclose(s.mean, statistics.fmean(answered))  # type: ignore[arg-type]


@given(scores_1_5, st.randoms())
def test_permutation_of_respondents_changes_nothing(scores: list[int | None], rnd) -> None:
    answers = answers_for("start", {"A": scores})
    shuffled = list(answers)
    rnd.shuffle(shuffled)
    renamed = [
        Answer(a.stage, f"x{rnd.random()}{i}", a.item_code, a.score) for i, a in enumerate(shuffled)
    ]
    assert team_summaries(answers) == team_summaries(shuffled)
    assert team_summaries(answers) == team_summaries(renamed)


@given(scores_1_5, st.integers(0, 6))
def test_missing_answers_never_count_as_zero(scores: list[int | None], extra_missing: int) -> None:
    with_missing = scores + [None] * extra_missing
    assert summarise(with_missing) == summarise([x for x in scores if x is not None])
    s = summarise(with_missing)
    if s.answered:
        assert s.min >= 1  # type: ignore[operator]


def test_consensus_answer_is_the_team_score() -> None:
    answers = answers_for("start", {"A": [1, 2, 3], "B": [4, 4]})
    answers.append(Answer("start", CONSENSUS_RESPONDENT, "A", 5))
    answers.append(Answer("start", CONSENSUS_RESPONDENT, "B", None))
    summaries = team_summaries(answers)
    assert summaries[("A", "start")].mean == 5 and summaries[("A", "start")].n == 1
    # An unanswered consensus falls back to the members' answers.
    assert summaries[("B", "start")].mean == 4 and summaries[("B", "start")].n == 2
    assert respondents_answered(answers, "start") == {"r0", "r1", "r2"}


def test_changes_between_stages() -> None:
    scores = {"start": {"A": 2.0, "B": 3.0}, "mid": {"A": 3.0}, "end": {"A": 4.5, "B": 3.5}}
    result = changes(scores, ["A", "B", "C"])
    assert result["A"].start_mid == 1.0 and result["A"].mid_end == 1.5
    assert result["A"].start_end == 2.5
    assert result["B"].start_mid is None and result["B"].start_end == 0.5
    assert result["C"].start_end is None


def _summaries(stage_tables: dict[str, dict[str, list[int | None]]]):
    answers = [a for stage, table in stage_tables.items() for a in answers_for(stage, table)]
    return team_summaries(answers)


def test_areas_of_progress_rank_by_gain_ties_included_only_gains() -> None:
    summaries = _summaries(
        {
            "start": {"A": [1, 1], "B": [2, 2], "C": [2, 2], "D": [3, 3], "E": [4, 4]},
            "mid": {"A": [2, 2]},  # ignored: the end stage is the latest
            "end": {"A": [4, 4], "B": [3, 3], "C": [3, 3], "D": [3, 3], "E": [3, 3]},
        }
    )
    progress = areas_of_progress(summaries, ITEMS, count=2)
    # A gains 3; B and C tie on 1 at the cut-off, both listed; D (level) and E (fell) never.
    assert [e.item_code for e in progress] == ["A", "B", "C"]
    assert progress[0].gain == 3 and progress[0].start_score == 1 and progress[0].score == 4
    assert [e.item_code for e in areas_of_progress(summaries, ITEMS, count=1)] == ["A"]


def test_areas_with_only_a_start_stage() -> None:
    summaries = _summaries({"start": {"A": [3], "B": [1], "C": [2], "D": [5], "E": [4]}})
    assert areas_of_progress(summaries, ITEMS) == []
    assert [e.item_code for e in areas_for_development(summaries, ITEMS)] == ["B", "C", "A"]


def test_areas_for_development_lowest_latest_ties_in_template_order() -> None:
    summaries = _summaries(
        {
            "start": {c: [1] for c in ITEMS},
            "mid": {"A": [2, 3], "B": [4, 4], "C": [2, 3], "D": [5, 5], "E": [2, 2]},
        }
    )
    dev = areas_for_development(summaries, ITEMS, count=2)
    assert [e.item_code for e in dev] == ["E", "A", "C"]  # A and C tie at 2.5
    assert dev[0].gain == 1.0


def test_minimum_respondents_excludes_thin_items() -> None:
    summaries = _summaries(
        {"start": {"A": [1, 1], "B": [1, 1]}, "end": {"A": [5, None], "B": [3, 3]}}
    )
    assert [e.item_code for e in areas_of_progress(summaries, ["A", "B"])] == ["A", "B"]
    only_b = areas_of_progress(summaries, ["A", "B"], min_respondents=2)
    assert [e.item_code for e in only_b] == ["B"]
    assert [
        e.item_code for e in areas_for_development(summaries, ["A", "B"], min_respondents=2)
    ] == ["B"]


@given(st.lists(st.dictionaries(st.sampled_from(ITEMS), st.integers(1, 5)), max_size=8))
def test_cohort_aggregate_mean_range_and_count(team_start_scores) -> None:
    teams = [{"start": {k: float(v) for k, v in t.items()}} for t in team_start_scores]
    result = cohort_aggregate(teams, ITEMS)
    for code in ITEMS:
        values = [t["start"][code] for t in teams if code in t["start"]]
        cell = result[(code, "start")]
        assert cell.n_teams == len(values)
        if values:
            assert cell.min == min(values) and cell.max == max(values)
            assert cell.min <= cell.mean <= cell.max  # type: ignore[operator]
            assert math.isclose(cell.mean, statistics.fmean(values))  # type: ignore[arg-type]
        else:
            assert cell.mean is None
        assert result[(code, "end")].n_teams == 0
    assert cohort_aggregate(list(reversed(teams)), ITEMS).keys() == result.keys()


def test_team_scores_and_shared_items() -> None:
    summaries = _summaries({"start": {"A": [2, 4], "B": [None]}})
    assert team_scores(summaries) == {"start": {"A": 3.0}}
    assert shared_items([["A", "B", "C"], ["C", "A"], ["A", "C", "D"]]) == ["A", "C"]
