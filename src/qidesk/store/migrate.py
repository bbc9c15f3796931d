"""Schema versions: refuse newer databases, back up, then run Alembic migrations to head."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError

from qidesk import __version__
from qidesk.store.backup import backup_database
from qidesk.store.errors import DatabaseReadOnly, DatabaseTooNew, DatabaseUnreadable

log = logging.getLogger(__name__)

#: Every schema revision this app knows, oldest first. A test checks it against Alembic's graph.
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006")
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
    except OperationalError as exc:
        if "readonly" in str(exc).lower() or "read-only" in str(exc).lower():
            raise DatabaseReadOnly(f"The database cannot be written: {exc.orig}") from exc
        raise DatabaseUnreadable(f"The database cannot be read: {exc.orig}") from exc
    except DatabaseError as exc:
        raise DatabaseUnreadable(
            f"The database file is damaged or is not a QI Desk database ({exc.orig})."
        ) from exc
    return row[0] if row else None


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
    """Bring the schema to head: nothing to do at head; otherwise back up, then migrate."""
    revision = refuse_newer(engine)
    if revision == HEAD_REVISION:
        return
    has_data = revision is not None or _has_any_table(engine)
    if has_data:
        backup = backup_database(db_path, f"before-migration-{revision or 'none'}-{HEAD_REVISION}")
        log.info("backed up %s to %s before migrating", db_path, backup)
    _run_alembic(engine)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT OR REPLACE INTO app_meta(key, value) VALUES ('app_version', :v)"),
            {"v": __version__},
        )


def _has_any_table(engine: Engine) -> bool:
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        conn.rollback()
    return bool(names)


def alembic_config():  # type: ignore[no-untyped-def]
    """Alembic configuration pointing at the packaged migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _run_alembic(engine: Engine) -> None:
    from alembic import command

    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        if "readonly" in str(exc).lower():
            raise DatabaseReadOnly(f"The database cannot be written: {exc.orig}") from exc
        raise
