"""What was changed here and not yet exported (the status bar's count), and export bookkeeping.

A *change not yet exported* is a record (a team, a member, an answer, a PDSA cycle, ...; each
counted once however often it was edited) with a local version (an edit or deletion made on this
computer, history origin ``"local"``) newer than the last full export that included the record.
Versions received by importing workbooks are not counted: they came from somewhere else.

How exports are remembered:

- an export of everything moves one watermark (``app_meta[LAST_EXPORT_KEY]``, the newest history
  row the export's snapshot held) and drops the per-record marks it makes redundant;
- an export of chosen cohorts or teams marks each record it included in ``exported_record``, so
  changes to other cohorts' records stay counted;
- self-assessment packs are fill-in forms, not exports: they mark nothing.

A demo database counts from the end of the demo build (``DEMO_BUILT_KEY``): the demo's own
records are the starting point, so a coach trying the demo sees their own edits counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, func, select, text
from sqlalchemy.orm import Session

from qidesk.services.base import UnitOfWork
from qidesk.store.base import utcnow
from qidesk.store.models.foundation import AppMeta
from qidesk.store.models.history import ExportedRecord, RecordVersion

#: app_meta key: the id of the newest history row an export of everything included.
LAST_EXPORT_KEY = "last_export_version_id"
#: app_meta key: when the last full export (of anything) was written (ISO text, UTC).
LAST_EXPORT_AT_KEY = "last_export_at"
#: app_meta key: the id of the newest history row the demo build wrote.
DEMO_BUILT_KEY = "demo_built_version_id"

# One statement: local versions past the watermark (an export of everything, or the demo
# build), less those a partial export has marked. It walks the partial index of local versions
# from the watermark, so received versions cost nothing; "+" keeps SQLite from scanning the
# whole history in (record_type, record_uuid) order to group.
_UNEXPORTED_SQL = text(
    """
    SELECT v.record_type, COUNT(DISTINCT v.record_uuid)
    FROM record_version AS v
    WHERE v.id > (
            SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) FROM app_meta
            WHERE key IN (:last_export_key, :demo_key)
        )
        AND v.origin = 'local'
        AND NOT EXISTS (
            SELECT 1 FROM exported_record AS e
            WHERE e.record_type = v.record_type AND e.record_uuid = v.record_uuid
                AND e.version_id >= v.id
        )
    GROUP BY +v.record_type
    """
)


@dataclass(frozen=True)
class UnexportedChanges:
    """Records changed here and not yet exported."""

    #: How many records (each once, deletions included).
    records: int
    #: (record type, how many), most first.
    by_type: tuple[tuple[str, int], ...]
    #: When the last full export was written (None: never from this database).
    last_export_at: datetime | None
    #: This is a demo database: its demo records are not counted.
    demo: bool


class ActivityService:
    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def unexported(self) -> UnexportedChanges:
        """The records changed here since the last full export that included them."""
        meta: Table = AppMeta.__table__  # type: ignore[assignment]
        # Core queries only: the status bar counts before the first paint, and ORM queries
        # would make SQLAlchemy configure every mapper first.
        with self._unit_of_work() as session:
            rows = session.execute(
                _UNEXPORTED_SQL, {"last_export_key": LAST_EXPORT_KEY, "demo_key": DEMO_BUILT_KEY}
            ).all()
            keys = dict(
                session.execute(
                    select(meta.c.key, meta.c.value).where(
                        meta.c.key.in_((LAST_EXPORT_AT_KEY, DEMO_BUILT_KEY))
                    )
                ).all()
            )
        by_type = tuple(sorted(((str(t), int(n)) for t, n in rows), key=lambda r: (-r[1], r[0])))
        last_at = keys.get(LAST_EXPORT_AT_KEY)
        try:
            last_export_at = datetime.fromisoformat(last_at) if last_at else None
        except ValueError:
            last_export_at = None
        return UnexportedChanges(
            records=sum(n for _, n in by_type),
            by_type=by_type,
            last_export_at=last_export_at,
            demo=DEMO_BUILT_KEY in keys,
        )

    def unexported_count(self) -> int:
        """How many records were changed here since the last full export that included them."""
        return self.unexported().records


def _max_version_id(session: Session) -> int:
    return int(session.scalar(select(func.max(RecordVersion.id))) or 0)


def _set_meta(session: Session, key: str, value: str) -> None:
    meta = session.get(AppMeta, key)
    if meta is None:
        session.add(AppMeta(key=key, value=value))
    else:
        meta.value = value


def remember_export(
    session: Session, version_id: int, exported: Iterable[tuple[str, str]] | None
) -> None:
    """Remember a full export whose snapshot held history rows up to ``version_id``.

    ``exported``: the (record type, uuid) pairs a partial export included; None for an export
    of everything.
    """
    _set_meta(session, LAST_EXPORT_AT_KEY, utcnow().isoformat(sep=" "))
    if exported is None:
        current = session.get(AppMeta, LAST_EXPORT_KEY)
        try:
            previous = int(current.value) if current is not None else 0
        except ValueError:
            previous = 0
        if version_id > previous:
            _set_meta(session, LAST_EXPORT_KEY, str(version_id))
        session.execute(delete(ExportedRecord).where(ExportedRecord.version_id <= version_id))
        return
    table: Table = ExportedRecord.__table__  # type: ignore[assignment]
    rows = [
        {"record_type": record_type, "record_uuid": uuid, "version_id": version_id}
        for record_type, uuid in exported
    ]
    if rows:
        from sqlalchemy.dialects.sqlite import insert

        stmt = insert(table)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[table.c.record_type, table.c.record_uuid],
                set_={"version_id": func.max(table.c.version_id, stmt.excluded.version_id)},
            ),
            rows,
        )


def mark_demo_built(session: Session) -> None:
    """Count changes from here on: the demo's own records are the starting point (called at the
    end of the demo build; forgets any earlier export, whose history the build replaced)."""
    session.flush()
    _set_meta(session, DEMO_BUILT_KEY, str(_max_version_id(session)))
    for key in (LAST_EXPORT_KEY, LAST_EXPORT_AT_KEY):
        meta = session.get(AppMeta, key)
        if meta is not None:
            session.delete(meta)
    session.execute(delete(ExportedRecord))
