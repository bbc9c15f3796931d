"""What every service shares: the unit-of-work type, user-facing errors and tombstone helpers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.store.base import SyncMixin, utcnow
from qidesk.store.errors import StoreError

#: What services receive: ``db.unit_of_work``. Each call is one BEGIN IMMEDIATE transaction.
UnitOfWork = Callable[[], AbstractContextManager[Session]]

RecordT = TypeVar("RecordT", bound=SyncMixin)


class ServiceError(Exception):
    """A rule the user broke, in words fit for a message box (nothing was changed)."""


#: Errors whose message is fit for a message box as it is: a refused change, or a database
#: problem the user can act on (a full disk, a database locked or read-only; nothing saved).
USER_ERRORS: tuple[type[Exception], ...] = (ServiceError, StoreError)


class NotFound(ServiceError):
    """The record does not exist or is deleted."""


def get_live[RecordT: SyncMixin](session: Session, model: type[RecordT], uuid: str) -> RecordT:
    """The record with ``uuid`` that is not deleted, or NotFound."""
    obj = session.get(model, uuid)
    if obj is None or obj.deleted_at is not None:
        raise NotFound(f"That {model.record_type.lower()} no longer exists (it may be deleted).")
    return obj


def live[RecordT: SyncMixin](model: type[RecordT]) -> Any:
    """``select(model)`` limited to records that are not tombstoned."""
    return select(model).where(model.deleted_at.is_(None))


def tombstone(obj: SyncMixin) -> None:
    """Mark ``obj`` deleted (a new version: the bump hook records it)."""
    if obj.deleted_at is None:
        obj.deleted_at = utcnow()


def apply_changes(obj: Any, changes: dict[str, Any], allowed: frozenset[str]) -> bool:
    """Set the ``allowed`` attributes in ``changes`` that differ; True when anything changed."""
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    changed = False
    for key, value in changes.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed
