"""Export: a full workbook of chosen cohorts and teams, or a self-assessment pack for one team."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qidesk import __version__
from qidesk.services.activity_service import remember_export
from qidesk.services.base import ServiceError, UnitOfWork
from qidesk.store.base import INSTALLATION_ID, utcnow
from qidesk.store.engine import READ_ONLY
from qidesk.store.errors import StoreError
from qidesk.store.models.foundation import Coach, Cohort, Team
from qidesk.store.models.history import RecordVersion
from qidesk.sync.workbook_writer import (
    ExportError,
    ExportMeta,
    collect_export,
    resolve_scope,
    write_export,
)


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: str
    export_id: str
    rows: int
    rows_by_sheet: tuple[tuple[str, int], ...]
    seconds: float
    kind: str = "full"
    #: A pack's team, as people name it: "Ward 7 (Cohort 9)".
    team: str = ""


@dataclass(frozen=True)
class CohortChoice:
    uuid: str
    name: str


@dataclass(frozen=True)
class TeamChoice:
    uuid: str
    name: str
    cohort_uuid: str
    cohort_name: str
    #: The stages (start, mid, end) with answers recorded.
    answered_stages: tuple[str, ...] = ()
    #: The team's coach ("" for none): tells apart teams of one name in cohorts of one name.
    coach_name: str = ""

    @property
    def next_stage(self) -> str:
        """The stage a pack is most likely wanted for: the one after the latest stage with
        answers (the start when none has any; the end once the end has some)."""
        from qidesk.store.models.assessment import STAGES

        answered = [STAGES.index(s) for s in self.answered_stages if s in STAGES]
        return STAGES[min(max(answered) + 1, len(STAGES) - 1)] if answered else STAGES[0]


@dataclass(frozen=True)
class ExportChoices:
    """What the export dialog offers."""

    cohorts: tuple[CohortChoice, ...]
    teams: tuple[TeamChoice, ...]


def _conflict_heads() -> Callable[[Session], Any] | None:
    try:
        from qidesk.sync import merge
    except ImportError:
        return None
    return getattr(merge, "losing_heads", None)


def _max_version_id(session: Session) -> int:
    return int(session.scalar(select(func.max(RecordVersion.id))) or 0)


def _remember_export(
    unit_of_work: UnitOfWork, version_id: int, exported: list[tuple[str, str]] | None
) -> None:
    """The export is written: its records no longer count as changes not yet exported."""
    with unit_of_work() as session:
        remember_export(session, version_id, exported)


def _ensure_assessment(session: Session, team_uuid: str, stage: str) -> None:
    """Create the team's assessment for ``stage`` (no date yet) if it does not exist, so the
    pack carries its version and every filled copy refers to the same one."""
    from qidesk.services.assessment_service import AssessmentService
    from qidesk.store.models.assessment import STAGES, Assessment, assessment_uuid

    if stage not in STAGES:
        raise ServiceError(f"Unknown stage {stage!r}: use one of {', '.join(STAGES)}.")
    team = session.get(Team, team_uuid)
    if team is None or team.deleted_at is not None:
        raise ServiceError("That team no longer exists (it may be deleted).")
    uuid = assessment_uuid(team_uuid, stage)
    assessment = session.get(Assessment, uuid)
    if assessment is not None and assessment.deleted_at is None:
        return
    if session.info.get(READ_ONLY):
        stage_name = {"mid": "midpoint"}.get(stage, stage)
        raise ServiceError(
            f"{team.name} has no {stage_name} self-assessment yet, and this database is "
            "read-only, so QI Desk cannot start one for the pack (a pack carries its "
            "self-assessment). Export the pack from a copy you can write to."
        )
    template = AssessmentService._template_for_new_stage(session, team_uuid)
    if assessment is None:
        session.add(
            Assessment(
                uuid=uuid,
                team_uuid=team_uuid,
                stage=stage,
                template_uuid=template.uuid,
                assessed_on=None,
                notes="",
            )
        )
    else:
        assessment.deleted_at = None
        assessment.template_uuid = template.uuid
    session.flush()


def _answered_stages() -> Any:
    """(team uuid, stage) of every live self-assessment with a live answer (a level or a
    comment)."""
    from qidesk.store.models.assessment import Assessment, AssessmentResponse

    return (
        select(Assessment.team_uuid, Assessment.stage)
        .join(AssessmentResponse, AssessmentResponse.assessment_uuid == Assessment.uuid)
        .where(
            Assessment.deleted_at.is_(None),
            AssessmentResponse.deleted_at.is_(None),
            (AssessmentResponse.score.is_not(None)) | (AssessmentResponse.comment != ""),
        )
        .distinct()
    )


def teams_named(session: Session, name: str) -> list[TeamChoice]:
    """The live teams ``name`` designates: the teams of that exact name; else, when ``name`` is
    ``COHORT/TEAM`` (split at any '/', since cohort and team names may hold one), the team of
    that name in that cohort; else the team whose uuid it is. Sorted by cohort, then team."""
    query = (
        select(Team.uuid, Team.name, Cohort.uuid, Cohort.name)
        .join(Cohort, Team.cohort_uuid == Cohort.uuid)
        .where(Team.deleted_at.is_(None))
        .order_by(Cohort.name, Team.name, Team.uuid)
    )
    found = list(session.execute(query.where(Team.name == name)).all())
    if not found and "/" in name:
        pairs = [
            (name[:i].strip(), name[i + 1 :].strip()) for i, ch in enumerate(name) if ch == "/"
        ]
        for cohort, team in pairs:
            found += session.execute(
                query.where(Cohort.name == cohort, Team.name == team, Cohort.deleted_at.is_(None))
            ).all()
    if not found:
        found = list(session.execute(query.where(Team.uuid == name.strip().lower())).all())
    unique = dict.fromkeys(TeamChoice(u, n, cu, cn) for u, n, cu, cn in found)
    return sorted(unique, key=lambda t: (t.cohort_name, t.name, t.uuid))


def _resolve_scope(
    session: Session, cohort_names: Sequence[str], team_names: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The uuids of the named cohorts and teams (a team named as :func:`teams_named` reads it:
    every team of an exact name, else COHORT/TEAM or a uuid); unknown names are refused
    together."""
    missing: list[str] = []
    try:
        cohorts, _ = resolve_scope(session, cohort_names, ())
    except ExportError as exc:
        cohorts = []
        missing.append(str(exc))
    teams: list[str] = []
    for name in team_names:
        found = teams_named(session, name)
        if not found:
            missing.append(f"no team named {name!r}")
        teams.extend(t.uuid for t in found)
    if missing:
        raise ServiceError("; ".join(missing))
    return cohorts, teams


