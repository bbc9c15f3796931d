"""``qidesk check``: integrity, foreign keys, schema version and history of a database file."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import Table

from qidesk import __version__
from qidesk.services.record_names import record_noun
from qidesk.store.backup import sqlite_uri
from qidesk.store.errors import disk_is_full, restore_advice
from qidesk.store.migrate import HEAD_REVISION, KNOWN_REVISIONS

#: Problems of one kind listed in full before the rest are only counted.
SHOWN_PER_KIND = 20


@dataclass
class CheckReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.ok = False
        self.lines.append(f"PROBLEM: {text}")

    def fine(self, text: str) -> None:
        self.lines.append(f"ok: {text}")

    def problems(self, kind: str, found: list[str], total: int) -> None:
        """Up to SHOWN_PER_KIND problems of one ``kind``, then how many more there are."""
        for text in found[:SHOWN_PER_KIND]:
            self.problem(f"{kind}: {text}")
        if total > SHOWN_PER_KIND:
            self.problem(f"{kind}: {total - SHOWN_PER_KIND:,} more like these")


@dataclass(frozen=True)
class _RecordTable:
    record_type: str
    table: str
    named: bool  # has a ``name`` column


def _record_tables() -> list[_RecordTable]:
    """Every travelling record type and its table, from the models."""
    from qidesk.store import models  # noqa: F401  (registers every model)
    from qidesk.store.base import Base, SyncMixin

    found = []
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, SyncMixin):
            table = cast(Table, mapper.local_table)
            found.append(_RecordTable(cls.record_type, str(table.name), "name" in table.c))
    return sorted(found, key=lambda t: t.table)


def _connect(path: Path) -> sqlite3.Connection:
    """A read-only connection that leaves nothing behind. A database QI Desk could not write
    (the file or its folder read-only) with no journal waiting is opened as immutable: a
    read-only WAL connection would otherwise fail in a read-only folder, or leave read-only
    ``-wal``/``-shm`` files beside a read-only file that then keep QI Desk from opening it."""
    wal = Path(f"{path}-wal")
    writable = os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)
    folder_writable = os.access(path.parent, os.W_OK)
    journal_waiting = wal.exists() and wal.stat().st_size > 0
    if (not writable or not folder_writable) and not journal_waiting:
        return sqlite3.connect(sqlite_uri(path, immutable="1"), uri=True)
    return sqlite3.connect(sqlite_uri(path, mode="ro"), uri=True)


def check_database(path: Path) -> CheckReport:
    """Run SQLite's integrity and foreign-key checks, compare the schema version, and check
    that every record's current version is in its history and that no record was removed
    instead of tombstoned.

    Opens the file read-only and never changes it.
    """
    report = CheckReport()
    path = Path(path)
    try:
        if path.is_dir():
            report.problem(f"{path} is a folder, not a database file")
            return report
        if not path.exists():
            report.problem(f"no database at {path}")
            return report
        with path.open("rb") as fh:
            header = fh.read(16)
        if not header:
            report.problem(f"{path} is empty (0 bytes): it holds no data")
            return report
        if header != b"SQLite format 3\x00":
            report.problem(f"{path} is not an SQLite database")
            return report
        conn = _connect(path)
    except (OSError, sqlite3.Error) as exc:
        report.problem(f"cannot open {path}: {exc}")
        return report
    damaged = False
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if rows == ["ok"]:
            report.fine("integrity_check")
        else:
            for row in rows[:SHOWN_PER_KIND]:
                report.problem(f"integrity_check: {row}")
            damaged = True
        tables = [t for t in _record_tables() if _has_table(conn, t.table)]
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if not fk:
            report.fine("foreign_key_check")
        else:
            dangling = [_describe_dangling(conn, tables, *row) for row in fk[: SHOWN_PER_KIND + 1]]
            report.problems("foreign_key_check", dangling, len(fk))
        try:
            version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            version = None
        if version is None:
            report.problem("no schema version: not a QI Desk database, or never opened by it")
        elif version[0] == HEAD_REVISION:
            report.fine(f"schema version {version[0]} (current for QI Desk {__version__})")
        elif version[0] in KNOWN_REVISIONS:
            report.fine(f"schema version {version[0]}: older; QI Desk upgrades it when it opens it")
        else:
            report.problem(
                f"schema version {version[0]} is newer than this QI Desk {__version__} "
                f"knows (up to {HEAD_REVISION})"
            )
        if version is not None and version[0] in KNOWN_REVISIONS:
            # (a newer schema may have other tables and columns: only its own app checks it)
            _check_history(conn, tables, report)
        if version is not None and version[0] == HEAD_REVISION:
            # (the models are this schema's: an older one is checked once QI Desk migrated it)
            _check_values(conn, path, tables, report)
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc).lower() or "read-only" in str(exc).lower():
            report.problem(
                f"cannot check {path} where it is: it is read-only and its journal "
                f"({path.name}-wal) holds changes not yet in the file. Copy the database "
                "together with its -wal file to a folder you can write, and check the copy"
            )
        elif "disk i/o error" in str(exc).lower() and disk_is_full(path):
            report.problem(
                f"cannot check {path}: the disk holding it is full (SQLite could not write "
                "the small files it keeps beside a database). Free some space on that disk "
                "and check again; this says nothing about the file itself"
            )
        else:
            report.problem(f"the file is damaged: {exc}")
            damaged = True
    except sqlite3.DatabaseError as exc:
        report.problem(f"the file is damaged: {exc}")
        damaged = True
    finally:
        conn.close()
    if damaged:
        report.lines.append(f"what to do: {restore_advice(path)}")
    return report


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return row.fetchone() is not None


def _record_label(conn: sqlite3.Connection, table: _RecordTable, uuid: str) -> str:
    """``team 1f3e… ('Ward 5 falls')``: a record as a problem line names it."""
    label = f"{record_noun(table.record_type)} {uuid}"
    if table.named:
        try:
            row = conn.execute(f'SELECT name FROM "{table.table}" WHERE uuid=?', (uuid,)).fetchone()
        except sqlite3.OperationalError:  # a schema this app does not know
            row = None
        if row and row[0]:
            label += f" ({row[0]!r})"
    return label


def _describe_dangling(
    conn: sqlite3.Connection,
    tables: list[_RecordTable],
    table: str,
    rowid: int,
    parent: str,
    fkid: int,
) -> str:
    """One foreign_key_check row in words: which record points to what that is missing."""
    column = next(
        (r[3] for r in conn.execute(f'PRAGMA foreign_key_list("{table}")') if r[0] == fkid), None
    )
    record = next((t for t in tables if t.table == table), None)
    if record is None or column is None:
        return f"{table} row {rowid} points to a missing {parent}"
    row = conn.execute(f'SELECT uuid, "{column}" FROM "{table}" WHERE rowid=?', (rowid,)).fetchone()
    if row is None:
        return f"{table} row {rowid} points to a missing {parent}"
    target = next((t for t in tables if t.table == parent), None)
    missing = record_noun(target.record_type) if target else parent
    return (
        f"{_record_label(conn, record, row[0])} refers to {missing} {row[1]} ({column}), "
        "which is not in the database"
    )


def _check_history(
    conn: sqlite3.Connection, tables: list[_RecordTable], report: CheckReport
) -> None:
    """Every record's current version has its history row; every record with a history is
    still there (deleting is a tombstone: a record removed outright cannot be restored, and
    its deletion never travels, so an older workbook would bring it back)."""
    unrecorded: list[str] = []
    unrecorded_total = 0
    removed: list[str] = []
    removed_total = 0
    for table in tables:
        for uuid, deleted in conn.execute(
            f'SELECT r.uuid, r.deleted_at FROM "{table.table}" r WHERE NOT EXISTS ('
            "SELECT 1 FROM record_version v WHERE v.record_type=? AND v.record_uuid=r.uuid "
            "AND v.vv=r.vv AND v.deleted_at IS r.deleted_at)",
            (table.record_type,),
        ):
            unrecorded_total += 1
            if len(unrecorded) <= SHOWN_PER_KIND:
                state = "its deletion" if deleted else "its current version"
                unrecorded.append(f"{_record_label(conn, table, uuid)}: {state} is not recorded")
        for (uuid,) in conn.execute(
            "SELECT DISTINCT v.record_uuid FROM record_version v WHERE v.record_type=? "
            f'AND NOT EXISTS (SELECT 1 FROM "{table.table}" r WHERE r.uuid=v.record_uuid)',
            (table.record_type,),
        ):
            removed_total += 1
            if len(removed) <= SHOWN_PER_KIND:
                removed.append(
                    f"{record_noun(table.record_type)} {uuid} has a history but is gone from the "
                    "database: it was removed instead of deleted (no tombstone)"
                )
    if not unrecorded_total and not removed_total:
        report.fine("history: every record's current version is recorded; no record removed")
        return
    report.problems("history", unrecorded, unrecorded_total)
    report.problems("tombstones", removed, removed_total)


def _check_values(
    conn: sqlite3.Connection, path: Path, tables: list[_RecordTable], report: CheckReport
) -> None:
    """Every record's values are those of its recorded current version. A value changed
    outside QI Desk (a database tool) has no version of its own, so it never travels to other
    installations: they keep the old value without a conflict ever saying so."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import StaticPool

    from qidesk.store import models  # noqa: F401  (registers every model)
    from qidesk.store.base import Base, SyncMixin, record_values

    # The check's own connection: a second read-only one would leave -wal and -shm files
    # beside the database when it closes last.
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    changed: list[str] = []
    total = 0
    try:
        with Session(engine) as session:
            for mapper in Base.registry.mappers:
                model = mapper.class_
                if not issubclass(model, SyncMixin):
                    continue
                table = next(t for t in tables if t.record_type == model.record_type)
                # (a record may have several versions with its vector: two copies of one
                # database edited apart, merged as a conflict; its values are one of them)
                recorded: dict[str, set[str]] = {}
                for uuid, data in conn.execute(
                    f'SELECT r.uuid, v.data FROM "{table.table}" r JOIN record_version v '
                    "ON v.record_type=? AND v.record_uuid=r.uuid AND v.vv=r.vv "
                    "AND v.deleted_at IS r.deleted_at",
                    (model.record_type,),
                ):
                    recorded.setdefault(str(uuid), set()).add(str(data))
                for obj in session.scalars(select(model).execution_options(yield_per=2000)):
                    known = recorded.get(obj.uuid)
                    values = json.dumps(record_values(obj), sort_keys=True, ensure_ascii=False)
                    if known is not None and values not in known:
                        total += 1
                        if len(changed) <= SHOWN_PER_KIND:
                            changed.append(
                                f"{_label(obj, table)}: its values are not those of its recorded "
                                "current version (changed outside QI Desk? such a change never "
                                "travels to other installations)"
                            )
                session.expunge_all()
    except DBAPIError as exc:  # damage met while reading: reported as the driver's error
        if isinstance(exc.orig, sqlite3.Error):
            raise exc.orig from exc
        raise
    finally:
        engine.dispose()
    if total:
        report.problems("values", changed, total)
    else:
        report.fine("values: every record holds its recorded current version")


def _label(obj: object, table: _RecordTable) -> str:
    name = getattr(obj, "name", None) if table.named else None
    label = f"{record_noun(table.record_type)} {getattr(obj, 'uuid', '')}"
    return f"{label} ({name!r})" if name else label
