"""Every version of every travelling record ever made here or received, so nothing is ever gone."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from qidesk.store.base import Base


class RecordVersion(Base):
    """One version of one record: its sync fields and its values as JSON."""

    __tablename__ = "record_version"
    __table_args__ = (
        Index("ix_record_version_record", "record_type", "record_uuid"),
        # The local edits alone, in order: "changes not yet exported" reads only these.
        Index("ix_record_version_local", "id", sqlite_where=text("origin = 'local'")),
        # What one import brought (the Import log), in the order it was written.
        Index("ix_record_version_origin", "origin"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(40), nullable=False)
    record_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    rev: Mapped[int] = mapped_column(Integer, nullable=False)
    vv: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(36), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    data: Mapped[str] = mapped_column(Text, nullable=False)
    #: "local" for edits made here; otherwise where it came from (an import's export id).
    origin: Mapped[str] = mapped_column(String(64), nullable=False, default="local")


class ExportedRecord(Base):
    """A record that a full export of chosen cohorts or teams included, and the newest history
    row that export could see: local versions of the record up to ``version_id`` are exported.

    An export of everything moves one watermark in ``app_meta`` instead (and drops these rows),
    so the table only holds what partial exports covered since then.
    """

    __tablename__ = "exported_record"
    __table_args__ = {"sqlite_with_rowid": False}

    record_type: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)


def version_values(data: str) -> dict[str, Any]:
    """A history row's ``data`` as a dict of values ({} when it is not a JSON object)."""
    try:
        values = json.loads(data)
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}
