"""Declarative base, the sync mixin every travelling record carries, and its one bump hook."""

from __future__ import annotations

import json
import uuid as uuid_module
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, String, Text, event, inspect
from sqlalchemy.orm import MANYTOONE, DeclarativeBase, Mapped, Session, mapped_column

from qidesk.core.version_vector import VersionVector
from qidesk.store.errors import TextTooLong

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Columns of the sync mixin: they describe a version, they are not the record's values.
SYNC_COLUMNS = ("uuid", "rev", "vv", "updated_at", "updated_by", "deleted_at")

#: Session.info key: set to True while the sync layer writes versions it received, so the
#: bump hook leaves their rev, vector and timestamps alone.
APPLYING_RECEIVED_VERSIONS = "qidesk_applying_received_versions"
#: Session.info key holding this database's installation id (set by the session factory).
INSTALLATION_ID = "qidesk_installation_id"
#: Longest text one field keeps: what a spreadsheet cell holds, so every record can be exported
#: (and imported again) whole.
MAX_FIELD_TEXT = 32767


def utcnow() -> datetime:
    """Now in UTC as a naive datetime (SQLite stores no zone; every stored time is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_uuid() -> str:
    """A new lowercase UUID4 in text form."""
    return str(uuid_module.uuid4())


class Base(DeclarativeBase):
    """Declarative base with a naming convention so Alembic batch migrations work on SQLite."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SyncMixin:
    """Fields every record that can travel in a workbook carries.

    ``uuid`` is the record's identity everywhere (and its primary key, so references between
    records are by uuid and travel unchanged). ``rev`` counts the changes, ``vv`` is the version
    vector (``origin:counter;...``) that the merge compares, ``updated_at``/``updated_by`` say
    when and where the current version was made and ``deleted_at`` marks a tombstone.
    Never set these by hand: :func:`_bump_sync_fields` does it on every flush.
    """

    #: Name of the record type in workbooks, history and the UI (for example ``"Team"``).
    record_type: str = ""

    uuid: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    rev: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    vv: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(36), nullable=False, default="")
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, default=None)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def json_value(value: Any) -> Any:
    """A column value in JSON-friendly form (dates as ISO text)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def record_values(obj: SyncMixin) -> dict[str, Any]:
    """The record's own values (every column but the sync ones), JSON-friendly, keyed by column."""
    mapper = inspect(type(obj))
    values: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        key = attr.key
        if key in SYNC_COLUMNS:
            continue
        values[key] = json_value(getattr(obj, key))
    return values


def _sync_references(obj: SyncMixin) -> None:
    """Copy into ``obj``'s reference columns the records its many-to-one relationships were set
    to in this unit of work, as the flush is about to do, so that its history version names them
    too (``Team(cohort=c)`` leaves ``cohort_uuid`` empty until the flush). A column set directly
    stays as it is unless the relationship itself changed."""
    state = inspect(obj)
    mapper = state.mapper
    for relation in mapper.relationships:
        if relation.direction is not MANYTOONE:
            continue
        added = state.attrs[relation.key].history.added
        if not added:
            continue
        target = added[0]
        for local, remote in relation.local_remote_pairs:
            value = None
            if target is not None:
                value = getattr(target, inspect(type(target)).get_property_by_column(remote).key)
                if value is None:
                    continue  # a new target without its key yet: the flush fills the column
            setattr(obj, mapper.get_property_by_column(local).key, value)


def _check_text_lengths(obj: SyncMixin) -> None:
    """StoreError when one of ``obj``'s texts is longer than a spreadsheet cell holds: saved,
    it would make every export holding the record refuse to write."""
    for attr in inspect(type(obj)).column_attrs:
        value = getattr(obj, attr.key)
        if type(value) is str and len(value) > MAX_FIELD_TEXT:
            raise TextTooLong(
                f"The {attr.key.replace('_', ' ')} is {len(value):,} characters long; QI Desk "
                f"keeps at most {MAX_FIELD_TEXT:,} in one field, as much as a spreadsheet cell "
                "holds, so that it can be exported. Shorten it (nothing was saved)."
            )


def _record_history(session: Session, obj: SyncMixin) -> None:
    from qidesk.store.models.history import RecordVersion

    session.add(
        RecordVersion(
            record_type=obj.record_type,
            record_uuid=obj.uuid,
            rev=obj.rev,
            vv=obj.vv,
            updated_at=obj.updated_at,
            updated_by=obj.updated_by,
            deleted_at=obj.deleted_at,
            data=json.dumps(record_values(obj), sort_keys=True, ensure_ascii=False),
            origin="local",
        )
    )


@event.listens_for(Session, "before_flush")
def _bump_sync_fields(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Give every new or changed sync record its next rev, vector, time and author, and log it.

    This is the one place where sync fields change for local edits; a unit of work that writes
    versions received from a workbook sets ``session.info[APPLYING_RECEIVED_VERSIONS]``.
    """
    if session.info.get(APPLYING_RECEIVED_VERSIONS):
        return
    installation_id = session.info.get(INSTALLATION_ID)
    if not installation_id:
        # Sessions not made by Database.session() (tools, tests on raw engines) carry no
        # installation: refuse rather than write versions that cannot be traced.
        changed = [o for o in (*session.new, *session.dirty) if isinstance(o, SyncMixin)]
        if changed:
            raise RuntimeError("session has no installation id; use Database.session()")
        return
    now = utcnow()
    created = [o for o in session.new if isinstance(o, SyncMixin)]
    for obj in created:
        if not obj.uuid:
            obj.uuid = new_uuid()
    for obj in created:
        _check_text_lengths(obj)
        _sync_references(obj)
        obj.rev = 1
        obj.vv = str(VersionVector.parse(obj.vv or "").incremented(installation_id))
        obj.updated_at = now
        obj.updated_by = installation_id
        _record_history(session, obj)
    for obj in list(session.dirty):
        if not isinstance(obj, SyncMixin) or not session.is_modified(
            obj, include_collections=False
        ):
            continue
        _check_text_lengths(obj)
        _sync_references(obj)
        obj.rev = (obj.rev or 0) + 1
        obj.vv = str(VersionVector.parse(obj.vv or "").incremented(installation_id))
        obj.updated_at = now
        obj.updated_by = installation_id
        _record_history(session, obj)
