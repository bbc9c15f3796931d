"""The sync commands as a tool or a coach at a prompt meets them: one JSON object, one line."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from qidesk.cli import main
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Team


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "qi.sqlite"
    with Database.open(path) as db, db.unit_of_work() as session:
        session.add(Cohort(name="Spring 2026"))
    return path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_merge_json_prints_one_object_even_when_the_database_is_busy(
    small: Path, tmp_path: Path, capsys
) -> None:
    """With the database open in the window, 'merge --json' printed nothing on stdout: a tool
    reading the promised JSON object failed on empty input."""
    workbook = tmp_path / "all.xlsx"
    assert _run(capsys, "export", "--db", str(small), "--out", str(workbook))[0] == 0
    target = tmp_path / "lead.sqlite"
    with Database.open(target):
        status, out, err = _run(capsys, "merge", "--db", str(target), "--json", str(workbook))
    assert status == 2
    report = json.loads(out)
    assert report["created"] == report["conflicts"] == 0 and report["files"] == []
    assert "already open" in report["error"]
    assert len(err.strip().splitlines()) == 1 and "already open" in err


def test_an_unexpected_database_error_is_one_line(small: Path, capsys, monkeypatch) -> None:
    """SQLAlchemy's message ran over several lines (the SQL statement, a web link)."""
    from sqlalchemy.exc import DatabaseError

    from qidesk.services import export_service

    def fails(*_args: object, **_kwargs: object) -> None:
        raise DatabaseError(
            "SELECT team.uuid\nFROM team", {}, sqlite3.DatabaseError("something odd happened")
        )

    monkeypatch.setattr(export_service.ExportService, "export_full", fails)
    status, _, err = _run(capsys, "export", "--db", str(small), "--out", "x.xlsx")
    assert status == 1
    assert len(err.strip().splitlines()) == 1
    assert "something odd happened" in err and "SELECT" not in err and "details in" in err


