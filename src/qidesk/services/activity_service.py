"""How many changes were made here since the last export (shown in the status bar)."""

from __future__ import annotations

from sqlalchemy import Table, func, select

from qidesk.services.base import UnitOfWork
from qidesk.store.models.foundation import AppMeta
from qidesk.store.models.history import RecordVersion

#: app_meta key: the id of the last RecordVersion included in an export (set by the exporter).
LAST_EXPORT_KEY = "last_export_version_id"


class ActivityService:
    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def unexported_count(self) -> int:
        """Local versions (edits made here) newer than the last export."""
        meta: Table = AppMeta.__table__  # type: ignore[assignment]
        versions: Table = RecordVersion.__table__  # type: ignore[assignment]
        # Core (table) queries: the status bar counts before the first paint, and ORM queries
        # would make SQLAlchemy configure every mapper first.
        with self._unit_of_work() as session:
            value = session.scalar(select(meta.c.value).where(meta.c.key == LAST_EXPORT_KEY))
            try:
                last = int(value) if value is not None else 0
            except ValueError:
                last = 0
            count = session.scalar(
                select(func.count())
                .select_from(versions)
                .where(versions.c.origin == "local", versions.c.id > last)
            )
            return int(count or 0)