def find_one_team(session: Session, name: str) -> str:
    """The uuid of the one live team ``name`` designates (see :func:`teams_named`); a name
    that designates none, or several (two cohorts each with a team of that name), is refused
    with the matches and how to name one of them."""
    found = teams_named(session, name)
    if not found:
        hint = (
            ""
            if "/" in name
            else " (name a team as it is spelt in QI Desk, or as COHORT/TEAM, or by its uuid)"
        )
        raise ServiceError(f"no team named {name!r}{hint}")
    if len(found) > 1:
        listed = "; ".join(f"{t.cohort_name}/{t.name} (uuid {t.uuid})" for t in found)
        example = f"{found[0].cohort_name}/{found[0].name}"
        raise ServiceError(
            f"{len(found)} teams match {name!r}: {listed}. Name one as COHORT/TEAM "
            f"(for example {example!r}) or by its uuid."
        )
    return found[0].uuid


class ExportService:
    """Writes workbooks; every export reads in one transaction and writes the file atomically."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def choices(self) -> ExportChoices:
        with self._unit_of_work() as session:
            cohorts = tuple(
                CohortChoice(u, n)
                for u, n in session.execute(
                    select(Cohort.uuid, Cohort.name)
                    .where(Cohort.deleted_at.is_(None))
                    .order_by(Cohort.start_date.desc(), Cohort.name)
                ).all()
            )
            answered: dict[str, set[str]] = {}
            for team_uuid, stage in session.execute(_answered_stages()):
                answered.setdefault(team_uuid, set()).add(stage)
            teams = tuple(
                TeamChoice(u, n, cu, cn, tuple(sorted(answered.get(u, ()))), coach or "")
                for u, n, cu, cn, coach in session.execute(
                    select(Team.uuid, Team.name, Cohort.uuid, Cohort.name, Coach.name)
                    .join(Cohort, Team.cohort_uuid == Cohort.uuid)
                    .outerjoin(Coach, Team.coach_uuid == Coach.uuid)
                    .where(Team.deleted_at.is_(None))
                    .order_by(Cohort.name, Team.name)
                ).all()
            )
        return ExportChoices(cohorts, teams)

    def export_full(
        self,
        target: Path | str,
        *,
        cohort_names: Sequence[str] = (),
        team_names: Sequence[str] = (),
        cohort_uuids: Sequence[str] = (),
        team_uuids: Sequence[str] = (),
    ) -> ExportSummary:
        """Write a full export of the chosen cohorts and teams (none chosen: everything).

        Raises ServiceError (unknown names, the file cannot be written); nothing is left behind.
        """
        started = time.perf_counter()
        target = Path(target)
        try:
            with self._unit_of_work() as session:
                named_cohorts, named_teams = _resolve_scope(session, cohort_names, team_names)
                data = collect_export(
                    session,
                    cohorts=[*cohort_uuids, *named_cohorts],
                    teams=[*team_uuids, *named_teams],
                    conflict_heads=_conflict_heads(),
                )
                version_id = _max_version_id(session)
                partial = bool(cohort_uuids or team_uuids or named_cohorts or named_teams)
                exported = (
                    [(spec.record_type, row.uuid) for spec, rows in data.tables for row in rows]
                    if partial
                    else None
                )
                installation = str(session.info.get(INSTALLATION_ID, ""))
                # Opened only to read: nothing can note the export (nor needs to: no change
                # can be made in it that would wait to be exported).
                read_only = bool(session.info.get(READ_ONLY))
            meta = ExportMeta(
                export_id=str(uuid.uuid4()),
                installation_id=installation,
                exported_at=utcnow(),
                app_version=__version__,
            )
            write_export(target, data, meta)
        except ExportError as exc:
            raise ServiceError(str(exc)) from exc
        try:
            if not read_only:
                _remember_export(self._unit_of_work, version_id, exported)
        except StoreError as exc:
            raise ServiceError(
                f"The workbook {target} was written, but QI Desk could not note that its records "
                f"were exported, so they still count as changes not yet exported. {exc}"
            ) from exc
        return ExportSummary(
            path=str(target),
            export_id=meta.export_id,
            rows=data.row_count,
            rows_by_sheet=tuple((spec.sheet, len(rows)) for spec, rows in data.tables),
            seconds=time.perf_counter() - started,
        )

    def export_pack(
        self,
        target: Path | str,
        *,
        stage: str,
        team_uuid: str | None = None,
        team_name: str | None = None,
    ) -> ExportSummary:
        """Write the self-assessment pack of one team (by uuid or unique name) for ``stage``."""
        from qidesk.sync.pack import PackError, collect_pack, write_pack

        started = time.perf_counter()
        target = Path(target)
        try:
            with self._unit_of_work() as session:
                if team_uuid is None:
                    team_uuid = find_one_team(session, team_name or "")
                _ensure_assessment(session, team_uuid, stage)
                pack = collect_pack(session, team_uuid, stage)
                meta = ExportMeta(
                    export_id=str(uuid.uuid4()),
                    installation_id=str(session.info.get(INSTALLATION_ID, "")),
                    exported_at=utcnow(),
                    app_version=__version__,
                    kind="assessment-pack",
                )
                # Written before the unit of work ends: when the file cannot be written, the
                # stage's self-assessment that the pack needed is not created either.
                write_pack(target, pack, meta)
        except (ExportError, PackError) as exc:
            raise ServiceError(str(exc)) from exc
        return ExportSummary(
            path=str(target),
            export_id=meta.export_id,
            rows=len(pack.items),
            rows_by_sheet=(("Assessment", len(pack.items)),),
            seconds=time.perf_counter() - started,
            kind="assessment-pack",
            team=f"{pack.team_name} ({pack.cohort_name})" if pack.cohort_name else pack.team_name,
        )
