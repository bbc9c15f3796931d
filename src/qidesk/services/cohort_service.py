"""Cohorts: list, read, create (nine months long by default), change, combine, delete, restore."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import EllipsisType
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from qidesk.core.dates import default_end
from qidesk.services.base import NotFound, ServiceError, UnitOfWork, apply_changes, get_live
from qidesk.services.deleted_service import restore_with_children, tombstone_with_children
from qidesk.store.models.foundation import COHORT_STATUSES, Cohort, Team


@dataclass(frozen=True)
class CohortInfo:
    uuid: str
    name: str
    start_date: date | None
    end_date: date | None
    status: str
    notes: str
    team_count: int


@dataclass(frozen=True)
class StrandedTeam:
    """A live team whose cohort is deleted: no cohort lists it, so the navigator does not
    show it. It happens when a team is added to (or moved into) a cohort on one computer while
    the cohort is deleted or combined into another on a second, and the two then merge."""

    team_uuid: str
    team_name: str
    cohort_uuid: str
    cohort_name: str


_EDITABLE = frozenset({"name", "start_date", "end_date", "status", "notes"})


COHORT: Table = Cohort.__table__  # type: ignore[assignment]
TEAM: Table = Team.__table__  # type: ignore[assignment]


def _infos(session: Session, *conditions: Any) -> list[CohortInfo]:
    """Cohorts with their live team counts. Core (table) queries, so listing cohorts at
    start-up does not make SQLAlchemy configure every ORM mapper."""
    teams = (
        select(TEAM.c.cohort_uuid, func.count().label("n"))
        .where(TEAM.c.deleted_at.is_(None))
        .group_by(TEAM.c.cohort_uuid)
        .subquery()
    )
    rows = session.execute(
        select(
            COHORT.c.uuid,
            COHORT.c.name,
            COHORT.c.start_date,
            COHORT.c.end_date,
            COHORT.c.status,
            COHORT.c.notes,
            teams.c.n,
        )
        .select_from(COHORT)
        .outerjoin(teams, teams.c.cohort_uuid == COHORT.c.uuid)
        .where(COHORT.c.deleted_at.is_(None), *conditions)
    )
    return [
        CohortInfo(uuid, name, start, end, status, notes, int(n or 0))
        for uuid, name, start, end, status, notes, n in rows
    ]


def _info(session: Session, cohort: Cohort) -> CohortInfo:
    session.flush()
    infos = _infos(session, COHORT.c.uuid == cohort.uuid)
    if not infos:
        raise NotFound("That cohort no longer exists (it may be deleted).")
    return infos[0]


def _validate(cohort: Cohort) -> None:
    if not cohort.name.strip():
        raise ServiceError("A cohort needs a name.")
    if cohort.status not in COHORT_STATUSES:
        raise ServiceError(f"Unknown cohort status “{cohort.status}”.")
    if cohort.start_date and cohort.end_date and cohort.end_date < cohort.start_date:
        raise ServiceError(
            f"The cohort cannot end ({cohort.end_date:%d %b %Y}) before it starts "
            f"({cohort.start_date:%d %b %Y})."
        )


def stranded_teams_in(session: Session) -> list[StrandedTeam]:
    """:meth:`CohortService.stranded_teams` in the caller's unit of work (an import says when
    its merge left teams so)."""
    rows = session.execute(
        select(TEAM.c.uuid, TEAM.c.name, COHORT.c.uuid, COHORT.c.name)
        .join(COHORT, COHORT.c.uuid == TEAM.c.cohort_uuid)
        .where(TEAM.c.deleted_at.is_(None), COHORT.c.deleted_at.is_not(None))
        .order_by(COHORT.c.name, COHORT.c.uuid, TEAM.c.name)
    ).all()
    return [StrandedTeam(*row) for row in rows]


def _combine(session: Session, cohort: Cohort, target_uuid: str) -> int:
    """Move ``cohort``'s teams into ``target_uuid`` and delete it; returns the live teams
    moved. Deleted teams go too: restored later (Recently deleted), they are in the cohort
    kept, not in the deleted one (which would have to be restored first)."""
    teams = session.scalars(select(Team).where(Team.cohort_uuid == cohort.uuid)).all()
    for team in teams:
        team.cohort_uuid = target_uuid
    session.flush()
    tombstone_with_children(session, cohort)
    return sum(1 for team in teams if team.deleted_at is None)


class CohortService:
    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def list_cohorts(self) -> list[CohortInfo]:
        """Live cohorts, the most recent start first (undated ones last)."""
        with self._unit_of_work() as session:
            infos = _infos(session)
        return sorted(infos, key=lambda c: (c.start_date or date.min, c.name), reverse=True)

    def stranded_teams(self) -> list[StrandedTeam]:
        """Live teams in deleted cohorts (by cohort, then team name). Core queries: the
        window counts them at start-up."""
        with self._unit_of_work() as session:
            return stranded_teams_in(session)

    def get(self, uuid: str) -> CohortInfo:
        with self._unit_of_work() as session:
            infos = _infos(session, COHORT.c.uuid == uuid)
        if not infos:
            raise NotFound("That cohort no longer exists (it may be deleted).")
        return infos[0]

    def create(
        self,
        name: str,
        start_date: date | None = None,
        end_date: date | EllipsisType | None = ...,
        status: str = "planned",
        notes: str = "",
    ) -> CohortInfo:
        """A new cohort; with a start and no end given it ends nine months after the start
        (``end_date=None`` given: no end date)."""
        if isinstance(end_date, EllipsisType):
            end_date = default_end(start_date) if start_date is not None else None
        cohort = Cohort(
            name=name.strip(), start_date=start_date, end_date=end_date, status=status, notes=notes
        )
        _validate(cohort)
        with self._unit_of_work() as session:
            session.add(cohort)
            session.flush()
            return _info(session, cohort)

    def update(self, uuid: str, **changes: Any) -> CohortInfo:
        """Change some of name, start_date, end_date, status, notes."""
        if "name" in changes:
            changes["name"] = str(changes["name"]).strip()
        with self._unit_of_work() as session:
            cohort = get_live(session, Cohort, uuid)
            apply_changes(cohort, changes, _EDITABLE)
            _validate(cohort)
            session.flush()
            return _info(session, cohort)

    def combine_into(self, uuid: str, target_uuid: str) -> int:
        """Move the cohort's teams into the cohort ``target_uuid`` and delete this one, now
        empty (restorable, without its teams), in one unit of work. Returns the teams moved.

        For a lead whose coaches each made the same cohort: after a merge it is there twice."""
        if uuid == target_uuid:
            raise ServiceError("Choose another cohort to combine this one with.")
        with self._unit_of_work() as session:
            cohort = get_live(session, Cohort, uuid)
            get_live(session, Cohort, target_uuid)
            return _combine(session, cohort, target_uuid)

    def combine_namesakes_into(self, target_uuid: str) -> tuple[int, int]:
        """Combine every other cohort of the target's name into it, in one unit of work (a
        lead whose forty coaches each made "Cohort 9"). Returns the cohorts combined and the
        teams moved."""
        with self._unit_of_work() as session:
            target = get_live(session, Cohort, target_uuid)
            namesakes = session.scalars(
                select(Cohort).where(
                    Cohort.name == target.name,
                    Cohort.uuid != target_uuid,
                    Cohort.deleted_at.is_(None),
                )
            ).all()
            teams = sum(_combine(session, cohort, target_uuid) for cohort in namesakes)
            return len(namesakes), teams

    def delete(self, uuid: str) -> None:
        """Tombstone the cohort, its teams and their members (one time stamp for all)."""
        with self._unit_of_work() as session:
            tombstone_with_children(session, get_live(session, Cohort, uuid))

    def restore(self, uuid: str) -> None:
        """Bring back a deleted cohort with the teams and members deleted with it."""
        with self._unit_of_work() as session:
            cohort = session.get(Cohort, uuid)
            if cohort is None:
                raise NotFound("That cohort no longer exists.")
            restore_with_children(session, cohort)
