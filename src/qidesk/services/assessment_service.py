"""Self-assessments of teams: entering answers per stage, team results and cohort capability."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.core import assessment_stats as stats
from qidesk.core.assessment_stats import (
    CONSENSUS_RESPONDENT,
    STAGE_LABELS,
    STAGES,
    AreaEntry,
    Change,
    CohortCell,
    Summary,
)
from qidesk.services.base import NotFound, ServiceError, UnitOfWork, get_live
from qidesk.services.template_service import TemplateInfo, preferred_template, template_info
from qidesk.store.models.assessment import (
    Assessment,
    AssessmentResponse,
    AssessmentTemplate,
    TemplateItem,
    assessment_uuid,
    response_uuid,
)
from qidesk.store.models.foundation import Cohort, Member, Team

CONSENSUS_NAME = "Team consensus"


@dataclass(frozen=True)
class RespondentInfo:
    """A column of the entry grid: a member, or the team consensus."""

    key: str
    name: str
    role: str
    active: bool
    is_consensus: bool = False


@dataclass(frozen=True)
class AnswerInfo:
    score: int | None
    comment: str


@dataclass(frozen=True)
class StageSheet:
    """Everything the entry grid shows for one team at one stage."""

    team_uuid: str
    team_name: str
    stage: str
    assessment_uuid: str | None
    assessed_on: date | None
    template: TemplateInfo
    respondents: tuple[RespondentInfo, ...]
    answers: Mapping[tuple[str, str], AnswerInfo]
    members_answered: int
    members_total: int

    @property
    def answered_text(self) -> str:
        """For example "6 of 8 members answered"."""
        return f"{self.members_answered} of {self.members_total} members answered"

    @property
    def has_consensus(self) -> bool:
        return any(
            key[0] == CONSENSUS_RESPONDENT and a.score is not None
            for key, a in self.answers.items()
        )


@dataclass(frozen=True)
class ItemResult:
    """One item of a team's results: its summary per stage and its changes."""

    code: str
    title: str
    group: str
    summaries: Mapping[str, Summary]
    change: Change

    def score(self, stage: str) -> float | None:
        summary = self.summaries.get(stage)
        return summary.mean if summary else None


@dataclass(frozen=True)
class StageInfo:
    """A stage a team has: when, on which template, and how many answered."""

    stage: str
    label: str
    assessed_on: date | None
    template_uuid: str
    template_version: int
    members_answered: int
    members_total: int
    consensus: bool

    @property
    def answered_text(self) -> str:
        text = f"{self.members_answered} of {self.members_total} members answered"
        return text + " (team consensus recorded)" if self.consensus else text


@dataclass(frozen=True)
class TeamResults:
    """A team's self-assessment results for the chart, the table and the report."""

    team_uuid: str
    team_name: str
    cohort_name: str
    coach_name: str
    project_title: str
    scale_min: int
    scale_max: int
    level_labels: tuple[str, ...]
    items: tuple[ItemResult, ...]
    stages: tuple[StageInfo, ...]
    progress: tuple[AreaEntry, ...]
    development: tuple[AreaEntry, ...]
    latest_stage: str | None
    #: Said beside the chart when the stages used different template versions.
    note: str = ""
    #: Said after each area list: a tie left out of it ("12 items tie at 3.0: none stands
    #: out."), and which stage they rank when the newest is not yet far enough entered.
    progress_note: str = ""
    development_note: str = ""
    areas_note: str = ""

    def item_title(self, code: str) -> str:
        return next((i.title for i in self.items if i.code == code), code)

    @property
    def has_data(self) -> bool:
        return any(s.members_answered or s.consensus for s in self.stages)


@dataclass(frozen=True)
class CohortCapability:
    """The cohort's capability per item and stage: mean of team scores with min–max band."""

    cohort_uuid: str
    cohort_name: str
    scale_min: int
    scale_max: int
    level_labels: tuple[str, ...]
    items: tuple[tuple[str, str], ...]
    cells: Mapping[tuple[str, str], CohortCell]
    teams_per_stage: Mapping[str, int]
    team_count: int
    note: str = ""


