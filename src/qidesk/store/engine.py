"""Open a QI Desk SQLite database: pragmas, one writer process, BEGIN IMMEDIATE units of work."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from qidesk.store.base import INSTALLATION_ID
from qidesk.store.errors import (
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseUnreadable,
    StoreError,
    from_sqlite_error,
)

log = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]

#: ``session.info`` key: True in a database opened with :meth:`Database.open_read_only`.
READ_ONLY = "qidesk_read_only"


def _configure_sqlite(engine: Engine) -> None:
    """The pysqlite recipe: let SQLAlchemy, not the driver, begin transactions, and begin them
    with BEGIN IMMEDIATE so a unit of work holds the write lock from its first statement."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(path: Path) -> Engine:
    """An engine on ``path`` with QI Desk's pragmas and transaction handling.

    The URL is built from its parts, not parsed from text: a file name holding ``?`` or
    ``%xx`` would otherwise open a different file (``what?.sqlite`` as ``what``)."""
    engine = create_engine(URL.create("sqlite", database=str(path)), future=True)
    _configure_sqlite(engine)
    return engine


def check_sqlite_file(path: Path) -> None:
    """Refuse files that are not SQLite databases, before SQLAlchemy or Alembic touch them."""
    if path.is_dir():
        raise DatabaseUnreadable(
            f"{path} is a folder, not a QI Desk database. Choose a database file in it "
            "(for example qidesk.sqlite), or a new file name."
        )
    if not path.exists():
        return
    if path.stat().st_size == 0:
        from qidesk.store.backup import backup_folder, newest_backup

        newest = newest_backup(path)
        if newest is not None:
            # An emptied database (a copy or a sync cut short) with copies beside it: opening
            # it as a new, empty database would hide that its data is gone from this file.
            raise DatabaseUnreadable(
                f"{path} is empty (0 bytes): what it held is no longer in this file. "
                f"QI Desk keeps copies of it in {backup_folder(path)}; the newest is "
                f"{newest.name}: copy it out of that folder and open the copy."
            )
        return
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise DatabaseUnreadable(f"{path} cannot be read: {exc.strerror or exc}.") from exc
    if header.startswith(b"PK\x03\x04") or header.startswith(b"\xd0\xcf\x11\xe0"):
        raise DatabaseUnreadable(
            f"{path} is not a QI Desk database: it looks like a workbook or another document. "
            "To bring a workbook's data in, open your database and use File → Import… "
            "(or 'qidesk import')."
        )
    if header != b"SQLite format 3\x00":
        raise DatabaseUnreadable(f"{path} is not a QI Desk database (it is not an SQLite file).")


