"""Team members (staff names only): list, create, change, delete and restore."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from qidesk.services.base import NotFound, ServiceError, UnitOfWork, apply_changes, get_live
from qidesk.services.deleted_service import restore_with_children, tombstone_with_children
from qidesk.services.editing import stripped_text as _stripped
from qidesk.store.models.foundation import Member, Team


@dataclass(frozen=True)
class MemberInfo:
    uuid: str
    team_uuid: str
    name: str
    role: str
    email: str
    active: bool


_EDITABLE = frozenset({"name", "role", "email", "active"})


def member_info(member: Member) -> MemberInfo:
    return MemberInfo(
        uuid=member.uuid,
        team_uuid=member.team_uuid,
        name=member.name,
        role=member.role,
        email=member.email,
        active=bool(member.active),
    )


def _validate(member: Member) -> None:
    if not member.name:
        raise ServiceError("A member needs a name.")
    if member.email and ("@" not in member.email or " " in member.email):
        raise ServiceError(f"“{member.email}” does not look like an email address.")


class MemberService:
    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def list_for_team(self, team_uuid: str) -> list[MemberInfo]:
        with self._unit_of_work() as session:
            rows = session.scalars(
                select(Member)
                .where(Member.team_uuid == team_uuid, Member.deleted_at.is_(None))
                .order_by(Member.name)
            )
            return [member_info(m) for m in rows]

    def get(self, uuid: str) -> MemberInfo:
        with self._unit_of_work() as session:
            return member_info(get_live(session, Member, uuid))

    def create(
        self, team_uuid: str, name: str, role: str = "", email: str = "", active: bool = True
    ) -> MemberInfo:
        values = _stripped({"name": name, "role": role, "email": email})
        member = Member(team_uuid=team_uuid, active=active, **values)
        _validate(member)
        with self._unit_of_work() as session:
            get_live(session, Team, team_uuid)
            session.add(member)
            session.flush()
            return member_info(member)

    def update(self, uuid: str, **changes: Any) -> MemberInfo:
        with self._unit_of_work() as session:
            member = get_live(session, Member, uuid)
            apply_changes(member, _stripped(changes), _EDITABLE)
            _validate(member)
            session.flush()
            return member_info(member)

    def delete(self, uuid: str) -> None:
        with self._unit_of_work() as session:
            tombstone_with_children(session, get_live(session, Member, uuid))

    def restore(self, uuid: str) -> None:
        with self._unit_of_work() as session:
            member = session.get(Member, uuid)
            if member is None:
                raise NotFound("That member no longer exists.")
            restore_with_children(session, member)