def test_export_paths_expand_home_and_must_be_workbooks(
    small: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """'--out ~/x.xlsx' as a Windows prompt passes it said 'The folder ~ does not exist', and
    '--out x.csv' wrote a workbook named .csv that Excel then refuses."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    status, _, err = _run(capsys, "export", "--db", str(small), "--out", "~/all.xlsx")
    assert status == 0, err
    assert (home / "all.xlsx").is_file()
    status, _, err = _run(capsys, "import", "--db", str(small), "~/all.xlsx")
    assert status == 0, err
    status, _, err = _run(capsys, "export", "--db", str(small), "--out", str(tmp_path / "x.csv"))
    assert status == 2 and ".xlsx" in err
    assert not (tmp_path / "x.csv").exists()


def test_a_log_file_another_process_holds_open_is_no_traceback(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """On Windows the window holds qidesk.log open, so a CLI merge could not rename it at
    rollover: logging printed '--- Logging error ---' and a traceback on stderr for every
    record. Simulated by a rename that fails as Windows' does."""
    import logging
    import logging.handlers

    from qidesk.logging_setup import SharedRotatingFileHandler, setup_logging
    from qidesk.paths import log_file

    log_file().parent.mkdir(parents=True, exist_ok=True)
    log_file().write_bytes(b"x" * 1_000_001)  # due for rollover

    def held_open(*_args: object) -> None:
        raise PermissionError(32, "The process cannot access the file", str(log_file()))

    monkeypatch.setattr(logging.handlers.os, "rename", held_open)
    root = logging.getLogger()
    earlier = [h for h in root.handlers if getattr(h, "_qidesk", False)]  # earlier tests'
    for handler in earlier:
        root.removeHandler(handler)
    try:
        setup_logging()
        assert any(isinstance(h, SharedRotatingFileHandler) for h in root.handlers)
        logging.getLogger("qidesk.test").warning("first record after the failed rollover")
        logging.getLogger("qidesk.test").warning("second record")
    finally:
        for handler in root.handlers[:]:
            if getattr(handler, "_qidesk", False):
                root.removeHandler(handler)
                handler.close()
        for handler in earlier:
            root.addHandler(handler)
    assert "Logging error" not in capsys.readouterr().err
    assert "second record" in log_file().read_text(encoding="utf-8", errors="replace")


def test_an_empty_db_argument_never_means_the_default_database(
    small: Path, tmp_path: Path, capsys
) -> None:
    """'qidesk merge --db "$LEAD_DB" ...' with the variable unset merged into the default
    database in the user's data folder."""
    from qidesk.paths import default_database

    workbook = tmp_path / "all.xlsx"
    assert _run(capsys, "export", "--db", str(small), "--out", str(workbook))[0] == 0
    for args in (["merge", "--db", "", str(workbook)], ["--db", " ", "import", str(workbook)]):
        status, _, err = _run(capsys, *args)
        assert status == 2 and "--db is empty" in err, (args, err)
    assert not default_database().exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_writing_a_report_or_template_into_a_read_only_folder_says_so(tmp_path: Path) -> None:
    """'report --out' into a read-only folder printed a Qt warning ('QPainter::begin():
    Returned false') and 'cannot write X: cannot write X' with no reason; 'template export'
    printed Python's '[Errno 13] Permission denied: ...'."""
    from test_qa_robust_check import _as_a_user

    db = tmp_path / "qi.sqlite"
    assert main(["demo", "--db", str(db)]) == 0
    with Database.open(db) as opened, opened.unit_of_work() as session:
        team = session.scalars(select(Team.name)).first()
    Path(f"{db}.lock").unlink()
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        report = _as_a_user("report", "--db", str(db), "--team", team, "--out", f"{folder}/r.pdf")
        sheet = _as_a_user("template", "export", "--db", str(db), "--out", f"{folder}/t.xlsx")
    finally:
        folder.chmod(0o755)
    for result in (report, sheet):
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().count("\n") == 0, result.stderr
        assert f"cannot write in {folder}: it is read-only" in result.stderr
    assert list(folder.iterdir()) == []


def test_a_full_disk_while_backing_up_before_a_merge_exits_2_and_changes_nothing(
    small: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """The copy made before a merge filling the disk exited 1 ('unexpected error' for tools),
    while a full disk during the merge itself exits 2 like every database problem a user can
    act on; and the message said only SQLite's words."""
    import sqlite3 as real_sqlite3
    from types import SimpleNamespace

    from qidesk.store import backup
    from qidesk.store.backup import backup_folder

    workbook = tmp_path / "all.xlsx"
    assert _run(capsys, "export", "--db", str(small), "--out", str(workbook))[0] == 0
    target = tmp_path / "lead.sqlite"
    Database.open(target).close()
    before = target.read_bytes()

    def connect(where: str, *args: object, **kwargs: object) -> real_sqlite3.Connection:
        connection = real_sqlite3.connect(where, *args, **kwargs)  # type: ignore[arg-type]
        if str(where).endswith(backup.PARTIAL_SUFFIX):
            connection.execute("PRAGMA max_page_count = 2")  # the disk holds 2 pages more
        return connection

    monkeypatch.setattr(
        backup, "sqlite3", SimpleNamespace(connect=connect, Error=real_sqlite3.Error)
    )
    status, out, err = _run(capsys, "merge", "--db", str(target), "--json", str(workbook))
    assert status == 2
    assert "disk is full" in err and "Free some space" in err and "Nothing was imported" in err
    assert json.loads(out)["error"] and len(err.strip().splitlines()) == 1
    assert target.read_bytes() == before
    assert list(backup_folder(target).iterdir()) == []  # no partial copy left


def test_a_wrong_demo_date_says_what_is_expected(tmp_path: Path, capsys) -> None:
    """It said 'invalid fromisoformat value' (a Python function's name)."""
    with pytest.raises(SystemExit) as raised:
        main(["demo", "--db", str(tmp_path / "x.sqlite"), "--today", "26/11/2026"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "YYYY-MM-DD" in err and "fromisoformat" not in err
    assert not (tmp_path / "x.sqlite").exists()


def test_selftest_keep_on_a_file_is_refused_in_words(tmp_path: Path, capsys) -> None:
    """'selftest --keep FILE' was 'unexpected error: [Errno 17] File exists' (exit 1)."""
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    status, _, err = _run(capsys, "selftest", "--keep", str(afile))
    assert status == 2 and "must name a folder" in err
    assert afile.read_text() == "x"


def test_without_a_writable_log_folder_an_error_is_still_one_line(
    small: Path, tmp_path: Path
) -> None:
    """When the log folder could not be made, every log record went to stderr: an unexpected
    error printed its whole traceback there after the one-line message."""
    import os
    import subprocess

    (tmp_path / "afile").write_text("x")
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
        "QIDESK_LOG_DIR": str(tmp_path / "afile" / "logs"),  # below a file: cannot be made
    }
    broken = subprocess.run(
        [sys.executable, "-c", CRASHING_COMMAND, str(small)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert broken.returncode == 1, broken.stderr
    assert "Traceback" not in broken.stderr and len(broken.stderr.strip().splitlines()) == 1


#: ``qidesk check`` with the check itself failing unexpectedly (a bug), so the CLI logs it.
CRASHING_COMMAND = """
import sys
from qidesk.services import check_service
def broken(path):
    raise RuntimeError("a bug in the check")
check_service.check_database = broken
from qidesk.cli import main
sys.exit(main(["check", "--db", sys.argv[1]]))
"""