def check_writable(path: Path) -> None:
    """Refuse a database we could not write: the file or, for a new file, its folder."""
    folder = path.parent
    if path.exists() and (not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        # The mode bits are checked too: root (as in CI) may write anything, but a file the
        # user marked read-only must still be treated as read-only.
        raise DatabaseReadOnly(
            f"{path} is read-only. QI Desk needs to write to its database: "
            "copy it somewhere you can write, or change its permissions."
        )
    for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        # SQLite's journal files, left read-only (copied from a read-only place, or made by a
        # reader of a read-only file): SQLite could not write them and says only "readonly".
        if companion.is_file() and (
            not os.access(companion, os.W_OK) or not companion.stat().st_mode & 0o222
        ):
            raise DatabaseReadOnly(
                f"{companion.name}, the journal file beside {path}, is read-only, so QI Desk "
                "cannot write to the database. Make it writable (change its permissions) and "
                "try again; do not delete it, it may hold saved changes."
            )
    if not folder.exists():
        blocker = next((p for p in folder.parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise DatabaseReadOnly(f"{path} cannot be made: {blocker} is a file, not a folder.")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseReadOnly(f"Cannot create the folder {folder}: {exc.strerror}.") from exc
    elif not folder.is_dir():
        raise DatabaseReadOnly(f"{path} cannot be made: {folder} is a file, not a folder.")
    if not os.access(folder, os.W_OK):
        raise DatabaseReadOnly(
            f"The folder {folder} is read-only. QI Desk keeps its journal beside the database, "
            "so the folder must be writable."
        )


def check_one_name(path: Path) -> None:
    """Refuse a database file with more than one name on its disk (hard links).

    The process lock (``NAME.lock``) and SQLite's own journal (``NAME-wal``, ``NAME-shm``)
    are named after the name a database is opened by. Every other way of reaching one file by
    several spellings (a symbolic link, a relative path, a mapped drive or a mount of the same
    folder) ends in the same folder and the same name, so they share both; two hard links do
    not. Two windows, one on each name, would each take their own lock and write their own
    journal into the one file, which damages it; and changes left in one name's journal after
    a crash would be missing when the file is opened by the other name."""
    try:
        links = path.stat().st_nlink
    except OSError:
        return
    if links > 1:
        raise StoreError(
            f"{path} is one file with {links} names on its disk (hard links). QI Desk keeps "
            "its lock and journal beside the name it opens, so two windows opening the file "
            "by different names could both write to it and damage it. Make a copy of it (a "
            "copy is a separate file), open the copy, and keep this file as a backup."
        )


class Database:
    """One open QI Desk database: engine, session factory and the process lock.

    Use :meth:`open` (which checks, locks and migrates) rather than the constructor.
    Every unit of work is ``with db.unit_of_work() as session: ...``: it commits on success
    and rolls back on any exception, so a failed action leaves nothing behind.
    """

    def __init__(
        self,
        path: Path,
        engine: Engine,
        lock: FileLock | None,
        installation_id: str,
        *,
        read_only: bool = False,
    ):
        self.path = path
        self.engine = engine
        self._lock = lock
        self.installation_id = installation_id
        self.read_only = read_only
        info: dict[str, Any] = {INSTALLATION_ID: installation_id}
        if read_only:
            info[READ_ONLY] = True
        self._sessionmaker = sessionmaker(bind=engine, expire_on_commit=False, info=info)

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        migrate: bool = True,
        lock: bool = True,
        installation_id: str | None = None,
    ) -> Database:
        """Open (creating if missing) and migrate the database at ``path``.

        Raises a :class:`StoreError` subclass with a user-facing message when the file is locked
        by another QI Desk, read-only, not a database, damaged, or newer than this app.
        """
        from qidesk.store import migrate as migrate_module

        path = Path(path).expanduser().resolve()
        check_writable(path)
        check_sqlite_file(path)
        check_one_name(path)
        file_lock: FileLock | None = None
        if lock:
            file_lock = FileLock(str(path) + ".lock", timeout=0)
            try:
                file_lock.acquire()
            except Timeout as exc:
                raise DatabaseLocked(
                    f"{path} is already open in another QI Desk window (or a qidesk "
                    "command such as merge is using it). Close it there first, or open a "
                    "different database."
                ) from exc
            except OSError as exc:
                raise DatabaseReadOnly(
                    f"Cannot lock {path}: its lock file {path.name}.lock beside it cannot be "
                    f"written ({exc.strerror}). Make that file writable, or delete it if no "
                    "QI Desk has the database open."
                ) from exc
        try:
            migrate_module.refuse_another_programs_database(path)
        except BaseException:
            if file_lock is not None:
                file_lock.release()
            raise
        engine = make_engine(path)
        try:
            try:
                if migrate:
                    migrate_module.upgrade_to_head(engine, path)
                else:
                    migrate_module.refuse_newer(engine)
                inst = installation_id or _installation_id(engine)
            except DBAPIError as exc:
                log.warning("cannot open %s: %s", path, exc)
                raise migrate_module.opening_error(engine, exc) from exc
        except BaseException:
            engine.dispose()
            if file_lock is not None:
                file_lock.release()
            raise
        return cls(path, engine, file_lock, inst)

    def is_file(self, path: Path | str) -> bool:
        """Whether ``path`` names this database's file, however it is spelled: through a
        symbolic link, a relative path, or another mount of the same folder (a mapped drive
        and its network path)."""
        other = Path(path).expanduser()
        try:
            return os.path.samefile(other, self.path)
        except OSError:  # not there (a new file), or not reachable
            return other.resolve() == self.path

    def session(self) -> Session:
        """A new session (prefer :meth:`unit_of_work`)."""
        return self._sessionmaker()

    @property
    def session_factory(self) -> SessionFactory:
        return self._sessionmaker

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session in one BEGIN IMMEDIATE transaction: committed on success, else rolled back.

        An SQLite failure a user can act on (a full disk, a database locked or made read-only
        meanwhile, a disk error) is raised as the matching :class:`StoreError`, after the
        rollback."""
        session = self._sessionmaker()
        try:
            with session.begin():
                yield session
        except (DBAPIError, sqlite3.DatabaseError) as exc:
            translated = from_sqlite_error(str(getattr(exc, "orig", None) or exc), self.path)
            if translated is None:
                raise
            log.warning("%s: %s", self.path, exc)
            raise translated from exc
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
        if self._lock is not None and self._lock.is_locked:
            self._lock.release()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _installation_id(engine: Engine) -> str:
    """This database's installation id: made once, when first needed, and kept in app_meta."""
    with engine.begin() as conn:
        row = conn.exec_driver_sql(
            "SELECT value FROM app_meta WHERE key='installation_id'"
        ).fetchone()
        if row:
            return str(row[0])
        value = str(uuid.uuid4())
        conn.exec_driver_sql(
            "INSERT INTO app_meta(key, value) VALUES ('installation_id', ?)", (value,)
        )
        return value


def open_database(path: Path | str, **kwargs: Any) -> Database:
    """Shorthand for :meth:`Database.open`."""
    return Database.open(path, **kwargs)


__all__ = ["READ_ONLY", "Database", "SessionFactory", "StoreError", "make_engine", "open_database"]
