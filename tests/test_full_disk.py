"""A disk that fills up while saving: a clear message, and nothing saved (never a traceback)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from qidesk.services.import_service import ImportService
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.errors import DatabaseFull, DatabaseLocked, StoreError, from_sqlite_error
from test_sync_io_support import (  # noqa: F401  (fixtures are found by their name)
    Source,
    copy_database,
    source_fixture,
)


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _cap_pages(db: Database, pages: int) -> None:
    """Make every new connection of ``db`` see a disk that holds ``pages`` pages at most."""

    @event.listens_for(db.engine, "connect")
    def cap(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    db.engine.dispose()  # connections made from now on are capped


def _page_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])
    finally:
        conn.close()


def test_a_merge_that_fills_the_disk_saves_nothing_and_says_so(
    source: Source, tmp_path: Path
) -> None:
    path = tmp_path / "lead.sqlite"
    Database.open(path).close()
    before = _dump(path)
    with Database.open(path) as db:
        _cap_pages(db, _page_count(path) + 20)
        with pytest.raises(DatabaseFull) as raised:
            ImportService(db.unit_of_work, db.path).apply([source.full])
    message = str(raised.value)
    assert "is full" in message and "nothing was saved" in message
    assert "sqlalche" not in message and "OperationalError" not in message
    assert _dump(path) == before


def test_an_edit_on_a_full_disk_is_refused_in_words(qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from qidesk.ui.context import UiContext

    path = tmp_path / "coach.sqlite"
    with Database.open(path) as db:
        services = Services.create(db)
        _cap_pages(db, _page_count(path))  # not one page more
        shown: list[str] = []
        monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
        context = UiContext(services)
        notes = "x" * 30_000  # pages more than the capped file holds (under a field's limit)
        ok = context.attempt(None, lambda: services.cohorts.create(name="Cohort 10", notes=notes))
        assert ok is False
        assert len(shown) == 1 and "is full" in shown[0]


def test_sqlite_messages_a_user_can_act_on() -> None:
    assert isinstance(from_sqlite_error("database or disk is full", "a.sqlite"), DatabaseFull)
    assert isinstance(from_sqlite_error("database is locked", "a.sqlite"), DatabaseLocked)
    readonly = from_sqlite_error("attempt to write a readonly database", "a.sqlite")
    assert isinstance(readonly, StoreError) and "read-only" in str(readonly)
    assert from_sqlite_error("no such table: x", "a.sqlite") is None  # a bug, not the disk
