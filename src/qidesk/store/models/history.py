"""Every version of every travelling record ever made here or received, so nothing is ever gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qidesk.store.base import Base


class RecordVersion(Base):
    """One version of one record: its sync fields and its values as JSON."""

    __tablename__ = "record_version"
    __table_args__ = (Index("ix_record_version_record", "record_type", "record_uuid"),)

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
