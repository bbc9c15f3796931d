"""``qidesk check`` on damaged databases says what is wrong, by record; it never changes them."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from qidesk.cli import main
from qidesk.services.check_service import check_database
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team

MISSING = "00000000-0000-4000-8000-00000000dead"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A database with one cohort, one team 'Ward 5 falls' and two members."""
    path = tmp_path / "qi.sqlite"
    with Database.open(path) as db, db.unit_of_work() as session:
        cohort = Cohort(name="Spring 2026")
        session.add(cohort)
        session.flush()
        team = Team(cohort_uuid=cohort.uuid, name="Ward 5 falls")
        session.add(team)
        session.flush()
        session.add_all([Member(team_uuid=team.uuid, name=n) for n in ("Ann Jones", "Bo Li")])
    return path


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys=OFF")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _uuid(path: Path, model: type, name: str) -> str:
    with Database.open(path) as db, db.unit_of_work() as session:
        return str(session.scalar(select(model.uuid).where(model.name == name)))


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["check", "--db", str(path)])
    return status, capsys.readouterr().out


def test_a_sound_database_passes_every_check(small: Path, capsys) -> None:
    status, out = _check(small, capsys)
    assert status == 0 and out.strip().endswith("OK")
    assert "ok: history" in out


def test_a_dangling_reference_names_the_record_and_what_is_missing(small: Path, capsys) -> None:
    """It said 'member row 1 points to missing team': no name, no uuid, a rowid."""
    team = _uuid(small, Team, "Ward 5 falls")
    _sql(small, f"UPDATE member SET team_uuid='{MISSING}' WHERE name='Bo Li'")
    status, out = _check(small, capsys)
    assert status == 1
    line = next(x for x in out.splitlines() if "foreign_key_check" in x)
    assert "member" in line and "'Bo Li'" in line and MISSING in line and "team" in line
    assert team not in line


def test_a_missing_history_row_is_reported(small: Path, capsys) -> None:
    """Losing a record's current version from its history passed as OK."""
    team = _uuid(small, Team, "Ward 5 falls")
    _sql(small, f"DELETE FROM record_version WHERE record_uuid='{team}'")
    status, out = _check(small, capsys)
    assert status == 1
    assert f"PROBLEM: history: team {team} ('Ward 5 falls'): its current version" in out


def test_a_tombstone_set_behind_the_apps_back_is_reported(small: Path, capsys) -> None:
    """A deletion with no version of its own (it would not travel as one) passed as OK."""
    _sql(small, "UPDATE cohort SET deleted_at='2026-11-01 09:00:00'")
    status, out = _check(small, capsys)
    assert status == 1
    assert "cohort" in out and "'Spring 2026'" in out and "its deletion is not recorded" in out


def test_a_record_removed_instead_of_tombstoned_is_reported(small: Path, capsys) -> None:
    """A hard-deleted record (its deletion can never travel; an older workbook brings it
    back) passed as OK."""
    member = _uuid(small, Member, "Ann Jones")
    _sql(small, f"DELETE FROM member WHERE uuid='{member}'")
    status, out = _check(small, capsys)
    assert status == 1
    assert f"PROBLEM: tombstones: member {member} has a history but is gone" in out


def test_many_problems_are_counted_not_all_listed(small: Path, capsys) -> None:
    _sql(
        small,
        "DELETE FROM record_version",
        *(
            "INSERT INTO record_version(record_type, record_uuid, rev, vv, updated_at, "
            f"updated_by, data, origin) VALUES ('Member', 'gone-{i}', 1, 'x:1', "
            "'2026-01-01 00:00:00', 'x', '{}', 'local')"
            for i in range(30)
        ),
    )
    status, out = _check(small, capsys)
    assert status == 1
    assert "tombstones: 10 more like these" in out
    assert sum("has a history but is gone" in line for line in out.splitlines()) == 20


def test_checking_a_read_only_database_leaves_nothing_behind(small: Path, capsys) -> None:
    """Checking a read-only copy left read-only -wal and -shm files beside it; once the coach
    made the copy writable, QI Desk still could not write it."""
    small.chmod(0o444)
    try:
        status, out = _check(small, capsys)
    finally:
        small.chmod(0o644)
    assert status == 0, out
    assert sorted(p.name for p in small.parent.iterdir() if p.name.startswith("qi.sqlite")) == [
        "qi.sqlite",
        "qi.sqlite.lock",
    ]
    with Database.open(small) as db, db.unit_of_work() as session:
        session.add(Cohort(name="Autumn 2026"))


