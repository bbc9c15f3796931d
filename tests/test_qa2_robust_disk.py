"""A database on a disk with no room left: said to be a full disk, not a disk error or damage."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest

from qidesk.services.check_service import check_database
from qidesk.store.engine import Database
from qidesk.store.errors import DatabaseFull, from_sqlite_error
from qidesk.store.models import Cohort

SRC = Path(__file__).resolve().parents[1] / "src"
Usage = namedtuple("Usage", "total used free")


def _free_bytes(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    monkeypatch.setattr(
        shutil, "disk_usage", lambda _folder: Usage(10**9, max(10**9 - free, 0), free)
    )


def test_a_disk_io_error_on_a_full_disk_is_called_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite meets a full disk as 'disk I/O error' when it cannot grow its -shm file (opening
    any database on a full disk does): QI Desk said 'a disk error ... check the disk or the
    network drive', which sends a coach looking for a broken disk."""
    path = tmp_path / "qi.sqlite"
    _free_bytes(monkeypatch, 0)
    error = from_sqlite_error("disk I/O error", path)
    assert isinstance(error, DatabaseFull) and "is full" in str(error)
    assert "Free some space" in str(error)
    _free_bytes(monkeypatch, 50 * 1024**3)
    error = from_sqlite_error("disk I/O error", path)
    assert error is not None and not isinstance(error, DatabaseFull)
    assert "disk error" in str(error)


def test_check_on_a_full_disk_does_not_call_the_file_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'qidesk check' on a full disk said 'the file is damaged: disk I/O error' and to make a
    new database: the file was whole, the disk was full."""
    from qidesk.services import check_service

    path = tmp_path / "qi.sqlite"
    with Database.open(path) as db, db.unit_of_work() as session:
        session.add(Cohort(name="Spring 2026"))

    class FullDisk:
        def execute(self, *_args: object) -> None:
            raise sqlite3.OperationalError("disk I/O error")

        def close(self) -> None:
            pass

    monkeypatch.setattr(check_service, "_connect", lambda _path: FullDisk())
    _free_bytes(monkeypatch, 0)
    report = check_database(path)
    text = "\n".join(report.lines)
    assert not report.ok and "disk holding it is full" in text
    assert "damaged" not in text and "new database" not in text


def _can_mount_tmpfs() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    return (
        subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=30).returncode == 0
    )


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs root and mount namespaces (Linux)")
def test_a_database_on_a_really_full_disk(tmp_path: Path) -> None:
    """On an 8 MB disk filled to the last byte: opening (export) and check say the disk is
    full; with room again, both work and the database is whole."""
    with Database.open(tmp_path / "qi.sqlite") as db, db.unit_of_work() as session:
        session.add(Cohort(name="Spring 2026"))
    disk = tmp_path / "disk"
    disk.mkdir()
    python = f"PYTHONPATH='{SRC}' '{sys.executable}' -m qidesk"
    script = f"""
mount -t tmpfs -o size=8m tmpfs '{disk}' || exit 9
cp '{tmp_path / "qi.sqlite"}' '{disk}/qi.sqlite'
dd if=/dev/zero of='{disk}/filler' bs=64k 2>/dev/null
{python} export --db '{disk}/qi.sqlite' --out '{tmp_path}/x.xlsx'; echo "export rc=$?"
{python} check --db '{disk}/qi.sqlite'; echo "check rc=$?"
rm '{disk}/filler'
{python} check --db '{disk}/qi.sqlite' | tail -1; echo "check rc=$?"
"""
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=180
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "export rc=2" in out and "is full" in out and "disk error" not in out
    assert "check rc=1" in out and "disk holding it is full" in out and "damaged" not in out
    assert result.stdout.strip().splitlines()[-2:] == ["OK", "check rc=0"], out
    assert not (tmp_path / "x.xlsx").exists()
