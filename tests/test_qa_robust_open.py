"""Opening a database that is odd, busy, damaged or old: a clear message, the file intact."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from qidesk.store import migrate
from qidesk.store.backup import backup_database, backup_folder
from qidesk.store.engine import Database, make_engine
from qidesk.store.errors import (
    DatabaseFull,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseUnreadable,
    StoreError,
)
from qidesk.store.models import Cohort

SRC = Path(__file__).resolve().parents[1] / "src"


def _with_cohort(path: Path, name: str) -> Path:
    with Database.open(path) as db, db.unit_of_work() as session:
        session.add(Cohort(name=name))
    return path


def _cohort_names(path: Path) -> list[str]:
    with Database.open(path) as db, db.unit_of_work() as session:
        return list(session.scalars(select(Cohort.name)))


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qidesk", *args],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(SRC)},
        cwd=cwd,
        timeout=120,
    )


# Odd paths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["what?.sqlite", "100%25 done.sqlite", "Cohort #2.sqlite", "Tîm λ – ward 5.sqlite"]
)
def test_a_file_name_with_url_characters_opens_that_very_file(tmp_path: Path, name: str) -> None:
    """'what?.sqlite' was opened as 'what' and '100%25' as '100%': an empty database in
    another file, while the coach's data sat untouched beside it."""
    folder = tmp_path / "QI notes ✓"
    folder.mkdir()
    path = folder / name
    plain = _with_cohort(tmp_path / "plain.sqlite", "Spring 2026")
    path.write_bytes(plain.read_bytes())
    assert _cohort_names(path) == ["Spring 2026"]
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock")) == [name]


def test_a_backup_of_a_database_named_with_a_hash_is_a_whole_copy(tmp_path: Path) -> None:
    """The copy made before an import or migration of 'Cohort #2.sqlite' was an empty 4 KB
    database (the '#' ended the file URI), and an empty file 'Cohort ' appeared beside it."""
    path = _with_cohort(tmp_path / "Cohort #2.sqlite", "Kept")
    copy = backup_database(path, "before-import")
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("SELECT name FROM cohort").fetchall() == [("Kept",)]
    finally:
        conn.close()
    assert not (tmp_path / "Cohort ").exists()


def test_a_folder_given_as_the_database_is_refused_in_words(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnreadable, match="is a folder"):
        Database.open(tmp_path)
    result = _cli("export", "--db", str(tmp_path), "--out", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "is a folder" in result.stderr


def test_a_database_below_a_file_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DatabaseReadOnly, match=r"notes\.txt is a file, not a folder"):
        Database.open(tmp_path / "notes.txt" / "qi.sqlite")


def test_read_only_journal_files_are_named(tmp_path: Path) -> None:
    """A read-only -shm beside a writable database (left by a reader of a read-only copy)
    made SQLite say only 'attempt to write a readonly database'."""
    path = _with_cohort(tmp_path / "qi.sqlite", "A")
    shm = Path(f"{path}-shm")
    shm.write_bytes(b"\0" * 32768)
    shm.chmod(0o444)
    try:
        with pytest.raises(DatabaseReadOnly, match=r"qi\.sqlite-shm"):
            Database.open(path)
    finally:
        shm.chmod(0o644)
        shm.unlink()
    assert _cohort_names(path) == ["A"]


# Busy and damaged -------------------------------------------------------------------------


