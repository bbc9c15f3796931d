"""Cohorts: list, read, create (nine months long by default), change, delete, restore."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
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


_EDITABLE = frozenset({"name", "start_date", "end_date", "status", "notes"})


def _info(session: Session, cohort: Cohort) -> CohortInfo:
    count = session.scalar(
        select(func.count())
        .select_from(Team)
        .where(Team.cohort_uuid == cohort.uuid, Team.deleted_at.is_(None))
    )
    return CohortInfo(
        uuid=cohort.uuid,
        name=cohort.name,
        start_date=cohort.start_date,
        end_date=cohort.end_date,
        status=cohort.status,
        notes=cohort.notes,
        team_count=int(count or 0),
    )


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


class CohortService:
    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def list_cohorts(self) -> list[CohortInfo]:
        """Live cohorts, the most recent start first (undated ones last)."""
        with self._unit_of_work() as session:
            cohorts = session.scalars(select(Cohort).where(Cohort.deleted_at.is_(None))).all()
            infos = [_info(session, c) for c in cohorts]
        return sorted(infos, key=lambda c: (c.start_date or date.min, c.name), reverse=True)

    def get(self, uuid: str) -> CohortInfo:
        with self._unit_of_work() as session:
            return _info(session, get_live(session, Cohort, uuid))

    def create(
        self,
        name: str,
        start_date: date | None = None,
        end_date: date | None = None,
        status: str = "planned",
        notes: str = "",
    ) -> CohortInfo:
        """A new cohort; with a start and no end it ends nine months after the start."""
        if start_date is not None and end_date is None:
            end_date = default_end(start_date)
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
