"""One database, one writer: however its path is spelled, and never through two hard links."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from qidesk.store.engine import Database
from qidesk.store.errors import DatabaseLocked, StoreError
from qidesk.store.models import Cohort

SRC = Path(__file__).resolve().parents[1] / "src"


def _with_cohort(path: Path, name: str) -> Path:
    with Database.open(path) as db, db.unit_of_work() as session:
        session.add(Cohort(name=name))
    return path


def _cohort_names(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM cohort ORDER BY name")]
    finally:
        conn.close()


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges there")
def test_every_spelling_of_one_database_meets_the_same_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A linked folder, a link to the file, a relative path and a path through '..' all
    reach the one lock beside the real file: a second QI Desk is refused, whichever it used."""
    real = tmp_path / "shared" / "lead.sqlite"
    real.parent.mkdir()
    _with_cohort(real, "Spring 2026")
    (tmp_path / "mapped").symlink_to(real.parent, target_is_directory=True)
    (tmp_path / "shortcut.sqlite").symlink_to(real)
    monkeypatch.chdir(tmp_path)
    spellings = [
        tmp_path / "mapped" / "lead.sqlite",
        tmp_path / "shortcut.sqlite",
        Path("shared/lead.sqlite"),
        tmp_path / "mapped" / ".." / "shared" / "lead.sqlite",
    ]
    with Database.open(real):
        for spelling in spellings:
            with pytest.raises(DatabaseLocked, match="already open"):
                Database.open(spelling)
    with Database.open(spellings[0]) as db:  # and each opens the real file once it is free
        assert db.path == real.resolve()
        with pytest.raises(DatabaseLocked):
            Database.open(real)
    assert sorted(p.name for p in real.parent.iterdir() if p.suffix == ".lock") == [
        "lead.sqlite.lock"
    ]


@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links")
def test_a_database_with_two_hard_links_is_refused_by_either_name(tmp_path: Path) -> None:
    """Two names of one file (a hard link, as 'cp -l' or some backup tools make) each got
    their own lock file and their own SQLite journal (NAME-wal): two windows could both write
    the one file at once, neither seeing the other's changes, and the journal checkpointed
    last overwrote the other's pages (tried with two sqlite3 processes: 300 rows written
    through one name were gone, and integrity_check still said ok)."""
    real = _with_cohort(tmp_path / "lead.sqlite", "Spring 2026")
    other = tmp_path / "lead copy.sqlite"
    os.link(real, other)
    for name in (real, other):
        with pytest.raises(StoreError) as raised:
            Database.open(name)
        message = str(raised.value)
        assert "2 names" in message and "hard links" in message and "copy" in message
    assert not Path(f"{other}.lock").exists()
    assert not Path(f"{other}-wal").exists() and not Path(f"{real}-wal").exists()
    # What the message says to do works: a copy is a file of its own.
    copy = tmp_path / "lead-own.sqlite"
    shutil.copyfile(real, copy)
    with Database.open(copy) as db, db.unit_of_work() as session:
        assert list(session.scalars(select(Cohort.name))) == ["Spring 2026"]
    other.unlink()  # with one name left, the file opens again
    with Database.open(real):
        pass
    assert _cohort_names(real) == ["Spring 2026"]


@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links")
def test_a_hard_linked_database_is_one_line_from_the_command_line_and_a_box_in_the_window(
    tmp_path: Path, application
) -> None:
    real = _with_cohort(tmp_path / "lead.sqlite", "Spring 2026")
    os.link(real, tmp_path / "again.sqlite")
    result = subprocess.run(
        [sys.executable, "-m", "qidesk", "export", "--db", str(real), "--out", "x.xlsx"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "hard links" in result.stderr
    assert application.open_path(real, initial=True) is False
    assert "hard links" in application.messages[0] and application.db is None


def test_opening_the_open_database_by_another_spelling_keeps_it_open(
    tmp_path: Path, application
) -> None:
    """Choosing the database already open in this window (by a link, or another spelling)
    leaves it open, rather than saying another window has it."""
    real = _with_cohort(tmp_path / "lead.sqlite", "Spring 2026")
    assert application.open_path(real, initial=True)
    window = application.window
    spellings = [tmp_path / "." / "lead.sqlite"]
    if sys.platform != "win32":
        (tmp_path / "link.sqlite").symlink_to(real)
        spellings.append(tmp_path / "link.sqlite")
    for spelling in spellings:
        assert application.open_path(spelling, initial=False)
    assert application.messages == [] and application.window is window


BIND_MOUNTED = """
import subprocess, sys
from pathlib import Path
from qidesk import app as app_module
real, mounted = Path(sys.argv[1]), Path(sys.argv[2])
said = []
app_module.ask_after_open_failure = lambda _p, message, *, initial: said.append(message) or "quit"
application = app_module.Application(app_module.make_qapplication(), app_module.app_settings())
assert application.open_path(real, initial=True)
window = application.window
application.open_path(mounted, initial=False)
print("said:", said, "same window:", application.window is window, flush=True)
other = subprocess.run(
    [sys.executable, "-c", "import sys\\nfrom qidesk.store.engine import Database\\n"
     "try:\\n    Database.open(sys.argv[1])\\nexcept Exception as e:\\n    print(type(e).__name__)",
     str(mounted)],
    capture_output=True, text=True,
)
print("another process:", other.stdout.strip(), other.stderr.strip()[-300:], flush=True)
application.close()
"""


def _can_bind_mount() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_bind_mount(), reason="needs root and mount namespaces (Linux)")
def test_the_open_database_reached_through_another_mount_is_not_another_window(
    tmp_path: Path,
) -> None:
    """The same folder mounted twice (as a mapped drive and its network path are): choosing
    the open database by the other mount's path said it was open in another QI Desk window.
    Another process coming through the other mount meets the same lock and is refused."""
    real = _with_cohort(tmp_path / "shared" / "lead.sqlite", "Spring 2026")
    mounted = tmp_path / "mnt"
    mounted.mkdir()
    script = tmp_path / "bind.py"
    script.write_text(BIND_MOUNTED)
    command = (
        f"mount --bind '{real.parent}' '{mounted}' && "
        f"'{sys.executable}' '{script}' '{real}' '{mounted / 'lead.sqlite'}'"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "said: [] same window: True" in result.stdout, result.stdout + result.stderr
    assert "another process: DatabaseLocked" in result.stdout, result.stdout
