"""Coaches, buddy coaches, improvement advisors and QIST leads, and the teams each supports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qidesk.services.base import NotFound, ServiceError, UnitOfWork, apply_changes, get_live
from qidesk.services.deleted_service import restore_with_children, tombstone_with_children
from qidesk.services.editing import stripped_text as _stripped
from qidesk.store.models.foundation import COACH_ROLES, Coach, Cohort, Team


@dataclass(frozen=True)
class CoachedTeam:
    uuid: str
    name: str
    cohort_name: str
    #: True when the coach is this team's buddy coach rather than its coach.
    as_buddy: bool


@dataclass(frozen=True)
class CoachInfo:
    uuid: str
    name: str
    role: str
    email: str
    iip_accredited_on: date | None
    active: bool
    teams: tuple[CoachedTeam, ...]


_EDITABLE = frozenset({"name", "role", "email", "iip_accredited_on", "active"})


def _validate(coach: Coach) -> None:
    if not coach.name:
        raise ServiceError("A coach needs a name.")
    if coach.role not in COACH_ROLES:
        raise ServiceError(f"Unknown coach role “{coach.role}”.")
    if coach.email and ("@" not in coach.email or " " in coach.email):
        raise ServiceError(f"“{coach.email}” does not look like an email address.")


def _teams_by_coach(session: Session) -> dict[str, list[CoachedTeam]]:
    rows = session.execute(
        select(Team.uuid, Team.name, Cohort.name, Team.coach_uuid, Team.buddy_coach_uuid)
        .join(Cohort, Team.cohort_uuid == Cohort.uuid)
        .where(
            Team.deleted_at.is_(None),
            Cohort.deleted_at.is_(None),
            or_(Team.coach_uuid.is_not(None), Team.buddy_coach_uuid.is_not(None)),
        )
        .order_by(Cohort.start_date.desc(), Team.name)
    )
    result: dict[str, list[CoachedTeam]] = {}
    for uuid, name, cohort_name, coach_uuid, buddy_uuid in rows:
        if coach_uuid:
            result.setdefault(coach_uuid, []).append(CoachedTeam(uuid, name, cohort_name, False))
        if buddy_uuid:
            result.setdefault(buddy_uuid, []).append(CoachedTeam(uuid, name, cohort_name, True))
    return result


def _info(coach: Coach, teams: dict[str, list[CoachedTeam]]) -> CoachInfo:
    return CoachInfo(
        uuid=coach.uuid,
        name=coach.name,
        role=coach.role,
        email=coach.email,
        iip_accredited_on=coach.iip_accredited_on,
        active=bool(coach.active),
        teams=tuple(teams.get(coach.uuid, ())),
    )


class CoachService:
    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def list_coaches(self, *, active_only: bool = False) -> list[CoachInfo]:
        """Live coaches by name, each with the teams it coaches or buddies."""
        with self._unit_of_work() as session:
            query = select(Coach).where(Coach.deleted_at.is_(None)).order_by(Coach.name)
            if active_only:
                query = query.where(Coach.active.is_(True))
            coaches = session.scalars(query).all()
            teams = _teams_by_coach(session)
            return [_info(c, teams) for c in coaches]

    def get(self, uuid: str) -> CoachInfo:
        with self._unit_of_work() as session:
            return _info(get_live(session, Coach, uuid), _teams_by_coach(session))

    def create(
        self,
        name: str,
        role: str = "coach",
        email: str = "",
        iip_accredited_on: date | None = None,
        active: bool = True,
    ) -> CoachInfo:
        coach = Coach(
            **_stripped(dict(name=name, email=email)),
            role=role,
            iip_accredited_on=iip_accredited_on,
            active=active,
        )
        _validate(coach)
        with self._unit_of_work() as session:
            session.add(coach)
            session.flush()
            return _info(coach, {})

    def update(self, uuid: str, **changes: Any) -> CoachInfo:
        with self._unit_of_work() as session:
            coach = get_live(session, Coach, uuid)
            apply_changes(coach, _stripped(changes), _EDITABLE)
            _validate(coach)
            session.flush()
            return _info(coach, _teams_by_coach(session))

    def delete(self, uuid: str) -> None:
        """Tombstone the coach; teams keep their reference but show no coach until restored."""
        with self._unit_of_work() as session:
            tombstone_with_children(session, get_live(session, Coach, uuid))

    def restore(self, uuid: str) -> None:
        with self._unit_of_work() as session:
            coach = session.get(Coach, uuid)
            if coach is None:
                raise NotFound("That coach no longer exists.")
            restore_with_children(session, coach)