@dataclass(frozen=True)
class TeamRef:
    uuid: str
    name: str
    cohort_name: str


@dataclass
class _TeamData:
    team: Team
    assessments: dict[str, Assessment] = field(default_factory=dict)
    responses: dict[str, list[_ResponseRow]] = field(default_factory=dict)


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise ServiceError(f"Unknown stage {stage!r}: use one of {', '.join(STAGES)}.")


def _members(session: Session, team_uuid: str) -> list[Member]:
    return list(
        session.scalars(select(Member).where(Member.team_uuid == team_uuid).order_by(Member.name))
    )


class _ResponseRow(NamedTuple):
    """The parts of a live response the results need."""

    respondent: str
    item_code: str
    score: int | None
    deleted_at: None = None


_Response = AssessmentResponse | _ResponseRow


def _counted[R: _Response](members: Sequence[Member], responses: Iterable[R]) -> list[R]:
    """The responses that count: live ones from live members of the team, or the consensus.

    A deleted member's answers drop out of every figure (and come back if the member is
    restored); a member who left the team (inactive) keeps the answers they gave.
    """
    valid = {m.uuid for m in members if m.deleted_at is None}
    valid.add(CONSENSUS_RESPONDENT)
    return [r for r in responses if r.deleted_at is None and r.respondent in valid]


def _respondents_for_stage(
    members: Sequence[Member], responses: Iterable[_Response]
) -> list[RespondentInfo]:
    """Active members, plus members who left but answered at this stage (deleted: never)."""
    answered = {r.respondent for r in responses if r.deleted_at is None}
    return [
        RespondentInfo(m.uuid, m.name, m.role, m.active)
        for m in members
        if m.deleted_at is None and (m.active or m.uuid in answered)
    ]


def _answers(responses: Iterable[_Response], stage: str) -> list[stats.Answer]:
    return [
        stats.Answer(stage, r.respondent, r.item_code, r.score)
        for r in responses
        if r.deleted_at is None
    ]


def _load_teams(session: Session, teams: Sequence[Team]) -> list[_TeamData]:
    data = {t.uuid: _TeamData(t) for t in teams}
    if not data:
        return []
    assessments = session.scalars(
        select(Assessment).where(
            Assessment.team_uuid.in_(list(data)), Assessment.deleted_at.is_(None)
        )
    )
    by_uuid: dict[str, Assessment] = {}
    for a in assessments:
        if a.stage in STAGES:
            data[a.team_uuid].assessments[a.stage] = a
            by_uuid[a.uuid] = a
    if by_uuid:
        # Plain rows, not ORM objects: a cohort has thousands of answers.
        rows = session.execute(
            select(
                AssessmentResponse.assessment_uuid,
                AssessmentResponse.respondent,
                AssessmentResponse.item_code,
                AssessmentResponse.score,
            ).where(
                AssessmentResponse.assessment_uuid.in_(list(by_uuid)),
                AssessmentResponse.deleted_at.is_(None),
            )
        )
        for assessment_key, respondent, item_code, score in rows:
            a = by_uuid[assessment_key]
            data[a.team_uuid].responses.setdefault(a.stage, []).append(
                _ResponseRow(respondent, item_code, score)
            )
    return list(data.values())


def _templates(
    session: Session, uuids: Iterable[str], cache: dict[str, TemplateInfo] | None = None
) -> dict[str, TemplateInfo]:
    """Template versions by uuid (``cache`` saves re-reading them for every team of a cohort)."""
    cache = {} if cache is None else cache
    result = {}
    for uuid in dict.fromkeys(uuids):
        if uuid not in cache:
            template = session.get(AssessmentTemplate, uuid)
            if template is None:
                continue
            cache[uuid] = template_info(session, template)
        result[uuid] = cache[uuid]
    return result


