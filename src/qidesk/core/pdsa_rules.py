"""PDSA cycle rules: the editor's checks and messages, ramp numbering, next-cycle pre-fill."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

ACT_DECISIONS = ("adopt", "adapt", "abandon")
CYCLE_STATUSES = ("planned", "running", "studying", "done")
#: Answers to the Do step's "carried out as planned?" ("" = not answered yet).
DO_AS_PLANNED_VALUES = ("", "yes", "partly", "no")

DECISION_LABELS = {"adopt": "Adopt", "adapt": "Adapt", "abandon": "Abandon", None: "Not decided"}
STATUS_LABELS = {
    "planned": "Planned",
    "running": "Running",
    "studying": "Studying",
    "done": "Done",
}
#: The section of the editor each field belongs to (messages are shown in that section).
FIELD_SECTIONS = {
    "title": "plan",
    "objective": "plan",
    "questions": "plan",
    "plan_tasks": "plan",
    "data_collection_plan": "plan",
    "planned_start": "plan",
    "planned_end": "plan",
    "actual_start": "do",
    "actual_end": "do",
    "do_as_planned": "do",
    "do_observations": "do",
    "study_results": "study",
    "study_learning": "study",
    "act_decision": "act",
    "act_next_step": "act",
    "status": "act",
}
DEFAULT_CYCLE_DAYS = 14


# --- list-like fields as readable text ------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """A question the cycle answers, with the team's prediction."""

    question: str
    prediction: str = ""


@dataclass(frozen=True)
class PlanTask:
    """One task of the Plan: what, who, when, where."""

    what: str
    who: str = ""
    when: str = ""
    where: str = ""


def one_line(text: str) -> str:
    """``text`` as one trimmed line (inner line breaks and runs of spaces become one space)."""
    return " ".join((text or "").split())


def format_questions(questions: Iterable[Question]) -> str:
    """Questions as ``Q:``/``P:`` lines (see :class:`qidesk.store.models.PdsaCycle`)."""
    lines: list[str] = []
    for q in questions:
        question, prediction = one_line(q.question), one_line(q.prediction)
        if not question and not prediction:
            continue
        lines.append(f"Q: {question}".rstrip())
        if prediction:
            lines.append(f"P: {prediction}")
    return "\n".join(lines)


def _key_lines(text: str, keys: tuple[str, ...]) -> list[tuple[str | None, str]]:
    """(key, value) per non-empty line; key None for a blank line, "" for a continuation."""
    out: list[tuple[str | None, str]] = []
    lowered = {k.lower(): k for k in keys}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            out.append((None, ""))
            continue
        head, sep, rest = line.partition(":")
        key = lowered.get(head.strip().lower()) if sep else None
        if key is not None:
            out.append((key, rest.strip()))
        else:
            out.append(("", line))
    return out


def parse_questions(text: str) -> tuple[Question, ...]:
    """Read the ``questions`` column; lenient with hand edits (unknown lines continue a value)."""
    items: list[list[str]] = []
    field_index = 0
    for key, value in _key_lines(text, ("Q", "P")):
        if key is None:
            continue
        if key == "Q" or not items:
            items.append([value, ""] if key != "P" else ["", value])
            field_index = 1 if key == "P" else 0
        elif key == "P":
            if field_index == 1:  # a second prediction: a question without its text
                items.append(["", value])
            else:
                items[-1][1] = value
            field_index = 1
        else:
            items[-1][field_index] = one_line(f"{items[-1][field_index]} {value}")
    return tuple(Question(q, p) for q, p in items)


TASK_KEYS = ("What", "Who", "When", "Where")


def format_tasks(tasks: Iterable[PlanTask]) -> str:
    """Tasks as ``What:``/``Who:``/``When:``/``Where:`` blocks separated by blank lines."""
    blocks: list[str] = []
    for task in tasks:
        values = [one_line(v) for v in (task.what, task.who, task.when, task.where)]
        if not any(values):
            continue
        lines = [f"What: {values[0]}".rstrip()]
        lines += [f"{k}: {v}" for k, v in zip(TASK_KEYS[1:], values[1:], strict=True) if v]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def parse_tasks(text: str) -> tuple[PlanTask, ...]:
    """Read the ``plan_tasks`` column (a ``What:`` line, or a blank line, starts a new task)."""
    items: list[dict[str, str]] = []
    last_key = "What"
    new_block = True
    for key, value in _key_lines(text, TASK_KEYS):
        if key is None:
            new_block = True
            continue
        if key == "":
            if new_block or not items:
                items.append({"What": value})
                last_key = "What"
            else:
                items[-1][last_key] = one_line(f"{items[-1].get(last_key, '')} {value}")
            new_block = False
            continue
        if new_block or not items or key == "What" or key in items[-1]:
            items.append({})
        items[-1][key] = value
        last_key = key
        new_block = False
    return tuple(
        PlanTask(i.get("What", ""), i.get("Who", ""), i.get("When", ""), i.get("Where", ""))
        for i in items
    )


# --- the editor's rules -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleProblem:
    """A rule a cycle breaks: the field to point at, its editor section, and the message."""

    field: str
    message: str

    @property
    def section(self) -> str:
        return FIELD_SECTIONS.get(self.field, "plan")


