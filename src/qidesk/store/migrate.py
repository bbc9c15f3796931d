"""Schema versions: refuse newer databases, back up, then run Alembic migrations to head."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError, DBAPIError

from qidesk import __version__
from qidesk.store.backup import backup_database
from qidesk.store.errors import (
    DatabaseFull,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseTooNew,
    DatabaseUnreadable,
    StoreError,
    from_sqlite_error,
    restore_advice,
)

log = logging.getLogger(__name__)

#: Every schema revision this app knows, oldest first. A test checks it against Alembic's graph.
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
HEAD_REVISION = KNOWN_REVISIONS[-1]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def current_revision(engine: Engine) -> str | None:
    """The database's Alembic revision, or None for a database with no QI Desk schema yet."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).fetchone()
            conn.rollback()
    except DBAPIError as exc:
        raise opening_error(engine, exc) from exc
    return row[0] if row else None


def opening_error(engine: Engine, exc: DBAPIError) -> StoreError:
    """The user-facing error for an SQLite failure met while opening the database."""
    path = engine.url.database
    reason = str(exc.orig)
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered:
        return DatabaseLocked(
            f"{path} is in use by another program that is writing to it (a database tool, or "
            "a program copying or syncing the file), and it did not let go within 5 seconds. "
            "Close that program or wait for it to finish, then try again."
        )
    if "readonly" in lowered or "read-only" in lowered:
        return DatabaseReadOnly(f"{path} cannot be written: {reason}.")
    translated = from_sqlite_error(reason, path)
    if translated is not None:
        return translated
    return DatabaseUnreadable(
        f"{path} is damaged or is not a QI Desk database ({reason}). {restore_advice(path)}"
    )


def _written_by(engine: Engine) -> str:
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT value FROM app_meta WHERE key='app_version'")
            ).fetchone()
            conn.rollback()
            return str(row[0]) if row else "unknown"
    except DatabaseError:
        return "unknown"


def refuse_newer(engine: Engine) -> str | None:
    """Raise DatabaseTooNew if the schema is one this app does not know; return the revision."""
    revision = current_revision(engine)
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise DatabaseTooNew(
            f"This database uses schema {revision}, written by QI Desk {_written_by(engine)}; "
            f"this is QI Desk {__version__}, which knows schemas up to {HEAD_REVISION}. "
            "Install a newer QI Desk to open it."
        )
    return revision


def upgrade_to_head(engine: Engine, db_path: Path) -> None:
    """Bring the schema to head: nothing to do at head; otherwise back up, then migrate.

    The migration runs in one transaction: when it fails, the database is left as it was (and
    the copy made before it stays), and the failure is raised as a StoreError saying so."""
    revision = refuse_newer(engine)
    if revision == HEAD_REVISION:
        return
    has_data = revision is not None or bool(_table_names(engine))
    backup: Path | None = None
    if has_data:
        try:
            backup = backup_database(
                db_path, f"before-migration-{revision or 'none'}-{HEAD_REVISION}"
            )
        except StoreError as exc:
            raise type(exc)(
                f"This QI Desk ({__version__}) updates {db_path} from schema {revision} to "
                f"{HEAD_REVISION}, and copies it first; the copy could not be made, so the "
                f"database was not changed. {exc}"
            ) from exc
        log.info("backed up %s to %s before migrating", db_path, backup)
    try:
        _run_alembic(engine)
        with engine.begin() as conn:
            conn.execute(
                text("INSERT OR REPLACE INTO app_meta(key, value) VALUES ('app_version', :v)"),
                {"v": __version__},
            )
    except StoreError:
        raise
    except Exception as exc:
        log.exception("migrating %s from %s to %s failed", db_path, revision, HEAD_REVISION)
        if revision is None:
            what = f"Setting up {db_path} as a QI Desk database failed"
        else:
            what = (
                f"Updating {db_path} from schema {revision} to {HEAD_REVISION} (for QI Desk "
                f"{__version__}) failed"
            )
        kept = f" A copy made just before is in {backup}." if backup is not None else ""
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        translated = from_sqlite_error(reason, db_path) if isinstance(exc, DBAPIError) else None
        kind = type(translated) if translated is not None else StoreError
        if kind is DatabaseUnreadable:
            advice = restore_advice(db_path)
        else:
            advice = _MIGRATION_ADVICE.get(kind, "Please report this, with the log file.")
        raise kind(
            f"{what} ({reason}), and the database was left as it was. {advice}{kept}"
        ) from exc


#: What to do when a migration failed for an SQLite reason (the database is left as it was).
_MIGRATION_ADVICE: dict[type[StoreError], str] = {
    DatabaseFull: "Free some space on that disk and try again.",
    DatabaseLocked: "Close any other program using it, then try again.",
    DatabaseReadOnly: "Make it and its folder writable, then try again.",
}


def _table_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        conn.rollback()
    return {n for n in names if not n.startswith("sqlite_")}


def refuse_another_programs_database(db_path: Path) -> None:
    """An SQLite database with no QI Desk schema but tables of its own belongs to another
    program (a .db or .sqlite file picked by mistake): QI Desk must not add its tables to it,
    nor even switch it to WAL. Read before QI Desk's engine connects (read-only; a file that
    cannot be read so is left to the usual checks)."""
    import sqlite3

    from qidesk.store import models  # noqa: F401  (registers every table)
    from qidesk.store.backup import sqlite_uri
    from qidesk.store.base import Base

    if not db_path.is_file() or db_path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(sqlite_uri(db_path, mode="ro"), uri=True)
        try:
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            conn.close()
    except sqlite3.Error:
        return
    if "alembic_version" in names:
        return
    foreign = sorted(n for n in names - set(Base.metadata.tables) if not n.startswith("sqlite_"))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise DatabaseUnreadable(
            f"{db_path} is not a QI Desk database: it is another program's SQLite database "
            f"(its tables include {shown}). QI Desk leaves it as it is; choose a QI Desk "
            "database, or a new file name."
        )


def alembic_config():  # type: ignore[no-untyped-def]
    """Alembic configuration pointing at the packaged migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _run_alembic(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