def _compared_items(
    used: Sequence[TemplateInfo], fallback: TemplateInfo
) -> tuple[list[tuple[str, str, str]], str]:
    """(code, title, group) of the items every used template shares, and a note if they differ."""
    if not used:
        return [(i.code, i.title, i.group) for i in fallback.items], ""
    first = used[0]
    codes = stats.shared_items([t.item_codes for t in used])
    items = [(i.code, i.title, i.group) for i in first.items if i.code in codes]
    distinct = {t.uuid for t in used}
    note = ""
    if len(distinct) > 1:
        versions = ", ".join(sorted({f"{t.title} v{t.version}" for t in used}, key=str.lower))
        note = (
            f"The stages used different template versions ({versions}); the chart compares "
            f"only the {len(items)} items they share."
        )
    return items, note


def _results(
    session: Session,
    data: _TeamData,
    fallback: TemplateInfo,
    cache: dict[str, TemplateInfo] | None = None,
) -> TeamResults:
    team = data.team
    members = _members(session, team.uuid)
    templates = _templates(session, (a.template_uuid for a in data.assessments.values()), cache)
    used = [templates[data.assessments[s].template_uuid] for s in STAGES if s in data.assessments]
    items, note = _compared_items(used, fallback)
    codes = [code for code, _, _ in items]
    counted = {stage: _counted(members, rs) for stage, rs in data.responses.items()}
    answers = [a for stage, rs in counted.items() for a in _answers(rs, stage)]
    summaries = stats.team_summaries(answers)
    scores = stats.team_scores(summaries)
    changes = stats.changes(scores, codes)
    stage_infos = []
    for stage in STAGES:
        assessment = data.assessments.get(stage)
        if assessment is None:
            continue
        responses = counted.get(stage, [])
        listed = _respondents_for_stage(members, responses)
        answered = stats.respondents_answered(_answers(responses, stage), stage)
        template = templates[assessment.template_uuid]
        stage_infos.append(
            StageInfo(
                stage=stage,
                label=STAGE_LABELS[stage],
                assessed_on=assessment.assessed_on,
                template_uuid=template.uuid,
                template_version=template.version,
                members_answered=len(answered),
                members_total=len(listed),
                consensus=any(
                    r.respondent == CONSENSUS_RESPONDENT and r.score is not None for r in responses
                ),
            )
        )
    scale = used[0] if used else fallback
    coach = team.coach
    progress = stats.areas_of_progress(summaries, codes)
    development = stats.areas_for_development(summaries, codes)
    latest = stats.latest_stage({k: v for k, v in summaries.items() if k[0] in codes})
    return TeamResults(
        team_uuid=team.uuid,
        team_name=team.name,
        cohort_name=team.cohort.name if team.cohort else "",
        coach_name=coach.name if coach is not None and coach.deleted_at is None else "",
        project_title=team.project_title,
        scale_min=scale.scale_min,
        scale_max=scale.scale_max,
        level_labels=scale.level_labels,
        items=tuple(
            ItemResult(
                code=code,
                title=title,
                group=group,
                summaries={stage: summaries.get((code, stage), stats.EMPTY) for stage in STAGES},
                change=changes[code],
            )
            for code, title, group in items
        ),
        stages=tuple(stage_infos),
        progress=tuple(progress),
        development=tuple(development),
        latest_stage=latest,
        note=note,
        progress_note=_tie_note(progress, "rose by", signed=True)
        or _waiting_note(development.stage, latest),
        development_note=_tie_note(development, "score", signed=False),
        areas_note=_areas_note(summaries, codes, development.stage, latest),
    )


def _tie_note(areas: stats.AreaList, verb: str, *, signed: bool) -> str:
    """What an area list left out: "12 items score 3.0: none stands out." or "9 more items
    rose by +1.0." (empty when nothing was left out)."""
    if not areas.tied_out or areas.tied_value is None:
        return ""
    value = areas.tied_value
    shown = (f"{value:+.1f}" if signed else f"{value:.1f}").replace("-", "−")
    if areas:
        return f"{areas.tied_out} more items {verb} {shown}."
    return f"{areas.tied_out} items {verb} {shown}: none stands out."


