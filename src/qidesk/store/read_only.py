"""Open a database only to read it: exporting from a read-only file or a read-only medium."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from qidesk.store.engine import Database, check_sqlite_file
from qidesk.store.errors import DatabaseReadOnly, DatabaseUnreadable

log = logging.getLogger(__name__)


def cannot_be_written(path: Path) -> bool:
    """True when the database file itself, or its folder, cannot be written (a file marked
    read-only, a read-only share or medium). Its mode bits count too, as ``check_writable``
    has them: root may write anything, yet a file marked read-only is read-only."""
    path = Path(path).expanduser()
    if not path.is_file():
        return False
    return (
        not os.access(path, os.W_OK)
        or not path.stat().st_mode & 0o222
        or not os.access(path.parent, os.W_OK)
    )


def make_read_only_engine(path: Path) -> Engine:
    """An engine that only reads ``path``: SQLite's read-only mode, ``query_only``, and plain
    (deferred) transactions, which take no write lock.

    Without a journal (``-wal``) file beside it, every saved change is in the file itself, and
    nothing can write to it (no QI Desk opens a database it cannot write), so it is opened
    ``immutable``: SQLite then makes no ``-wal``/``-shm`` files of its own, which a reader could
    not remove and which would stay behind, read-only, refusing the next QI Desk that opens
    the database to write (and a read-only medium could not hold them)."""
    from qidesk.store.backup import sqlite_uri

    params = {"mode": "ro"}
    if not Path(f"{path}-wal").exists():
        params["immutable"] = "1"
    uri = sqlite_uri(path, **params)
    engine = create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
        future=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA query_only=ON")
        dbapi_connection.execute("PRAGMA busy_timeout=5000")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def open_read_only(path: Path | str) -> Database:
    """Open an existing database only to read it: no lock, no migration, nothing written; a
    unit of work that tries to write fails (``DatabaseReadOnly``), and its sessions carry
    ``engine.READ_ONLY`` in their ``info``. A database whose schema is not this app's is
    refused (an older one must be upgraded first, which writes)."""
    from qidesk.store import migrate

    path = Path(path).expanduser().resolve()
    check_sqlite_file(path)
    if not path.is_file():
        raise DatabaseUnreadable(f"There is no database at {path}.")
    engine = make_read_only_engine(path)
    try:
        try:
            revision = migrate.refuse_newer(engine)
            if revision is None:
                # (migrate.refuse_another_programs_database would leave SQLite's journal
                # files behind, read-only: this engine reads without them.)
                raise DatabaseUnreadable(
                    f"{path} is not a QI Desk database (it has no QI Desk tables), and it is "
                    "read-only. Choose a QI Desk database."
                )
            if revision != migrate.HEAD_REVISION:
                raise DatabaseReadOnly(
                    f"{path} is read-only, and it was saved by an older QI Desk: it must be "
                    "upgraded before use, which writes to it. Copy it somewhere you can write "
                    "(or change its permissions) and try again."
                )
            with engine.connect() as conn:
                row = conn.exec_driver_sql(
                    "SELECT value FROM app_meta WHERE key='installation_id'"
                ).fetchone()
                conn.rollback()
        except DBAPIError as exc:
            log.warning("cannot read %s: %s", path, exc)
            raise migrate.opening_error(engine, exc) from exc
    except BaseException:
        engine.dispose()
        raise
    return Database(path, engine, None, str(row[0]) if row else "", read_only=True)


__all__ = ["cannot_be_written", "make_read_only_engine", "open_read_only"]