def _day(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def _has_study(values: Mapping[str, Any]) -> bool:
    return bool(
        (values.get("study_results") or "").strip() or (values.get("study_learning") or "").strip()
    )


def check_cycle(values: Mapping[str, Any]) -> list[RuleProblem]:
    """Every rule the cycle ``values`` (model column names) break, in editor order.

    End not before start (planned and actual); an Act decision needs a Study; a cycle marked
    done needs an Act decision; plus a title and known choices.
    """
    problems: list[RuleProblem] = []
    if not (values.get("title") or "").strip():
        problems.append(RuleProblem("title", "Give the cycle a title (what is being tested)."))
    for kind in ("planned", "actual"):
        start, end = values.get(f"{kind}_start"), values.get(f"{kind}_end")
        if start is not None and end is not None and end < start:
            problems.append(
                RuleProblem(
                    f"{kind}_end",
                    f"The {kind} end ({_day(end)}) is before the {kind} start ({_day(start)}). "
                    "Change one of the two dates.",
                )
            )
    if values.get("actual_end") is not None and values.get("actual_start") is None:
        problems.append(
            RuleProblem("actual_start", "An actual end needs an actual start: when did it begin?")
        )
    if values.get("do_as_planned", "") not in DO_AS_PLANNED_VALUES:
        problems.append(RuleProblem("do_as_planned", "Carried out as planned: yes, partly or no."))
    decision = values.get("act_decision")
    if decision is not None and decision not in ACT_DECISIONS:
        problems.append(RuleProblem("act_decision", "The Act decision is adopt, adapt or abandon."))
    elif decision is not None and not _has_study(values):
        problems.append(
            RuleProblem(
                "act_decision",
                "An Act decision needs a Study: write the results or what was learned first.",
            )
        )
    status = values.get("status", "planned")
    if status not in CYCLE_STATUSES:
        problems.append(RuleProblem("status", "The status is planned, running, studying or done."))
    elif status == "done" and decision is None:
        problems.append(
            RuleProblem(
                "status",
                "A cycle marked done needs an Act decision: adopt, adapt or abandon.",
            )
        )
    return problems


# --- ramps ------------------------------------------------------------------------------------


def next_cycle_number(existing_numbers: Iterable[int]) -> int:
    """The number of a new cycle: one more than the highest live number of its change idea."""
    return max(existing_numbers, default=0) + 1


@dataclass(frozen=True)
class RampLink:
    """What ramp resolution needs to know about one cycle (live or deleted)."""

    previous_uuid: str | None
    change_idea_uuid: str | None
    deleted: bool


def resolve_previous(uuid: str, links: Mapping[str, RampLink]) -> str | None:
    """The nearest live ancestor of cycle ``uuid`` in its own change idea, or None.

    Deleted cycles in between are skipped (so deleting cycle 2 of 1→2→3 shows 1→3); a link to a
    cycle of another change idea, or to an unknown one, ends the ramp. Cycles are safe.
    """
    me = links.get(uuid)
    if me is None:
        return None
    seen = {uuid}
    current = me.previous_uuid
    while current is not None and current not in seen:
        seen.add(current)
        link = links.get(current)
        if link is None or link.change_idea_uuid != me.change_idea_uuid:
            return None
        if not link.deleted:
            return current
        current = link.previous_uuid
    return None


def next_cycle_blocker(previous: Mapping[str, Any]) -> str | None:
    """Why "Next cycle" cannot follow ``previous`` yet, or None when it can."""
    decision = previous.get("act_decision")
    if decision is None:
        return (
            "Decide the Act step of this cycle first (adopt, adapt or abandon): "
            "the next cycle starts from it."
        )
    if decision == "abandon":
        return (
            "This cycle abandoned its change idea, so its ramp ends here. "
            "Plan a cycle of another change idea instead."
        )
    return None


def next_cycle_prefill(previous: Mapping[str, Any], today: date) -> dict[str, Any]:
    """Values for the cycle that follows ``previous`` in its ramp, taken from its Act step.

    Adapt: the same questions and plan to refine; adopt: the plan to implement and sustain.
    Dates: it starts the day after the previous cycle ended (or today, if later) and lasts as
    long as the previous one was planned to (two weeks by default).
    """
    decision = previous.get("act_decision")
    next_step = (previous.get("act_next_step") or "").strip()
    number = previous.get("cycle_number") or 0
    prev_end = previous.get("actual_end") or previous.get("planned_end")
    start = max(prev_end + timedelta(days=1), today) if prev_end else today
    p_start, p_end = previous.get("planned_start"), previous.get("planned_end")
    days = (p_end - p_start).days if p_start and p_end else DEFAULT_CYCLE_DAYS
    verb = {"adapt": "Adapted from", "adopt": "Implementing the change adopted in"}.get(
        decision or "", "Follows"
    )
    objective = next_step or f"{verb} cycle {number}."
    tasks = parse_tasks(previous.get("plan_tasks") or "")
    return {
        "team_uuid": previous.get("team_uuid"),
        "change_idea_uuid": previous.get("change_idea_uuid"),
        "previous_cycle_uuid": previous.get("uuid"),
        "title": previous.get("title") or "",
        "objective": objective,
        "questions": previous.get("questions") or "",
        "plan_tasks": format_tasks(PlanTask(t.what, t.who, "", t.where) for t in tasks),
        "data_collection_plan": previous.get("data_collection_plan") or "",
        "planned_start": start,
        "planned_end": start + timedelta(days=max(days, 0)),
        "status": "planned",
    }