def _waiting_note(ranked: str | None, latest: str | None) -> str:
    """Why there are no areas of progress while a later stage is only begun."""
    if ranked == "start" and latest not in (None, "start"):
        assert latest is not None
        return f"Shown once more of the {STAGE_LABELS[latest]} stage is entered."
    return ""


def _areas_note(
    summaries: Mapping[tuple[str, str], Summary],
    codes: Sequence[str],
    ranked: str | None,
    latest: str | None,
) -> str:
    """Which stage the areas rank, when a newer stage has answers to too few items yet."""
    if ranked is None or latest is None or ranked == latest:
        return ""
    answered = sum(1 for code in codes if summaries.get((code, latest), stats.EMPTY).n > 0)
    return (
        f"The areas are from the {STAGE_LABELS[ranked]} stage: the {STAGE_LABELS[latest]} "
        f"stage has answers to only {answered} of {len(codes)} items so far."
    )


class AssessmentService:
    """Entering a team's self-assessment and reading results (DTOs only)."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._uow = unit_of_work

    # --- reading ---------------------------------------------------------------------------

    def stage_sheet(self, team_uuid: str, stage: str) -> StageSheet:
        """The entry grid of ``team_uuid`` at ``stage`` (an empty grid if not started)."""
        _check_stage(stage)
        with self._uow() as session:
            team = get_live(session, Team, team_uuid)
            assessment = self._assessment(session, team.uuid, stage)
            if assessment is not None:
                template_row = session.get(AssessmentTemplate, assessment.template_uuid)
                assert template_row is not None
            else:
                template_row = self._template_for_new_stage(session, team.uuid)
            template = template_info(session, template_row)
            responses: list[AssessmentResponse] = []
            if assessment is not None:
                responses = list(
                    session.scalars(
                        select(AssessmentResponse).where(
                            AssessmentResponse.assessment_uuid == assessment.uuid,
                            AssessmentResponse.deleted_at.is_(None),
                        )
                    )
                )
            members = _members(session, team.uuid)
            responses = _counted(members, responses)
            respondents = _respondents_for_stage(members, responses)
            respondents.append(RespondentInfo(CONSENSUS_RESPONDENT, CONSENSUS_NAME, "", True, True))
            answered = stats.respondents_answered(_answers(responses, stage), stage)
            return StageSheet(
                team_uuid=team.uuid,
                team_name=team.name,
                stage=stage,
                assessment_uuid=assessment.uuid if assessment else None,
                assessed_on=assessment.assessed_on if assessment else None,
                template=template,
                respondents=tuple(respondents),
                answers={
                    (r.respondent, r.item_code): AnswerInfo(r.score, r.comment) for r in responses
                },
                members_answered=len(answered),
                members_total=len(respondents) - 1,
            )

    def team_results(self, team_uuid: str) -> TeamResults:
        """The team's scores per item and stage, changes, areas, and responses per stage."""
        with self._uow() as session:
            team = get_live(session, Team, team_uuid)
            fallback = template_info(session, preferred_template(session))
            return _results(session, _load_teams(session, [team])[0], fallback)

    def cohort_capability(self, cohort_uuid: str) -> CohortCapability:
        """Cohort mean per item and stage with the min–max range across its teams."""
        with self._uow() as session:
            cohort = get_live(session, Cohort, cohort_uuid)
            teams = list(
                session.scalars(
                    select(Team)
                    .where(Team.cohort_uuid == cohort.uuid, Team.deleted_at.is_(None))
                    .order_by(Team.name)
                )
            )
            fallback = template_info(session, preferred_template(session))
            cache: dict[str, TemplateInfo] = {fallback.uuid: fallback}
            results = [_results(session, d, fallback, cache) for d in _load_teams(session, teams)]
            assessed = [r for r in results if r.stages]
            template_uuids = list(
                dict.fromkeys(s.template_uuid for r in assessed for s in r.stages)
            )
            used = list(_templates(session, template_uuids, cache).values())
            items, note = _compared_items(used, fallback)
            codes = [code for code, _, _ in items]
            team_scores = [
                {
                    stage: {i.code: score for i in r.items if (score := i.score(stage)) is not None}
                    for stage in STAGES
                }
                for r in assessed
            ]
            cells = stats.cohort_aggregate(team_scores, codes)
            scale = used[0] if used else fallback
            return CohortCapability(
                cohort_uuid=cohort.uuid,
                cohort_name=cohort.name,
                scale_min=scale.scale_min,
                scale_max=scale.scale_max,
                level_labels=scale.level_labels,
                items=tuple((code, title) for code, title, _ in items),
                cells=cells,
                teams_per_stage={
                    stage: sum(1 for s in team_scores if s[stage]) for stage in STAGES
                },
                team_count=len(teams),
                note=note.replace("The stages used", "The teams used"),
            )

    def find_teams(self, name: str) -> list[TeamRef]:
        """Live teams whose name equals ``name`` (case-insensitive), else the team whose uuid it
        is (for two teams of one name in cohorts of one name), else those containing it."""
        wanted = name.strip().lower()
        with self._uow() as session:
            rows = session.execute(
                select(Team.uuid, Team.name, Cohort.name)
                .join(Cohort, Cohort.uuid == Team.cohort_uuid)
                .where(Team.deleted_at.is_(None))
                .order_by(Team.name)
            ).all()
        exact = [TeamRef(u, n, c) for u, n, c in rows if n.lower() == wanted]
        exact = exact or [TeamRef(u, n, c) for u, n, c in rows if u == wanted]
        return exact or [TeamRef(u, n, c) for u, n, c in rows if wanted in n.lower()]

    # --- changing --------------------------------------------------------------------------

    def set_stage_date(self, team_uuid: str, stage: str, assessed_on: date | None) -> None:
        """Set when the team did the stage's self-assessment (starts the stage if needed)."""
        _check_stage(stage)
        with self._uow() as session:
            team = get_live(session, Team, team_uuid)
            assessment = self._ensure_assessment(session, team.uuid, stage, assessed_on)
            if assessment.assessed_on != assessed_on:
                assessment.assessed_on = assessed_on

    def set_score(
        self, team_uuid: str, stage: str, respondent: str, item_code: str, score: int | None
    ) -> None:
        """Record one answer (None = not answered). Out-of-range scores are refused."""
        self.set_answers(team_uuid, stage, [(respondent, item_code, score, None)])

    def set_comment(
        self, team_uuid: str, stage: str, respondent: str, item_code: str, comment: str
    ) -> None:
        """Record the comment on one answer (the score stays as it is)."""
        _check_stage(stage)
        with self._uow() as session:
            team = get_live(session, Team, team_uuid)
            assessment = self._ensure_assessment(session, team.uuid, stage, None)
            template = session.get(AssessmentTemplate, assessment.template_uuid)
            assert template is not None
            codes = self._item_codes(session, template.uuid)
            self._check_answer(session, team.uuid, template, codes, respondent, item_code, None)
            self._write(
                session,
                assessment,
                respondent,
                item_code,
                keep_score=True,
                score=None,
                comment=comment.strip(),
            )

    def set_answers(
        self,
        team_uuid: str,
        stage: str,
        answers: Iterable[tuple[str, str, int | None, str | None]],
        assessed_on: date | None = None,
    ) -> None:
        """Record many answers ``(respondent, item_code, score, comment or None)`` at once.

        Everything is checked first; one bad answer refuses the whole batch.
        """
        _check_stage(stage)
        answers = list(answers)
        with self._uow() as session:
            team = get_live(session, Team, team_uuid)
            assessment = self._ensure_assessment(session, team.uuid, stage, assessed_on)
            template = session.get(AssessmentTemplate, assessment.template_uuid)
            assert template is not None
            codes = self._item_codes(session, template.uuid)
            for respondent, item_code, score, _ in answers:
                self._check_answer(
                    session, team.uuid, template, codes, respondent, item_code, score
                )
            for respondent, item_code, score, comment in answers:
                self._write(
                    session,
                    assessment,
                    respondent,
                    item_code,
                    keep_score=False,
                    score=score,
                    comment=None if comment is None else comment.strip(),
                )

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _assessment(session: Session, team_uuid: str, stage: str) -> Assessment | None:
        assessment = session.get(Assessment, assessment_uuid(team_uuid, stage))
        if assessment is None or assessment.deleted_at is not None:
            return None
        return assessment

    @staticmethod
    def _item_codes(session: Session, template_uuid: str) -> set[str]:
        return set(
            session.scalars(
                select(TemplateItem.code).where(
                    TemplateItem.template_uuid == template_uuid,
                    TemplateItem.deleted_at.is_(None),
                )
            )
        )

    @staticmethod
    def _template_for_new_stage(session: Session, team_uuid: str) -> AssessmentTemplate:
        """A new stage uses the template of the team's other stages, so they compare fully."""
        for stage in STAGES:
            other = AssessmentService._assessment(session, team_uuid, stage)
            if other is not None:
                template = session.get(AssessmentTemplate, other.template_uuid)
                if template is not None and template.deleted_at is None:
                    return template
        return preferred_template(session)

    def _ensure_assessment(
        self, session: Session, team_uuid: str, stage: str, assessed_on: date | None
    ) -> Assessment:
        uuid = assessment_uuid(team_uuid, stage)
        assessment = session.get(Assessment, uuid)
        if assessment is not None and assessment.deleted_at is None:
            return assessment
        template = self._template_for_new_stage(session, team_uuid)
        if assessment is None:
            assessment = Assessment(
                uuid=uuid,
                team_uuid=team_uuid,
                stage=stage,
                template_uuid=template.uuid,
                assessed_on=assessed_on or date.today(),
                notes="",
            )
            session.add(assessment)
        else:
            assessment.deleted_at = None
            assessment.template_uuid = template.uuid
            assessment.assessed_on = assessed_on or date.today()
        session.flush()
        return assessment

    @staticmethod
    def _check_answer(
        session: Session,
        team_uuid: str,
        template: AssessmentTemplate,
        codes: set[str],
        respondent: str,
        item_code: str,
        score: int | None,
    ) -> None:
        if respondent != CONSENSUS_RESPONDENT:
            member = session.get(Member, respondent)
            if member is None or member.team_uuid != team_uuid or member.deleted_at is not None:
                raise NotFound("That respondent is not a member of this team.")
        if item_code not in codes:
            raise ServiceError(f"Item {item_code!r} is not part of template {template.title!r}.")
        if score is not None and (
            isinstance(score, bool)
            or not isinstance(score, int)
            or not template.scale_min <= score <= template.scale_max
        ):
            raise ServiceError(
                f"Scores run from {template.scale_min} to {template.scale_max} "
                f"(got {score!r}); leave the answer empty for “not answered”."
            )

    @staticmethod
    def _write(
        session: Session,
        assessment: Assessment,
        respondent: str,
        item_code: str,
        *,
        keep_score: bool,
        score: int | None,
        comment: str | None,
    ) -> None:
        uuid = response_uuid(assessment.uuid, respondent, item_code)
        response = session.get(AssessmentResponse, uuid)
        if response is None:
            if score is None and not comment:
                return
            session.add(
                AssessmentResponse(
                    uuid=uuid,
                    assessment_uuid=assessment.uuid,
                    respondent=respondent,
                    item_code=item_code,
                    score=score,
                    comment=comment or "",
                )
            )
            return
        if response.deleted_at is not None:
            response.deleted_at = None
        if not keep_score and response.score != score:
            response.score = score
        if comment is not None and response.comment != comment:
            response.comment = comment