def _as_a_user(*args: str) -> subprocess.CompletedProcess[str]:
    """``qidesk ARGS`` in a process that file permissions bind (root without the capability
    to override them, as CI runs tests as root)."""
    command = [sys.executable, "-m", "qidesk", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot be simulated")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", *command]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
        timeout=120,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_database_in_a_read_only_folder_is_checked_not_called_damaged(small: Path) -> None:
    """In a folder the user cannot write (a shared drive, a CD) check said 'the file is
    damaged: attempt to write a readonly database'."""
    Path(f"{small}.lock").unlink()
    small.parent.chmod(0o555)
    try:
        result = _as_a_user("check", "--db", str(small))
    finally:
        small.parent.chmod(0o755)
    assert result.returncode == 0 and "damaged" not in result.stdout, result.stdout
    assert sorted(p.name for p in small.parent.iterdir()) == ["qi.sqlite"]


def test_check_on_a_folder_or_an_empty_file_says_so(tmp_path: Path, capsys) -> None:
    status, out = _check(tmp_path, capsys)
    assert status == 1 and "is a folder" in out
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    status, out = _check(empty, capsys)
    assert status == 1 and "empty (0 bytes)" in out
    assert check_database(empty).ok is False


def test_a_newer_schema_is_reported_as_newer_not_as_damaged(small: Path, capsys) -> None:
    """A newer QI Desk may rename columns: check read them as this version knows them and
    called the file damaged ('no such column')."""
    _sql(
        small,
        "UPDATE alembic_version SET version_num='0099'",
        "ALTER TABLE member RENAME COLUMN name TO full_name",
        "ALTER TABLE record_version RENAME COLUMN vv TO version_vector",
    )
    status, out = _check(small, capsys)
    assert status == 1
    assert "0099 is newer" in out and "damaged" not in out


def test_a_damaged_file_is_reported_with_where_its_backups_are(small: Path, capsys) -> None:
    """check said 'the file is damaged' and nothing about what to do."""
    from qidesk.store.backup import backup_database

    made = backup_database(small, "before-import")
    Path(f"{small}.lock").unlink()
    data = bytearray(small.read_bytes())
    data[4096 * 2 : 4096 * 3] = b"\xde\xad" * 2048
    small.write_bytes(bytes(data))
    status, out = _check(small, capsys)
    assert status == 1
    assert "what to do:" in out and made.name in out


def test_check_of_a_missing_database_exits_1_as_any_problem(tmp_path: Path, capsys) -> None:
    """The issue: 'exit 0 when all is well, 1 otherwise'. A missing file exited 2."""
    status, out = _check(tmp_path / "gone.sqlite", capsys)
    assert status == 1 and "no database at" in out
    assert not (tmp_path / "gone.sqlite").exists()


SAVING_FOREVER = """
import sys
from qidesk.services.cohort_service import CohortService
from qidesk.store.engine import Database
db = Database.open(sys.argv[1])
service = CohortService(db.unit_of_work)
uuid = service.create(name="Edited 0").uuid
n = 0
while True:
    n += 1
    service.update(uuid, name=f"Edited {n}", notes="x" * (n % 500))
    if n == 50:
        print("saving", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_an_app_killed_while_saving_leaves_every_save_whole(tmp_path: Path) -> None:
    """SIGKILL while a coach's edits are being saved one after another: the database passes
    check (history included), and the cohort's name is one of the saved names, with its
    history ending at that very version."""
    import signal
    import time

    path = tmp_path / "qi.sqlite"
    Database.open(path).close()
    child = subprocess.Popen(
        [sys.executable, "-c", SAVING_FOREVER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "saving"
    time.sleep(0.2)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    report = check_database(path)
    assert report.ok, report.lines
    with Database.open(path) as db, db.unit_of_work() as session:
        cohort = session.scalars(select(Cohort)).one()
        assert cohort.name == f"Edited {cohort.rev - 1}" and cohort.rev > 50


def test_a_value_changed_outside_qi_desk_is_reported(small: Path, capsys) -> None:
    """A lead 'fixing a typo' with a database tool: the change has no version, so it never
    travels, and other installations keep the old name with no conflict to say so. check
    passed it as OK."""
    team = _uuid(small, Team, "Ward 5 falls")
    _sql(small, "UPDATE team SET name='Ward 5 Falls' WHERE name='Ward 5 falls'")
    status, out = _check(small, capsys)
    assert status == 1
    line = next(x for x in out.splitlines() if x.startswith("PROBLEM: values:"))
    assert team in line and "'Ward 5 Falls'" in line and "never travels" in line


def test_a_demo_database_holds_its_recorded_versions(tmp_path: Path, capsys) -> None:
    path = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(path)]) == 0
    status, out = _check(path, capsys)
    assert status == 0, out
    assert "ok: values" in out
