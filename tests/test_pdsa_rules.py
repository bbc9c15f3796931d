"""The PDSA editor's rules, the list-field text formats, ramp resolution and next-cycle pre-fill."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from qidesk.core.pdsa_rules import (
    PlanTask,
    Question,
    RampLink,
    check_cycle,
    format_questions,
    format_tasks,
    next_cycle_blocker,
    next_cycle_number,
    next_cycle_prefill,
    one_line,
    parse_questions,
    parse_tasks,
    resolve_previous,
)

BASE = {"title": "Checklist", "status": "planned", "do_as_planned": "", "act_decision": None}


def fields(values: dict) -> list[str]:  # type: ignore[type-arg]
    return [p.field for p in check_cycle({**BASE, **values})]


def test_a_plain_cycle_breaks_no_rule() -> None:
    assert check_cycle(BASE) == []


def test_end_before_start_is_refused_for_planned_and_actual_dates() -> None:
    problems = check_cycle(
        {**BASE, "planned_start": date(2026, 3, 10), "planned_end": date(2026, 3, 2)}
    )
    assert [p.field for p in problems] == ["planned_end"]
    assert (
        "planned end (2 Mar 2026) is before the planned start (10 Mar 2026)" in problems[0].message
    )
    assert fields({"actual_start": date(2026, 3, 10), "actual_end": date(2026, 3, 9)}) == [
        "actual_end"
    ]
    assert fields({"actual_start": date(2026, 3, 10), "actual_end": date(2026, 3, 10)}) == []


def test_an_act_decision_needs_a_study() -> None:
    problems = check_cycle({**BASE, "act_decision": "adopt"})
    assert [(p.field, p.section) for p in problems] == [("act_decision", "act")]
    assert "needs a Study" in problems[0].message
    assert fields({"act_decision": "adopt", "study_learning": "It works"}) == []
    assert fields({"act_decision": "adapt", "study_results": "  "}) == ["act_decision"]


def test_done_needs_an_act_decision() -> None:
    problems = check_cycle({**BASE, "status": "done", "study_results": "fine"})
    assert [p.field for p in problems] == ["status"]
    assert "done needs an Act decision" in problems[0].message
    assert fields({"status": "done", "study_results": "ok", "act_decision": "abandon"}) == []


def test_title_and_choices() -> None:
    assert fields({"title": "  "}) == ["title"]
    assert fields({"act_decision": "maybe", "study_results": "x"}) == ["act_decision"]
    assert fields({"status": "paused"}) == ["status"]
    assert fields({"actual_end": date(2026, 1, 1)}) == ["actual_start"]


def test_question_and_task_text_is_readable() -> None:
    text = format_questions([Question("Will staff use it?", "Yes, 8 of 10 shifts")])
    assert text == "Q: Will staff use it?\nP: Yes, 8 of 10 shifts"
    tasks = format_tasks([PlanTask("Brief team", "Ward manager", "Monday"), PlanTask("Audit")])
    assert tasks == "What: Brief team\nWho: Ward manager\nWhen: Monday\n\nWhat: Audit"


def test_hand_edited_text_is_read_leniently() -> None:
    assert parse_questions("q: one\nmore words\np: yes\nQ: two") == (
        Question("one more words", "yes"),
        Question("two", ""),
    )
    assert parse_tasks("Ring the clinic\nwho: Nia\n\nWhat: Audit\nWhere: Ward 5") == (
        PlanTask("Ring the clinic", "Nia"),
        PlanTask("Audit", where="Ward 5"),
    )


line = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(st.lists(st.tuples(line, line), max_size=5))
def test_questions_round_trip(pairs: list[tuple[str, str]]) -> None:
    questions = [Question(q, p) for q, p in pairs]
    expected = tuple(
        Question(one_line(q.question), one_line(q.prediction))
        for q in questions
        if one_line(q.question) or one_line(q.prediction)
    )
    assert parse_questions(format_questions(questions)) == expected


@given(st.lists(st.tuples(line, line, line, line), max_size=5))
def test_tasks_round_trip(rows: list[tuple[str, str, str, str]]) -> None:
    tasks = [PlanTask(*r) for r in rows]
    expected = tuple(
        PlanTask(*(one_line(v) for v in r)) for r in rows if any(one_line(v) for v in r)
    )
    assert parse_tasks(format_tasks(tasks)) == expected


def test_numbering_and_ramp_resolution() -> None:
    assert next_cycle_number([]) == 1
    assert next_cycle_number([1, 2, 5]) == 6
    links = {
        "a": RampLink(None, "idea", False),
        "b": RampLink("a", "idea", True),  # deleted
        "c": RampLink("b", "idea", False),
        "d": RampLink("c", "other", False),  # moved to another idea
        "e": RampLink("e", "idea", False),  # loop
    }
    assert resolve_previous("c", links) == "a"
    assert resolve_previous("d", links) is None
    assert resolve_previous("a", links) is None
    assert resolve_previous("e", links) is None


def test_next_cycle_prefill_follows_the_act_step() -> None:
    previous = {
        "uuid": "u1",
        "team_uuid": "t",
        "change_idea_uuid": "i",
        "cycle_number": 2,
        "title": "Checklist",
        "questions": "Q: Used?\nP: Yes",
        "plan_tasks": "What: Brief\nWho: Nia\nWhen: Monday",
        "data_collection_plan": "Tally",
        "planned_start": date(2026, 3, 1),
        "planned_end": date(2026, 3, 10),
        "actual_end": date(2026, 3, 12),
        "act_decision": "adapt",
        "act_next_step": "Try it on nights too",
    }
    assert next_cycle_blocker(previous) is None
    values = next_cycle_prefill(previous, today=date(2026, 3, 5))
    assert values["previous_cycle_uuid"] == "u1"
    assert values["objective"] == "Try it on nights too"
    assert values["planned_start"] == date(2026, 3, 13)
    assert values["planned_end"] == date(2026, 3, 22)
    assert values["plan_tasks"] == "What: Brief\nWho: Nia"  # "when" is for the new cycle
    assert values["questions"] == "Q: Used?\nP: Yes"
    assert values["status"] == "planned"
    later = next_cycle_prefill({**previous, "act_next_step": ""}, today=date(2026, 4, 1))
    assert later["planned_start"] == date(2026, 4, 1)
    assert later["objective"] == "Adapted from cycle 2."
    assert "Decide the Act step" in (next_cycle_blocker({**previous, "act_decision": None}) or "")
    assert "abandoned" in (next_cycle_blocker({**previous, "act_decision": "abandon"}) or "")
