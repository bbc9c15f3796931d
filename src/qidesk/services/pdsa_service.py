"""Change ideas and PDSA cycles: create, edit under the editor's rules, ramps, timeline data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.core.pdsa_rules import (
    PlanTask,
    Question,
    RampLink,
    RuleProblem,
    check_cycle,
    format_questions,
    format_tasks,
    next_cycle_blocker,
    next_cycle_number,
    next_cycle_prefill,
    parse_questions,
    parse_tasks,
    resolve_previous,
)
from qidesk.core.timeline_layout import TimelineCycle, TimelineLane
from qidesk.services.base import (
    NotFound,
    ServiceError,
    UnitOfWork,
    apply_changes,
    get_live,
    live,
    tombstone,
)
from qidesk.store.models import CHANGE_IDEA_STATUSES, ChangeIdea, Cohort, PdsaCycle, Team

__all__ = [
    "CHANGE_IDEA_STATUSES",
    "NO_IDEA_LANE",
    "ChangeIdeaInfo",
    "CohortPdsa",
    "CycleInfo",
    "CycleRuleError",
    "PdsaService",
    "TeamPdsa",
]

NO_IDEA_LANE = ""
NO_IDEA_TITLE = "Cycles without a change idea"

CHANGE_IDEA_FIELDS = frozenset(
    {"title", "description", "primary_driver", "secondary_driver", "status"}
)
CYCLE_FIELDS = frozenset(
    {
        "change_idea_uuid",
        "title",
        "objective",
        "questions",
        "plan_tasks",
        "data_collection_plan",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "do_as_planned",
        "do_observations",
        "study_results",
        "study_learning",
        "act_decision",
        "act_next_step",
        "status",
    }
)


class CycleRuleError(ServiceError):
    """The cycle would break editor rules; ``problems`` says which (nothing was saved)."""

    def __init__(self, problems: list[RuleProblem]):
        super().__init__(" ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ChangeIdeaInfo:
    uuid: str
    team_uuid: str
    title: str
    description: str
    primary_driver: str
    secondary_driver: str
    status: str
    cycle_count: int


@dataclass(frozen=True)
class CycleInfo:
    """One cycle as the UI sees it. ``ramp_previous_uuid`` is the live cycle it follows."""

    uuid: str
    team_uuid: str
    change_idea_uuid: str | None
    change_idea_title: str
    previous_cycle_uuid: str | None
    ramp_previous_uuid: str | None
    cycle_number: int
    title: str
    objective: str
    questions: tuple[Question, ...]
    plan_tasks: tuple[PlanTask, ...]
    data_collection_plan: str
    planned_start: date | None
    planned_end: date | None
    actual_start: date | None
    actual_end: date | None
    do_as_planned: str
    do_observations: str
    study_results: str
    study_learning: str
    act_decision: str | None
    act_next_step: str
    status: str

    def values(self) -> dict[str, Any]:
        """The editable values keyed by model column (list fields as their column text)."""
        values = {name: getattr(self, name) for name in CYCLE_FIELDS}
        values["questions"] = format_questions(self.questions)
        values["plan_tasks"] = format_tasks(self.plan_tasks)
        return values

    def timeline_cycle(self, lane_key: str, context: str = "") -> TimelineCycle:
        return TimelineCycle(
            uuid=self.uuid,
            lane_key=lane_key,
            cycle_number=self.cycle_number,
            title=self.title,
            planned_start=self.planned_start,
            planned_end=self.planned_end,
            actual_start=self.actual_start,
            actual_end=self.actual_end,
            decision=self.act_decision,
            status=self.status,
            previous_uuid=self.ramp_previous_uuid,
            context=context,
        )


@dataclass(frozen=True)
class TeamPdsa:
    """Everything the PDSA tab shows for one team."""

    team_uuid: str
    team_name: str
    ideas: tuple[ChangeIdeaInfo, ...]
    cycles: tuple[CycleInfo, ...]

    def lanes(self) -> tuple[TimelineLane, ...]:
        """One lane per change idea, then one for cycles without a change idea (if any)."""
        lanes = [TimelineLane(i.uuid, i.title) for i in self.ideas]
        if any(c.change_idea_uuid is None for c in self.cycles):
            lanes.append(TimelineLane(NO_IDEA_LANE, NO_IDEA_TITLE))
        return tuple(lanes)

    def timeline_cycles(self) -> tuple[TimelineCycle, ...]:
        return tuple(c.timeline_cycle(c.change_idea_uuid or NO_IDEA_LANE) for c in self.cycles)


@dataclass(frozen=True)
class CohortPdsa:
    """A cohort's cycles, one lane per team."""

    cohort_uuid: str
    cohort_name: str
    start_date: date | None
    end_date: date | None
    lanes: tuple[TimelineLane, ...]
    cycles: tuple[TimelineCycle, ...]
    decisions: dict[str, dict[str | None, int]] = field(default_factory=dict)


