"""The command line: version, demo, check, and one-line errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qidesk import __version__
from qidesk.cli import main

SRC = Path(__file__).resolve().parents[1] / "src"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qidesk", *args],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(SRC)},
        timeout=120,
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_demo_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "demo.sqlite"
    assert main(["demo", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 cohorts, 30 teams" in out
    assert main(["check", "--db", str(path)]) == 0
    assert "OK" in capsys.readouterr().out
    conn = sqlite3.connect(path)
    members = conn.execute("SELECT count(*) FROM member").fetchone()[0]
    coaches = conn.execute("SELECT count(*) FROM coach").fetchone()[0]
    conn.close()
    assert 30 * 6 <= members <= 30 * 10
    assert coaches == 10


def _content(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT t.name, t.service, t.site, c.name, m.name, m.role FROM team t "
        "JOIN cohort c ON c.uuid=t.cohort_uuid JOIN member m ON m.team_uuid=t.uuid "
        "ORDER BY t.name, m.name"
    ).fetchall()
    conn.close()
    return rows


def test_demo_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    a, b, c = (tmp_path / f"{n}.sqlite" for n in "abc")
    assert main(["demo", "--db", str(a), "--seed", "7"]) == 0
    assert main(["demo", "--db", str(b), "--seed", "7"]) == 0
    assert main(["demo", "--db", str(c), "--seed", "8"]) == 0
    assert _content(a) == _content(b)
    assert _content(a) != _content(c)


def test_demo_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.sqlite"
    assert main(["demo", "--db", str(path)]) == 0
    assert main(["demo", "--db", str(path), "--seed", "2"]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["demo", "--db", str(path), "--seed", "2", "--force"]) == 0


def test_check_reports_a_broken_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.sqlite"
    assert main(["demo", "--db", str(path)]) == 0
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("UPDATE member SET team_uuid='nope' WHERE rowid=1")
    conn.commit()
    conn.close()
    capsys.readouterr()
    assert main(["check", "--db", str(path)]) == 1
    assert "foreign_key_check" in capsys.readouterr().out


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_text("not a database")
    result = run_cli("demo", "--db", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not a QI Desk database" in result.stderr
    missing = run_cli("check", "--db", str(tmp_path / "missing.sqlite"))
    assert missing.returncode != 0 and "Traceback" not in missing.stderr


def test_locked_database_from_another_process(tmp_path: Path) -> None:
    from qidesk.store.engine import Database

    path = tmp_path / "locked.sqlite"
    with Database.open(path):
        result = run_cli("demo", "--db", str(path))
    assert result.returncode == 2
    assert "already open" in result.stderr
