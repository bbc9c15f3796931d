"""Sync tables: the losing heads of records in conflict, the import log, and local-edit rules.

A record's *heads* are the versions no other known version descends from. The winning head is
the record's row in its own table; the other heads of a record in conflict are rows of
:class:`ConflictHead`. ``qidesk.sync.merge`` maintains both.

Two ``before_flush`` listeners here keep local edits sound (they do nothing while the sync layer
writes received versions):

- before the bump hook of ``store/base.py``: scalar column defaults are filled in on new records,
  so the history row the hook writes holds the values the database will hold;
- after it: an edit of a record *in conflict* gets this installation's counter one above the
  largest it has used for the record in any head (a counter is never reused), a time no earlier
  than any head's (so the edit is the winner here and, unless something newer arrives, everywhere),
  and ``rev`` equal to the sum of the vector's counters. The edit descends from the winner it was
  made on and from exactly the heads its vector dominates (earlier edits made here whose other
  changes the winner already includes); those heads are closed, the others stay in conflict.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from qidesk.core.version_vector import VersionVector
from qidesk.store.base import (
    APPLYING_RECEIVED_VERSIONS,
    INSTALLATION_ID,
    Base,
    SyncMixin,
)

__all__ = ["ConflictHead", "ImportLog", "ReceivedSheet", "vector_rev"]

#: Smallest step of stored times: a local edit of a record in conflict is at least this much
#: later than every head it knows.
TIME_STEP = timedelta(microseconds=1)


def vector_rev(vv: str | VersionVector) -> int:
    """A version's ``rev``: the sum of its vector's counters (the same for a version everywhere)."""
    vector = VersionVector.parse(vv) if isinstance(vv, str) else vv
    return sum(vector.counters.values())


class ConflictHead(Base):
    """A non-winning head of a record in conflict: its sync fields and its values as JSON.

    ``digest`` is a hash of the version's values and ``deleted_at``; with ``vv`` it identifies a
    version (two copies of one database can make different versions with equal vectors).
    """

    __tablename__ = "sync_conflict_head"
    __table_args__ = (
        UniqueConstraint(
            "record_type", "record_uuid", "vv", "digest", name="uq_sync_conflict_head"
        ),
        Index("ix_sync_conflict_head_record", "record_type", "record_uuid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False)
    record_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    rev: Mapped[int] = mapped_column(Integer, nullable=False)
    vv: Mapped[str] = mapped_column(Text, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(36), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    data: Mapped[str] = mapped_column(Text, nullable=False)
    #: Where the version came from: an import id, or "local".
    origin: Mapped[str] = mapped_column(String(64), nullable=False, default="local")


class ImportLog(Base):
    """One imported workbook: when, which export, its hash and the counts of what changed."""

    __tablename__ = "sync_import_log"
    __table_args__ = (Index("ix_sync_import_log_imported_at", "imported_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The import (one merge of one or several files); received versions carry it as origin.
    import_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    export_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    file_name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    file_hash: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    installation_id: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    #: JSON: totals and per-type counts (created, updated, unchanged, deleted, conflicts).
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="{}")


class ReceivedSheet(Base):
    """A data sheet this database has merged: the digest of its versions and its records.

    ``digest`` is ``sync.versions.versions_digest`` of the sheet's rows; ``uuids`` lists the
    records (comma-separated) so a re-import can count them. A database only ever grows past
    what it has merged (edits and deletions are new versions, nothing is purged), so merging
    those versions again changes nothing: a re-import skips a sheet that is byte for byte as
    exported when its digest is here. The table is a cache: emptying it only makes the next
    re-import read every sheet. A migration that rewrites stored values must empty it.
    """

    __tablename__ = "sync_received_sheet"
    __table_args__ = {"sqlite_with_rowid": False}

    digest: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False)
    uuids: Mapped[str] = mapped_column(Text, nullable=False, default="")


def _fill_scalar_defaults(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Give new travelling records their scalar column defaults before the bump hook records
    them, so a record's first history version holds the values its row will hold."""
    if session.info.get(APPLYING_RECEIVED_VERSIONS):
        return
    for obj in session.new:
        if not isinstance(obj, SyncMixin):
            continue
        mapper = inspect(type(obj))
        state = inspect(obj)
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            default = column.default
            if default is None or not getattr(default, "is_scalar", False):
                continue
            if attr.key not in state.dict:
                setattr(obj, attr.key, default.arg)  # type: ignore[attr-defined]