def _normalise(changes: Mapping[str, Any]) -> dict[str, Any]:
    """List fields given as tuples of Question/PlanTask become their column text; text trimmed."""
    out = dict(changes)
    if "questions" in out and not isinstance(out["questions"], str):
        out["questions"] = format_questions(out["questions"])
    if "plan_tasks" in out and not isinstance(out["plan_tasks"], str):
        out["plan_tasks"] = format_tasks(out["plan_tasks"])
    if "title" in out and isinstance(out["title"], str):
        out["title"] = out["title"].strip()
    if out.get("act_decision") == "":
        out["act_decision"] = None
    if out.get("change_idea_uuid") == "":
        out["change_idea_uuid"] = None
    return out


def _model_values(cycle: PdsaCycle) -> dict[str, Any]:
    return {name: getattr(cycle, name) for name in CYCLE_FIELDS}


class PdsaService:
    """Change ideas and PDSA cycles of teams."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._uow = unit_of_work

    # --- reading ---------------------------------------------------------------------------

    def team_pdsa(self, team_uuid: str) -> TeamPdsa:
        with self._uow() as session:
            team = get_live(session, Team, team_uuid)
            ideas, cycles = self._team_records(session, [team_uuid])
            return TeamPdsa(team.uuid, team.name, tuple(ideas), tuple(cycles))

    def cycle(self, uuid: str) -> CycleInfo:
        with self._uow() as session:
            cycle = get_live(session, PdsaCycle, uuid)
            return self._cycle_info(session, cycle)

    def change_ideas(self, team_uuid: str) -> tuple[ChangeIdeaInfo, ...]:
        with self._uow() as session:
            ideas, _ = self._team_records(session, [team_uuid])
            return tuple(ideas)

    def cohort_pdsa(self, cohort_uuid: str) -> CohortPdsa:
        with self._uow() as session:
            cohort = get_live(session, Cohort, cohort_uuid)
            teams = session.scalars(
                live(Team).where(Team.cohort_uuid == cohort_uuid).order_by(Team.name)
            ).all()
            _, cycles = self._team_records(session, [t.uuid for t in teams])
            decisions: dict[str, dict[str | None, int]] = {t.uuid: {} for t in teams}
            timeline = []
            for c in cycles:
                counts = decisions[c.team_uuid]
                counts[c.act_decision] = counts.get(c.act_decision, 0) + 1
                context = c.change_idea_title or NO_IDEA_TITLE
                timeline.append(c.timeline_cycle(c.team_uuid, context))
            return CohortPdsa(
                cohort.uuid,
                cohort.name,
                cohort.start_date,
                cohort.end_date,
                tuple(TimelineLane(t.uuid, t.name) for t in teams),
                tuple(timeline),
                decisions,
            )

    def _team_records(
        self, session: Session, team_uuids: list[str]
    ) -> tuple[list[ChangeIdeaInfo], list[CycleInfo]]:
        if not team_uuids:
            return [], []
        ideas = session.scalars(live(ChangeIdea).where(ChangeIdea.team_uuid.in_(team_uuids))).all()
        all_cycles = session.scalars(
            select(PdsaCycle).where(PdsaCycle.team_uuid.in_(team_uuids))
        ).all()
        links = {
            c.uuid: RampLink(c.previous_cycle_uuid, c.change_idea_uuid, c.deleted_at is not None)
            for c in all_cycles
        }
        titles = {i.uuid: i.title for i in ideas}
        live_cycles = [c for c in all_cycles if c.deleted_at is None]
        counts: dict[str, int] = {}
        first_start: dict[str, date] = {}
        for c in live_cycles:
            if c.change_idea_uuid:
                counts[c.change_idea_uuid] = counts.get(c.change_idea_uuid, 0) + 1
                start = c.actual_start or c.planned_start
                key = c.change_idea_uuid
                if start and (key not in first_start or start < first_start[key]):
                    first_start[key] = start
        far = date.max
        ideas_sorted = sorted(
            ideas, key=lambda i: (first_start.get(i.uuid, far), i.title.lower(), i.uuid)
        )
        idea_infos = [
            ChangeIdeaInfo(
                i.uuid,
                i.team_uuid,
                i.title,
                i.description,
                i.primary_driver,
                i.secondary_driver,
                i.status,
                counts.get(i.uuid, 0),
            )
            for i in ideas_sorted
        ]
        cycle_infos = [
            self._info(c, titles.get(c.change_idea_uuid or "", ""), resolve_previous(c.uuid, links))
            for c in live_cycles
        ]
        cycle_infos.sort(
            key=lambda c: (c.planned_start or c.actual_start or far, c.cycle_number, c.uuid)
        )
        return idea_infos, cycle_infos

    def _cycle_info(self, session: Session, cycle: PdsaCycle) -> CycleInfo:
        rows = session.execute(
            select(
                PdsaCycle.uuid,
                PdsaCycle.previous_cycle_uuid,
                PdsaCycle.change_idea_uuid,
                PdsaCycle.deleted_at,
            ).where(PdsaCycle.team_uuid == cycle.team_uuid)
        ).all()
        links = {r[0]: RampLink(r[1], r[2], r[3] is not None) for r in rows}
        title = ""
        if cycle.change_idea_uuid:
            idea = session.get(ChangeIdea, cycle.change_idea_uuid)
            title = idea.title if idea is not None else ""
        return self._info(cycle, title, resolve_previous(cycle.uuid, links))

    @staticmethod
    def _info(c: PdsaCycle, idea_title: str, ramp_previous: str | None) -> CycleInfo:
        return CycleInfo(
            uuid=c.uuid,
            team_uuid=c.team_uuid,
            change_idea_uuid=c.change_idea_uuid,
            change_idea_title=idea_title,
            previous_cycle_uuid=c.previous_cycle_uuid,
            ramp_previous_uuid=ramp_previous,
            cycle_number=c.cycle_number,
            title=c.title,
            objective=c.objective,
            questions=parse_questions(c.questions),
            plan_tasks=parse_tasks(c.plan_tasks),
            data_collection_plan=c.data_collection_plan,
            planned_start=c.planned_start,
            planned_end=c.planned_end,
            actual_start=c.actual_start,
            actual_end=c.actual_end,
            do_as_planned=c.do_as_planned,
            do_observations=c.do_observations,
            study_results=c.study_results,
            study_learning=c.study_learning,
            act_decision=c.act_decision,
            act_next_step=c.act_next_step,
            status=c.status,
        )

    # --- change ideas ----------------------------------------------------------------------

    def create_change_idea(self, team_uuid: str, title: str, **values: Any) -> ChangeIdeaInfo:
        title = (title or "").strip()
        if not title:
            raise ServiceError("Give the change idea a title.")
        unknown = set(values) - CHANGE_IDEA_FIELDS
        if unknown:
            raise ValueError(f"unknown change idea fields {sorted(unknown)}")
        self._check_idea_status(values.get("status", "testing"))
        with self._uow() as session:
            get_live(session, Team, team_uuid)
            idea = ChangeIdea(team_uuid=team_uuid, title=title, **values)
            session.add(idea)
            session.flush()
            return ChangeIdeaInfo(
                idea.uuid,
                team_uuid,
                idea.title,
                idea.description,
                idea.primary_driver,
                idea.secondary_driver,
                idea.status,
                0,
            )

    def update_change_idea(self, uuid: str, changes: Mapping[str, Any]) -> None:
        changes = dict(changes)
        if "title" in changes:
            changes["title"] = (changes["title"] or "").strip()
            if not changes["title"]:
                raise ServiceError("Give the change idea a title.")
        if "status" in changes:
            self._check_idea_status(changes["status"])
        with self._uow() as session:
            apply_changes(get_live(session, ChangeIdea, uuid), changes, CHANGE_IDEA_FIELDS)

    def delete_change_idea(self, uuid: str) -> None:
        """Delete a change idea that has no cycles left (move or delete them first)."""
        with self._uow() as session:
            idea = get_live(session, ChangeIdea, uuid)
            query = live(PdsaCycle).where(PdsaCycle.change_idea_uuid == uuid)
            n = len(session.scalars(query).all())
            if n:
                raise ServiceError(
                    f"“{idea.title}” has {n} cycle{'s' if n != 1 else ''}. "
                    "Move them to another change idea or delete them first."
                )
            tombstone(idea)

    @staticmethod
    def _check_idea_status(status: str) -> None:
        if status not in CHANGE_IDEA_STATUSES:
            choices = ", ".join(CHANGE_IDEA_STATUSES)
            raise ServiceError(f"A change idea's status is one of {choices}.")

    # --- cycles ----------------------------------------------------------------------------

    def create_cycle(
        self,
        team_uuid: str,
        change_idea_uuid: str | None = None,
        title: str = "New cycle",
        **values: Any,
    ) -> CycleInfo:
        """A new cycle, numbered after the highest live cycle of its change idea."""
        values = _normalise({**values, "title": title, "change_idea_uuid": change_idea_uuid})
        previous = values.pop("previous_cycle_uuid", None)
        unknown = set(values) - CYCLE_FIELDS
        if unknown:
            raise ValueError(f"unknown cycle fields {sorted(unknown)}")
        defaults = {"status": "planned", "do_as_planned": "", "act_decision": None}
        problems = check_cycle({**defaults, **values})
        if problems:
            raise CycleRuleError(problems)
        with self._uow() as session:
            get_live(session, Team, team_uuid)
            idea_uuid = values.get("change_idea_uuid")
            if idea_uuid is not None:
                self._check_idea_of_team(session, idea_uuid, team_uuid)
            cycle = PdsaCycle(
                team_uuid=team_uuid,
                previous_cycle_uuid=previous,
                cycle_number=self._next_number(session, team_uuid, idea_uuid, None),
                **values,
            )
            session.add(cycle)
            session.flush()
            return self._cycle_info(session, cycle)

    def update_cycle(self, uuid: str, changes: Mapping[str, Any]) -> CycleInfo:
        """Change a cycle's fields; refuses (CycleRuleError) what breaks the editor's rules.

        Moving a cycle to another change idea gives it the next number there and ends its ramp
        link (its previous cycle belongs to the old idea); the old idea's numbers stay as they are.
        """
        changes = _normalise(changes)
        unknown = set(changes) - CYCLE_FIELDS
        if unknown:
            raise ValueError(f"unknown cycle fields {sorted(unknown)}")
        with self._uow() as session:
            cycle = get_live(session, PdsaCycle, uuid)
            problems = check_cycle({**_model_values(cycle), **changes})
            if problems:
                raise CycleRuleError(problems)
            target = changes.get("change_idea_uuid", cycle.change_idea_uuid)
            if target != cycle.change_idea_uuid:
                if target is not None:
                    self._check_idea_of_team(session, target, cycle.team_uuid)
                cycle.cycle_number = self._next_number(session, cycle.team_uuid, target, cycle.uuid)
                cycle.previous_cycle_uuid = None
            apply_changes(cycle, changes, CYCLE_FIELDS)
            session.flush()
            return self._cycle_info(session, cycle)

    def delete_cycle(self, uuid: str) -> None:
        """Tombstone a cycle. Other cycles keep their numbers; a ramp skips over it."""
        with self._uow() as session:
            tombstone(get_live(session, PdsaCycle, uuid))

    def next_cycle(self, uuid: str, today: date) -> CycleInfo:
        """The following cycle of ``uuid``'s ramp, linked to it and pre-filled from its Act step."""
        with self._uow() as session:
            previous = get_live(session, PdsaCycle, uuid)
            values = {**_model_values(previous)}
            values.update(
                uuid=previous.uuid, team_uuid=previous.team_uuid, cycle_number=previous.cycle_number
            )
        blocker = next_cycle_blocker(values)
        if blocker:
            raise ServiceError(blocker)
        prefill = next_cycle_prefill(values, today)
        team_uuid = prefill.pop("team_uuid")
        idea_uuid = prefill.pop("change_idea_uuid")
        title = prefill.pop("title") or "Next cycle"
        return self.create_cycle(team_uuid, idea_uuid, title, **prefill)

    def _check_idea_of_team(self, session: Session, idea_uuid: str, team_uuid: str) -> None:
        try:
            idea = get_live(session, ChangeIdea, idea_uuid)
        except NotFound as exc:
            raise ServiceError("That change idea no longer exists (it may be deleted).") from exc
        if idea.team_uuid != team_uuid:
            raise ServiceError("That change idea belongs to another team.")

    @staticmethod
    def _next_number(
        session: Session, team_uuid: str, idea_uuid: str | None, exclude: str | None
    ) -> int:
        query = select(PdsaCycle.cycle_number).where(
            PdsaCycle.team_uuid == team_uuid, PdsaCycle.deleted_at.is_(None)
        )
        query = query.where(
            PdsaCycle.change_idea_uuid == idea_uuid
            if idea_uuid is not None
            else PdsaCycle.change_idea_uuid.is_(None)
        )
        if exclude is not None:
            query = query.where(PdsaCycle.uuid != exclude)
        return next_cycle_number(session.scalars(query).all())
