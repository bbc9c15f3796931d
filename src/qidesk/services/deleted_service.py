"""Recently deleted: every tombstoned record of every type, newest first, and restoring it.

Deleting cascades along *owning* references: a record whose non-nullable foreign key points at
the deleted record (a cohort's teams, a team's members, and whatever later record types hang off
a team) is tombstoned with the very same ``deleted_at``. Restoring restores exactly the records
that went with it (same ``deleted_at``). Nullable references (a team's coach) never cascade.
This works for every ``SyncMixin`` model by looking at the mapped tables, so record types added
by later features are covered without registering anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.services.base import NotFound, ServiceError, UnitOfWork
from qidesk.store.base import Base, SyncMixin, utcnow


@dataclass(frozen=True)
class DeletedRecord:
    """One deletion a user can undo (children deleted with it are counted, not listed)."""

    record_type: str
    uuid: str
    title: str
    #: Where it was: "Cohort 8 › ED Carmarthen"; empty for top-level records.
    context: str
    deleted_at: datetime
    #: How many records were deleted with it (a cohort's teams and their members, ...).
    with_count: int


@dataclass(frozen=True)
class _OwningLink:
    child: type[SyncMixin]
    column: str
    parent_table: str


def sync_models() -> list[type[SyncMixin]]:
    """Every mapped model that travels (has the sync mixin), in a stable order."""
    models = [
        m.class_
        for m in Base.registry.mappers
        if isinstance(m.class_, type) and issubclass(m.class_, SyncMixin)
    ]
    return sorted(models, key=lambda cls: cls.__tablename__)  # type: ignore[attr-defined]


def _model_for_type(record_type: str) -> type[SyncMixin]:
    for model in sync_models():
        if model.record_type == record_type:
            return model
    raise ServiceError(f"Unknown kind of record: {record_type}.")


def _owning_links() -> list[_OwningLink]:
    """(child model, column, parent table) for every non-nullable FK between sync tables."""
    sync_tables = {m.__tablename__ for m in sync_models()}  # type: ignore[attr-defined]
    links: list[_OwningLink] = []
    for model in sync_models():
        table = model.__table__  # type: ignore[attr-defined]
        for column in table.columns:
            if column.nullable:
                continue
            for fk in column.foreign_keys:
                if fk.column.table.name in sync_tables:
                    links.append(_OwningLink(model, column.key, fk.column.table.name))
    return links


def _parents(obj: SyncMixin, session: Session) -> list[SyncMixin]:
    """The records ``obj`` belongs to (through its non-nullable references)."""
    table_name = type(obj).__tablename__  # type: ignore[attr-defined]
    models = {m.__tablename__: m for m in sync_models()}  # type: ignore[attr-defined]
    result: list[SyncMixin] = []
    for link in _owning_links():
        if link.child.__tablename__ != table_name:  # type: ignore[attr-defined]
            continue
        parent_uuid = getattr(obj, link.column)
        parent = session.get(models[link.parent_table], parent_uuid) if parent_uuid else None
        if parent is not None:
            result.append(parent)
    return result


def _children(obj: SyncMixin, session: Session) -> list[SyncMixin]:
    table_name = type(obj).__tablename__  # type: ignore[attr-defined]
    result: list[SyncMixin] = []
    for link in _owning_links():
        if link.parent_table != table_name:
            continue
        column = getattr(link.child, link.column)
        result.extend(session.scalars(select(link.child).where(column == obj.uuid)))
    return result


def tombstone_with_children(session: Session, obj: SyncMixin) -> datetime:
    """Tombstone ``obj`` and, with the same time, every live record that belongs to it."""
    stamp = utcnow()

    def mark(record: SyncMixin) -> None:
        if record.deleted_at is not None:
            return
        record.deleted_at = stamp
        for child in _children(record, session):
            mark(child)

    if obj.deleted_at is not None:
        raise NotFound(f"That {obj.record_type.lower()} is already deleted.")
    mark(obj)
    return stamp


def restore_with_children(session: Session, obj: SyncMixin) -> None:
    """Undo :func:`tombstone_with_children`: the record and what was deleted with it."""
    stamp = obj.deleted_at
    if stamp is None:
        return
    for parent in _parents(obj, session):
        if parent.deleted_at is not None:
            raise ServiceError(
                f"“{_title(parent)}” is deleted too: restore the {parent.record_type.lower()} "
                f"first, then this {obj.record_type.lower()}."
            )

    def unmark(record: SyncMixin) -> None:
        if record.deleted_at != stamp:
            return
        record.deleted_at = None
        for child in _children(record, session):
            unmark(child)

    unmark(obj)


def _title(obj: Any) -> str:
    for attr in ("name", "title", "objective"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return f"{obj.record_type} {obj.uuid[:8]}"


def _context(obj: SyncMixin, session: Session) -> str:
    chain: list[str] = []
    current: SyncMixin | None = obj
    seen = 0
    while current is not None and seen < 5:
        parents = _parents(current, session)
        current = parents[0] if parents else None
        if current is not None:
            chain.append(_title(current))
        seen += 1
    return " › ".join(reversed(chain))


class DeletedService:
    """Lists tombstones and restores them."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def list_deleted(self, limit: int = 500) -> list[DeletedRecord]:
        """Deletions newest first; a record deleted together with its parent is not listed
        separately but counted in the parent's ``with_count``."""
        with self._unit_of_work() as session:
            rows: list[SyncMixin] = []
            for model in sync_models():
                rows.extend(session.scalars(select(model).where(model.deleted_at.is_not(None))))
            result: list[DeletedRecord] = []
            for obj in rows:
                if any(p.deleted_at == obj.deleted_at for p in _parents(obj, session)):
                    continue
                result.append(
                    DeletedRecord(
                        record_type=obj.record_type,
                        uuid=obj.uuid,
                        title=_title(obj),
                        context=_context(obj, session),
                        deleted_at=obj.deleted_at,  # type: ignore[arg-type]
                        with_count=_count_with(obj, session),
                    )
                )
        result.sort(key=lambda r: (r.deleted_at, r.record_type, r.title), reverse=True)
        return result[:limit]

    def restore(self, record_type: str, uuid: str) -> None:
        """Bring a deleted record back, with everything deleted together with it."""
        model = _model_for_type(record_type)
        with self._unit_of_work() as session:
            obj = session.get(model, uuid)
            if obj is None:
                raise NotFound(f"That {record_type.lower()} no longer exists.")
            restore_with_children(session, obj)


def _count_with(obj: SyncMixin, session: Session) -> int:
    total = 0
    for child in _children(obj, session):
        if child.deleted_at == obj.deleted_at:
            total += 1 + _count_with(child, session)
    return total