def _edits_of_records_in_conflict(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Keep local edits of records in conflict sound (see the module docstring)."""
    if session.info.get(APPLYING_RECEIVED_VERSIONS):
        return
    installation_id = session.info.get(INSTALLATION_ID)
    if not installation_id:
        return
    edited: dict[tuple[str, str], tuple[SyncMixin, str, datetime | None]] = {}
    for obj in session.dirty:
        if not isinstance(obj, SyncMixin):
            continue
        history = inspect(obj).attrs.vv.history
        if not history.added or not history.deleted:
            continue
        old_vv = history.deleted[0] or ""
        old_at = inspect(obj).attrs.updated_at.history.deleted
        edited[(obj.record_type, obj.uuid)] = (obj, old_vv, old_at[0] if old_at else None)
    if not edited:
        return
    uuids = sorted({uuid for _, uuid in edited})
    rows: list[Any] = []
    with session.no_autoflush:
        for start in range(0, len(uuids), 500):
            chunk = uuids[start : start + 500]
            rows.extend(
                session.execute(
                    select(
                        ConflictHead.id,
                        ConflictHead.record_type,
                        ConflictHead.record_uuid,
                        ConflictHead.vv,
                        ConflictHead.updated_at,
                    ).where(ConflictHead.record_uuid.in_(chunk))
                ).all()
            )
    heads: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        key = (row.record_type, row.record_uuid)
        if key in edited:
            heads.setdefault(key, []).append(row)
    if not heads:
        return
    history_rows = _pending_history(session)
    closed: list[int] = []
    for key, head_rows in heads.items():
        obj, old_vv, old_at = edited[key]
        bumped_vv = obj.vv
        old = VersionVector.parse(old_vv)
        vectors = [VersionVector.parse(r.vv) for r in head_rows]
        top = max([old.get(installation_id), *(v.get(installation_id) for v in vectors)])
        counters = dict(old.counters)
        counters[installation_id] = top + 1
        new = VersionVector(counters)
        times = [r.updated_at for r in head_rows] + ([old_at] if old_at else [])
        floor = max(times) + TIME_STEP
        new_at = max(obj.updated_at, floor)
        obj.vv = str(new)
        obj.rev = vector_rev(new)
        obj.updated_at = new_at
        record = history_rows.get((obj.record_type, obj.uuid, bumped_vv))
        if record is not None:
            record.vv = obj.vv
            record.rev = obj.rev
            record.updated_at = new_at
        closed.extend(r.id for r, v in zip(head_rows, vectors, strict=True) if new.descends_from(v))
    if closed:
        session.execute(delete(ConflictHead).where(ConflictHead.id.in_(closed)))


def _pending_history(session: Session) -> dict[tuple[str, str, str], Any]:
    from qidesk.store.models.history import RecordVersion

    return {
        (o.record_type, o.record_uuid, o.vv): o for o in session.new if isinstance(o, RecordVersion)
    }


# The defaults must be in place before the bump hook serialises the values; the conflict rule
# must run after it has bumped the vector.
if not event.contains(Session, "before_flush", _fill_scalar_defaults):
    event.listen(Session, "before_flush", _fill_scalar_defaults, insert=True)
if not event.contains(Session, "before_flush", _edits_of_records_in_conflict):
    event.listen(Session, "before_flush", _edits_of_records_in_conflict)
