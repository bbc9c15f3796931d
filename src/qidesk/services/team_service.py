"""Teams: the navigator's tree, the cohort's table, a team's details, and every change to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from qidesk.services.base import NotFound, ServiceError, UnitOfWork, apply_changes, get_live
from qidesk.services.deleted_service import restore_with_children, tombstone_with_children
from qidesk.services.editing import stripped_text
from qidesk.services.member_service import MemberInfo, member_info
from qidesk.services.reference_service import ReferenceService
from qidesk.store.models.foundation import (
    TEAM_STATUSES,
    Coach,
    Cohort,
    Member,
    Team,
    join_codes,
    split_codes,
)

TEAM: Table = Team.__table__  # type: ignore[assignment]
COACH: Table = Coach.__table__  # type: ignore[assignment]
MEMBER: Table = Member.__table__  # type: ignore[assignment]
COHORT: Table = Cohort.__table__  # type: ignore[assignment]

#: Team fields holding ``;``-joined codes of a vocabulary (the same name in ReferenceService).
CODE_FIELDS = ("focus_areas", "strategic_objectives", "quality_domains")
_TEXT_FIELDS = frozenset(
    {"name", "service", "directorate", "site", "project_title", "aim_statement", "partner_agencies"}
)
_EDITABLE = frozenset(
    {*_TEXT_FIELDS, *CODE_FIELDS, "coach_uuid", "buddy_coach_uuid", "status", "cohort_uuid"}
)


@dataclass(frozen=True)
class TeamSummary:
    """A team as a row of a list: the navigator and the cohort's teams table."""

    uuid: str
    cohort_uuid: str
    name: str
    service: str
    site: str
    coach_uuid: str | None
    coach_name: str
    status: str
    member_count: int


@dataclass(frozen=True)
class NavigatorCohort:
    uuid: str
    name: str
    status: str
    start_date: date | None
    teams: tuple[TeamSummary, ...]
    #: All the cohort's teams (``teams`` holds only those a filter matched).
    team_count: int = 0


@dataclass(frozen=True)
class TeamDetail:
    uuid: str
    cohort_uuid: str
    cohort_name: str
    name: str
    service: str
    directorate: str
    site: str
    project_title: str
    aim_statement: str
    focus_areas: tuple[str, ...]
    strategic_objectives: tuple[str, ...]
    quality_domains: tuple[str, ...]
    coach_uuid: str | None
    coach_name: str
    buddy_coach_uuid: str | None
    buddy_coach_name: str
    status: str
    partner_agencies: str
    members: tuple[MemberInfo, ...]


def _summaries(session: Session, *conditions: Any) -> list[TeamSummary]:
    """Team rows with coach name and member count. Core (table) queries on purpose: they do not
    make SQLAlchemy configure every ORM mapper, which keeps the window's first paint fast."""
    team, coach, member = TEAM, COACH.alias("lead_coach"), MEMBER
    members = (
        select(member.c.team_uuid, func.count().label("n"))
        .where(member.c.deleted_at.is_(None))
        .group_by(member.c.team_uuid)
        .subquery()
    )
    rows = session.execute(
        select(
            team.c.uuid,
            team.c.cohort_uuid,
            team.c.name,
            team.c.service,
            team.c.site,
            team.c.status,
            coach.c.uuid,
            coach.c.name,
            members.c.n,
        )
        .select_from(team)
        .outerjoin(coach, (team.c.coach_uuid == coach.c.uuid) & coach.c.deleted_at.is_(None))
        .outerjoin(members, members.c.team_uuid == team.c.uuid)
        .where(team.c.deleted_at.is_(None), *conditions)
        .order_by(func.lower(team.c.name))
    )
    return [
        TeamSummary(
            uuid=uuid,
            cohort_uuid=cohort_uuid,
            name=name,
            service=service,
            site=site,
            coach_uuid=coach_uuid,
            coach_name=coach_name or "",
            status=status,
            member_count=int(n or 0),
        )
        for uuid, cohort_uuid, name, service, site, status, coach_uuid, coach_name, n in rows
    ]


def _live_name(coach: Coach | None) -> str:
    return coach.name if coach is not None and coach.deleted_at is None else ""


def _detail(session: Session, team: Team) -> TeamDetail:
    members = session.scalars(
        select(Member)
        .where(Member.team_uuid == team.uuid, Member.deleted_at.is_(None))
        .order_by(func.lower(Member.name))
    )
    return TeamDetail(
        uuid=team.uuid,
        cohort_uuid=team.cohort_uuid,
        cohort_name=team.cohort.name,
        name=team.name,
        service=team.service,
        directorate=team.directorate,
        site=team.site,
        project_title=team.project_title,
        aim_statement=team.aim_statement,
        focus_areas=tuple(split_codes(team.focus_areas)),
        strategic_objectives=tuple(split_codes(team.strategic_objectives)),
        quality_domains=tuple(split_codes(team.quality_domains)),
        coach_uuid=team.coach_uuid if _live_name(team.coach) else None,
        coach_name=_live_name(team.coach),
        buddy_coach_uuid=team.buddy_coach_uuid if _live_name(team.buddy_coach) else None,
        buddy_coach_name=_live_name(team.buddy_coach),
        status=team.status,
        partner_agencies=team.partner_agencies,
        members=tuple(member_info(m) for m in members),
    )


def matches(team: TeamSummary, needle: str) -> bool:
    """True when ``needle`` (lower case) is in the team's name, service, site or coach's name."""
    texts = (team.name, team.service, team.site, team.coach_name)
    return any(needle in text.lower() for text in texts)


class TeamService:
    def __init__(self, unit_of_work: UnitOfWork, reference: ReferenceService):
        self._unit_of_work = unit_of_work
        self._reference = reference

    def navigator(self, filter_text: str = "") -> list[NavigatorCohort]:
        """Cohorts (most recent first) with their teams, narrowed by ``filter_text``.

        The filter matches team name, service, site or coach name, case-insensitively; a cohort
        whose own name matches keeps all its teams. With a filter, cohorts with no match are left
        out.
        """
        needle = filter_text.strip().lower()
        cohort_table = COHORT
        with self._unit_of_work() as session:
            cohorts = session.execute(
                select(
                    cohort_table.c.uuid,
                    cohort_table.c.name,
                    cohort_table.c.status,
                    cohort_table.c.start_date,
                ).where(cohort_table.c.deleted_at.is_(None))
            ).all()
            teams = _summaries(session)
        by_cohort: dict[str, list[TeamSummary]] = {}
        for team in teams:
            by_cohort.setdefault(team.cohort_uuid, []).append(team)
        result: list[NavigatorCohort] = []
        for cohort in sorted(
            cohorts, key=lambda c: (c.start_date or date.min, c.name), reverse=True
        ):
            cohort_teams = by_cohort.get(cohort.uuid, [])
            total = len(cohort_teams)
            if needle and needle not in cohort.name.lower():
                cohort_teams = [t for t in cohort_teams if matches(t, needle)]
                if not cohort_teams:
                    continue
            result.append(
                NavigatorCohort(
                    cohort.uuid,
                    cohort.name,
                    cohort.status,
                    cohort.start_date,
                    tuple(cohort_teams),
                    total,
                )
            )
        return result

    def list_for_cohort(self, cohort_uuid: str) -> list[TeamSummary]:
        with self._unit_of_work() as session:
            return _summaries(session, TEAM.c.cohort_uuid == cohort_uuid)

    def get(self, uuid: str) -> TeamDetail:
        with self._unit_of_work() as session:
            return _detail(session, get_live(session, Team, uuid))

    def create(self, cohort_uuid: str, name: str, **fields: Any) -> TeamDetail:
        """A new team in the cohort; ``fields`` as in :meth:`update`."""
        self._reference.vocabularies()  # read before the unit of work: one transaction at a time
        with self._unit_of_work() as session:
            get_live(session, Cohort, cohort_uuid)
            team = Team(cohort_uuid=cohort_uuid, name="", status="active")
            self._apply(session, team, {"name": name, **fields})
            session.add(team)
            session.flush()
            return _detail(session, team)

    def update(self, uuid: str, **changes: Any) -> TeamDetail:
        """Change fields of a team. Code fields (focus_areas, strategic_objectives,
        quality_domains) take a list of codes or ``;``-joined text; coaches take a uuid or None."""
        self._reference.vocabularies()  # read before the unit of work: one transaction at a time
        with self._unit_of_work() as session:
            team = get_live(session, Team, uuid)
            self._apply(session, team, changes)
            session.flush()
            return _detail(session, team)

    def _apply(self, session: Session, team: Team, changes: dict[str, Any]) -> None:
        changes = stripped_text({k: v for k, v in changes.items() if k not in CODE_FIELDS}) | {
            k: v for k, v in changes.items() if k in CODE_FIELDS
        }
        for kind in CODE_FIELDS:
            if kind not in changes:
                continue
            value = changes[kind]
            codes = split_codes(value) if isinstance(value, str) else list(value)
            unknown = set(codes) - self._reference.codes(kind)
            if unknown:
                raise ServiceError(
                    f"Unknown {kind.replace('_', ' ')}: {', '.join(sorted(unknown))}."
                )
            changes[kind] = join_codes(codes)
        for key in ("coach_uuid", "buddy_coach_uuid"):
            if key in changes:
                changes[key] = changes[key] or None
                if changes[key] is not None:
                    get_live(session, Coach, changes[key])
        if "cohort_uuid" in changes:
            get_live(session, Cohort, changes["cohort_uuid"])
        apply_changes(team, changes, _EDITABLE)
        if not team.name:
            raise ServiceError("A team needs a name.")
        if team.status not in TEAM_STATUSES:
            raise ServiceError(f"Unknown team status “{team.status}”.")
        if team.coach_uuid and team.coach_uuid == team.buddy_coach_uuid:
            raise ServiceError("The buddy coach must be someone other than the coach.")

    def delete(self, uuid: str) -> None:
        """Tombstone the team and its members (and anything else that belongs to it)."""
        with self._unit_of_work() as session:
            tombstone_with_children(session, get_live(session, Team, uuid))

    def restore(self, uuid: str) -> None:
        with self._unit_of_work() as session:
            team = session.get(Team, uuid)
            if team is None:
                raise NotFound("That team no longer exists.")
            restore_with_children(session, team)
