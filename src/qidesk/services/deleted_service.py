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

from qidesk.core.assessment_stats import STAGE_LABELS
from qidesk.core.progress_scale import RATER_LABELS
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
    #: The same by kind of record, most first: (("Member", 8), ("Team", 1)).
    with_kinds: tuple[tuple[str, int], ...] = ()


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


def _descendants(session: Session, roots: list[SyncMixin], condition: Any) -> list[SyncMixin]:
    """Every record that belongs, directly or through others, to ``roots`` and satisfies
    ``condition(model)`` (a column expression), found level by level with one query per
    owning link and level."""
    links = _owning_links()
    found: list[SyncMixin] = []
    level: dict[str, set[str]] = {}
    for obj in roots:
        level.setdefault(type(obj).__tablename__, set()).add(obj.uuid)  # type: ignore[attr-defined]
    while level:
        next_level: dict[str, set[str]] = {}
        for link in links:
            parents = level.get(link.parent_table)
            if not parents:
                continue
            column = getattr(link.child, link.column)
            ordered = sorted(parents)
            for start in range(0, len(ordered), 500):
                chunk = ordered[start : start + 500]
                query = select(link.child).where(column.in_(chunk), condition(link.child))
                for child in session.scalars(query):
                    found.append(child)
                    table = link.child.__tablename__  # type: ignore[attr-defined]
                    next_level.setdefault(table, set()).add(child.uuid)
        level = next_level
    return found


def tombstone_with_children(session: Session, obj: SyncMixin) -> datetime:
    """Tombstone ``obj`` and, with the same time, every live record that belongs to it."""
    if obj.deleted_at is not None:
        raise NotFound(f"That {obj.record_type.lower()} is already deleted.")
    stamp = utcnow()
    children = _descendants(session, [obj], lambda model: model.deleted_at.is_(None))
    for record in (obj, *children):
        record.deleted_at = stamp
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
    children = _descendants(session, [obj], lambda model: model.deleted_at == stamp)
    for record in (obj, *children):
        record.deleted_at = None


def record_title(obj: Any) -> str:
    """A record as a coach names it: its name or title, or for a record without one, what it
    is ("Coach's score for Aug 2026", "Midpoint self-assessment")."""
    if obj.record_type == "ProgressScore" and obj.month is not None:
        rater = RATER_LABELS.get(obj.rater, str(obj.rater))
        return f"{rater}'s score for {obj.month:%b %Y}"
    if obj.record_type == "Assessment":
        return f"{STAGE_LABELS.get(obj.stage, str(obj.stage))} self-assessment"
    return _title(obj)


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
            chain.append(record_title(current))
        seen += 1
    return " › ".join(reversed(chain))


class DeletedService:
    """Lists tombstones and restores them."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def list_deleted(self, limit: int = 500) -> list[DeletedRecord]:
        """Deletions newest first; a record deleted together with its parent is not listed
        separately but counted in the parent's ``with_count``."""
        links = _owning_links()
        with self._unit_of_work() as session:
            rows: list[SyncMixin] = []
            for model in sync_models():
                rows.extend(session.scalars(select(model).where(model.deleted_at.is_not(None))))
            stamps = {(type(r).__tablename__, r.uuid): r.deleted_at for r in rows}  # type: ignore[attr-defined]

            def parent_key(row: SyncMixin) -> tuple[str, str] | None:
                """The parent deleted together with ``row``, if any."""
                table = type(row).__tablename__  # type: ignore[attr-defined]
                for link in links:
                    if link.child.__tablename__ != table:  # type: ignore[attr-defined]
                        continue
                    key = (link.parent_table, getattr(row, link.column))
                    if stamps.get(key) == row.deleted_at:
                        return key
                return None

            parent_of = {(type(r).__tablename__, r.uuid): parent_key(r) for r in rows}  # type: ignore[attr-defined]
            kinds = {(type(r).__tablename__, r.uuid): r.record_type for r in rows}  # type: ignore[attr-defined]
            counts: dict[tuple[str, str], dict[str, int]] = {}
            for key, parent in parent_of.items():
                if parent is None:
                    continue
                root = parent
                while parent_of.get(root) is not None:
                    root = parent_of[root]  # type: ignore[assignment]
                by_kind = counts.setdefault(root, {})
                by_kind[kinds[key]] = by_kind.get(kinds[key], 0) + 1
            result = [
                DeletedRecord(
                    record_type=row.record_type,
                    uuid=row.uuid,
                    title=record_title(row),
                    context=_context(row, session),
                    deleted_at=row.deleted_at,  # type: ignore[arg-type]
                    with_count=sum(_kinds_of(counts, row).values()),
                    with_kinds=tuple(
                        sorted(_kinds_of(counts, row).items(), key=lambda kv: (-kv[1], kv[0]))
                    ),
                )
                for row in rows
                if parent_of[(type(row).__tablename__, row.uuid)] is None  # type: ignore[attr-defined]
            ]
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


def _kinds_of(counts: dict[tuple[str, str], dict[str, int]], row: SyncMixin) -> dict[str, int]:
    return counts.get((type(row).__tablename__, row.uuid), {})  # type: ignore[attr-defined]