def test_a_database_another_program_is_writing_is_refused_in_words(tmp_path: Path) -> None:
    """An sqlite3 shell (or a sync tool) holding a write transaction: the message said 'The
    database cannot be read: database is locked'."""
    path = _with_cohort(tmp_path / "qi.sqlite", "A")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE cohort SET notes='being edited'")
    try:
        with pytest.raises(DatabaseLocked) as raised:
            Database.open(path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    message = str(raised.value)
    assert str(path) in message and "another program" in message and "try again" in message
    assert _cohort_names(path) == ["A"]


def _wreck_table(path: Path, table: str) -> None:
    """Overwrite the root page of ``table`` (the file header and schema stay readable)."""
    conn = sqlite3.connect(path)
    root, page_size = conn.execute(
        "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master WHERE name=?",
        (table,),
    ).fetchone()
    conn.close()
    data = bytearray(path.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\xde\xad" * (page_size // 2)
    path.write_bytes(bytes(data))


def test_a_damaged_table_gives_a_message_naming_the_newest_backup(
    tmp_path: Path, application
) -> None:
    """A database whose schema reads but whose team table is damaged opened the window with
    a traceback (the navigator's query), and the CLI printed SQL over several lines."""
    from qidesk.services.demo import build_demo

    path = tmp_path / "qi.sqlite"
    with Database.open(path) as db:
        build_demo(db.unit_of_work, seed=1)
    made = backup_database(path, "before-import")
    _wreck_table(path, "team")

    messages = application.messages
    try:
        assert application.open_path(path, initial=True) is False
    finally:
        application.close()
    assert application.window is None and application.db is None
    assert "damaged" in messages[0] and made.name in messages[0]
    assert str(backup_folder(path)) in messages[0]

    result = _cli("export", "--db", str(path), "--out", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "damaged" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


# Migrations -------------------------------------------------------------------------------


def _older_database(path: Path, revision: str = "0004") -> Path:
    """A database at ``revision`` holding one cohort, as an older QI Desk left it."""
    from alembic import command

    _with_cohort(path, "Keep me")
    engine = make_engine(path)
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    engine.dispose()
    return path


def _revision(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])
    finally:
        conn.close()


def test_a_migration_that_fills_the_disk_leaves_the_database_as_it_was(
    tmp_path: Path, monkeypatch
) -> None:
    """A full disk while migrating raised SQLAlchemy's OperationalError: a traceback at
    start-up (the window caught StoreError only) and 'unexpected error' from the CLI."""
    import alembic.operations

    path = _older_database(tmp_path / "qi.sqlite")

    def full(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("CREATE", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(alembic.operations.Operations, "create_table", full)
    with pytest.raises(DatabaseFull) as raised:
        Database.open(path)
    message = str(raised.value)
    assert "0004" in message and migrate.HEAD_REVISION in message
    assert "left as it was" in message and "Free some space" in message
    backups = list(backup_folder(path).glob("*before-migration-0004-*.sqlite"))
    assert len(backups) == 1 and str(backups[0]) in message
    assert _revision(path) == "0004"
    monkeypatch.undo()
    assert _cohort_names(path) == ["Keep me"]  # and now migrated
    assert _revision(path) == migrate.HEAD_REVISION


def test_a_migration_that_fails_unexpectedly_is_a_store_error(tmp_path: Path, monkeypatch) -> None:
    import alembic.operations

    path = _older_database(tmp_path / "qi.sqlite")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("no such operation")

    monkeypatch.setattr(alembic.operations.Operations, "create_table", broken)
    with pytest.raises(StoreError) as raised:
        Database.open(path)
    message = str(raised.value)
    assert "no such operation" in message and "left as it was" in message
    assert "log file" in message
    assert _revision(path) == "0004"


# Backups ----------------------------------------------------------------------------------


def test_a_backup_cut_short_never_passes_for_a_backup(tmp_path: Path, monkeypatch) -> None:
    """The copy was written under its final name: an app killed (or a disk filled) during the
    copy left a partial file that looked like the newest backup."""
    from qidesk.store import backup

    path = _with_cohort(tmp_path / "qi.sqlite", "A")

    class Killed(BaseException):
        pass

    def killed(*_args: object) -> None:
        raise Killed

    monkeypatch.setattr(backup.os, "replace", killed, raising=False)
    with pytest.raises(Killed):
        backup_database(path, "before-import")
    finished = list(backup_folder(path).glob("*.sqlite"))
    assert finished == []
    assert backup.newest_backup(path) is None
    monkeypatch.undo()
    made = backup_database(path, "before-import")  # the next copy removes the unfinished one
    assert [p.name for p in backup_folder(path).iterdir()] == [made.name]


def test_an_emptied_database_with_backups_is_not_opened_as_a_new_one(tmp_path: Path) -> None:
    """A database emptied to 0 bytes (a copy or a sync cut short) opened as a new, empty
    database: the window showed no cohorts and nothing said where the data could be found."""
    path = _with_cohort(tmp_path / "qi.sqlite", "Spring 2026")
    made = backup_database(path, "before-import")
    path.write_bytes(b"")
    with pytest.raises(DatabaseUnreadable) as raised:
        Database.open(path)
    assert "empty (0 bytes)" in str(raised.value) and made.name in str(raised.value)
    assert path.stat().st_size == 0
    fresh = tmp_path / "touched.sqlite"
    fresh.write_bytes(b"")
    assert _cohort_names(fresh) == []  # an empty file with no copies is a new database


def test_a_recent_database_no_longer_there_is_not_made_anew(tmp_path: Path, application) -> None:
    """File → Open recent on a database since moved (or on a drive not connected) made a new,
    empty database in its place: the coach saw no cohorts at all."""
    messages = application.messages
    moved = _with_cohort(tmp_path / "moved.sqlite", "Spring 2026")
    current = tmp_path / "current.sqlite"
    try:
        assert application.open_path(moved, initial=True)
        assert application.open_path(current, initial=False)
        moved.rename(tmp_path / "elsewhere.sqlite")
        application.open_database(str(moved.resolve()))
        assert application.db is not None and application.db.path == current.resolve()
    finally:
        if application.window is not None:
            application.window.close()
        application.close()
    assert not moved.exists()
    assert "no longer there" in messages[0] and str(moved.resolve()) in messages[0]


KILLED_MIGRATION = """
import sys, time
import alembic.operations
real = alembic.operations.Operations.create_table
def slow(self, *args, **kwargs):
    result = real(self, *args, **kwargs)
    print("migrating", flush=True)
    time.sleep(60)
    return result
alembic.operations.Operations.create_table = slow
from qidesk.store.engine import Database
Database.open(sys.argv[1])
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_an_app_killed_while_migrating_leaves_the_old_database_usable(tmp_path: Path) -> None:
    """The app killed in the middle of a migration (a table made, the next not yet): the
    database is still at its old schema and passes check, its backup is whole, and the next
    start migrates it."""
    import os
    import signal

    from qidesk.services.check_service import check_database

    path = _older_database(tmp_path / "qi.sqlite")
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_MIGRATION, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "migrating"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert _revision(path) == "0004"
    assert check_database(path).ok, check_database(path).lines
    (backup,) = backup_folder(path).glob("*before-migration-0004-*.sqlite")
    assert check_database(backup).ok and _revision(backup) == "0004"
    assert _cohort_names(path) == ["Keep me"]
    assert _revision(path) == migrate.HEAD_REVISION


def test_a_workbook_opened_as_the_database_says_how_to_import_it(tmp_path: Path) -> None:
    """'qidesk --db coach-01.xlsx' (or choosing a workbook in File → Open) said only 'it is
    not an SQLite file'."""
    book = tmp_path / "coach-01.xlsx"
    book.write_bytes(b"PK\x03\x04" + b"\0" * 200)
    with pytest.raises(DatabaseUnreadable, match="Import"):
        Database.open(book)


@pytest.mark.parametrize(
    ("sqlite_says", "expected"),
    [
        ("unable to open database file", "drive is connected"),
        ("locking protocol", "network drives"),
    ],
)
def test_sqlite_failures_that_are_not_damage_are_not_called_damage(
    sqlite_says: str, expected: str
) -> None:
    """Met while opening, these fell through to 'damaged or not a QI Desk database'."""
    from qidesk.store.errors import from_sqlite_error

    error = from_sqlite_error(sqlite_says, "/media/share/qi.sqlite")
    assert error is not None and expected in str(error) and "damaged" not in str(error)


def test_a_fault_while_building_the_first_window_is_a_box_not_a_traceback(
    tmp_path: Path, qtbot, monkeypatch
) -> None:
    """A fault while the first window was built went up out of run_gui as a traceback: from
    a desktop icon the app just did not start, with nothing said."""
    from qidesk import app as app_module
    from qidesk.paths import log_file
    from qidesk.services import registry

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a page could not be built")

    shown: list[str] = []
    monkeypatch.setattr(registry.Services, "create", broken)
    monkeypatch.setattr(
        app_module.QMessageBox, "critical", lambda _parent, _title, text: shown.append(text)
    )
    path = _with_cohort(tmp_path / "qi.sqlite", "A")
    assert app_module.run_gui(str(path)) == 1
    assert "a page could not be built" in shown[0] and str(log_file()) in shown[0]
    assert _cohort_names(path) == ["A"]  # and its lock was released


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_read_only_lock_file_is_named(tmp_path: Path) -> None:
    """A read-only qi.sqlite.lock (copied with the database) said only 'Cannot lock ...:
    Permission denied', not which file or what to do."""
    from test_qa_robust_check import _as_a_user

    path = _with_cohort(tmp_path / "qi.sqlite", "A")
    lock = Path(f"{path}.lock")
    lock.chmod(0o444)
    try:
        result = _as_a_user("export", "--db", str(path), "--out", str(tmp_path / "x.xlsx"))
    finally:
        lock.chmod(0o644)
    assert result.returncode == 2, result.stderr
    assert "qi.sqlite.lock" in result.stderr and "delete it" in result.stderr


def test_a_database_problem_met_by_a_page_is_shown_as_it_is(
    tmp_path: Path, qtbot, monkeypatch
) -> None:
    """A page reading a table found damaged after start-up went to the 'Something unexpected
    went wrong ... Nothing you saved is lost' box, which is not true of a damaged file."""
    from qidesk import app as app_module
    from qidesk.store.errors import from_sqlite_error

    application = app_module.Application(app_module.make_qapplication(), app_module.app_settings())
    warned: list[str] = []
    unexpected: list[str] = []
    monkeypatch.setattr(
        app_module.QMessageBox, "warning", lambda _p, _title, text: warned.append(text)
    )
    monkeypatch.setattr(
        app_module, "show_unexpected_error", lambda _p, exc: unexpected.append(str(exc))
    )
    error = from_sqlite_error("database disk image is malformed", tmp_path / "qi.sqlite")
    assert error is not None
    application.handle_exception(type(error), error, None)
    application.close()
    assert unexpected == [] and "damaged" in warned[0]


def test_a_migration_whose_backup_fills_the_disk_says_why_a_copy_was_made(
    tmp_path: Path, monkeypatch
) -> None:
    """The message was only 'Could not back up the database to ...': a coach opening the
    database did not ask for a backup and was not told the database was not changed."""
    from qidesk.store import backup

    path = _older_database(tmp_path / "qi.sqlite")

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup.os, "replace", full)
    with pytest.raises(StoreError) as raised:
        Database.open(path)
    message = str(raised.value)
    assert "0004" in message and "not changed" in message and "disk is full" in message
    assert _revision(path) == "0004"


def test_sqlite_uris_escape_only_what_ends_a_path() -> None:
    """A Windows network path must not become 'file://server/...' (SQLite refuses a URI that
    names a host), as Path.as_uri() would make it."""
    from qidesk.store.backup import sqlite_uri

    uri = sqlite_uri(Path("/data/Cohort #2 100% done?.sqlite"), mode="ro")
    assert uri == "file:/data/Cohort %232 100%25 done%3f.sqlite?mode=ro"
    assert not uri.startswith("file://")


def test_another_programs_sqlite_database_is_left_as_it_is(tmp_path: Path) -> None:
    """Picking another program's .db in File → Open (the filter shows *.sqlite and *.db)
    added QI Desk's tables to it and showed an empty QI Desk."""
    other = tmp_path / "places.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO bookmarks(url) VALUES ('https://example.org')")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(DatabaseUnreadable, match="another program"):
        Database.open(other)
    assert other.read_bytes() == before
    assert not backup_folder(other).exists()
