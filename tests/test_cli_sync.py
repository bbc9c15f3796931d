"""The sync command line: exact options, exit statuses, --json, --dry-run, and killed merges."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from qidesk.cli import main
from qidesk.services.check_service import check_database
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.sync.preflight import check_file
from qidesk.sync.workbook_reader import read_workbook
from test_sync_io_support import (  # noqa: F401  (fixtures are found by their name)
    demo_copy_fixture,
    source_fixture,
    team_export_fixture,
)

JSON_KEYS = {"created", "updated", "deleted", "unchanged", "conflicts", "by_type", "files"}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def small_db(path: Path) -> Path:
    with Database.open(path) as db, db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9")
        team = Team(cohort=cohort, name="Ward 7")
        session.add_all([cohort, team, Member(team=team, name="Aled Jones")])
    return path


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_export_import_and_again(capsys, tmp_path: Path) -> None:
    a = small_db(tmp_path / "a.sqlite")
    out = tmp_path / "a.xlsx"
    status, text, _ = run(capsys, "export", "--db", str(a), "--out", str(out))
    assert status == 0 and "Wrote" in text and out.exists()
    b = tmp_path / "b.sqlite"
    Database.open(b).close()
    status, text, _ = run(capsys, "import", "--db", str(b), "--dry-run", "--json", str(out))
    result = json.loads(text)
    assert status == 0 and set(result) == JSON_KEYS
    # The issue's three statuses only: a dry run says what the real run would do.
    assert result["created"] > 0 and result["files"][0]["status"] == "applied"
    assert all(isinstance(result[k], int) for k in JSON_KEYS - {"by_type", "files"})
    assert result["by_type"]["Team"] == {
        "created": 1,
        "updated": 0,
        "deleted": 0,
        "unchanged": 0,
        "conflicts": 0,
    }
    before = dump(b)
    status, text, _ = run(capsys, "import", "--db", str(b), "--json", str(out))
    assert status == 0 and json.loads(text)["files"][0]["status"] == "applied"
    assert dump(b) != before
    status, text, _ = run(capsys, "import", "--db", str(b), "--json", str(out))
    result = json.loads(text)
    assert status == 0 and result["files"][0]["status"] == "unchanged"
    assert result["created"] == result["updated"] == result["conflicts"] == 0


def test_dry_run_changes_nothing(capsys, tmp_path: Path) -> None:
    a = small_db(tmp_path / "a.sqlite")
    out = tmp_path / "a.xlsx"
    run(capsys, "export", "--db", str(a), "--out", str(out))
    b = tmp_path / "b.sqlite"
    Database.open(b).close()
    before = dump(b)
    status, text, _ = run(capsys, "merge", "--db", str(b), "--dry-run", str(out))
    assert status == 0 and "Would apply" in text
    assert dump(b) == before


def test_concurrent_edits_merge_with_exit_3(capsys, tmp_path: Path) -> None:
    a = small_db(tmp_path / "a.sqlite")
    base = tmp_path / "base.xlsx"
    run(capsys, "export", "--db", str(a), "--out", str(base))
    b = tmp_path / "b.sqlite"
    Database.open(b).close()
    assert run(capsys, "import", "--db", str(b), str(base))[0] == 0
    for path, site in ((a, "Glangwili"), (b, "Withybush")):
        with Database.open(path) as db, db.unit_of_work() as session:
            session.scalars(select(Team)).one().site = site
    run(capsys, "export", "--db", str(a), "--out", str(tmp_path / "a2.xlsx"))
    run(capsys, "export", "--db", str(b), "--out", str(tmp_path / "b2.xlsx"))
    c = tmp_path / "c.sqlite"
    Database.open(c).close()
    status, text, _ = run(
        capsys,
        "merge",
        "--db",
        str(c),
        "--json",
        str(tmp_path / "a2.xlsx"),
        str(tmp_path / "b2.xlsx"),
    )
    result = json.loads(text)
    assert status == 3 and result["conflicts"] == 1
    assert [f["status"] for f in result["files"]] == ["applied", "applied"]
    # The conflict travels: C's export carries the losing head, and D gets the same conflict.
    run(capsys, "export", "--db", str(c), "--out", str(tmp_path / "c.xlsx"))
    parsed = read_workbook(tmp_path / "c.xlsx", check_file(tmp_path / "c.xlsx"))
    heads = [v for v in parsed.versions if v.is_conflict_head]
    assert [(v.record_type, v.source.sheet) for v in heads] == [("Team", "_conflicts")]
    d = tmp_path / "d.sqlite"
    Database.open(d).close()
    status, text, _ = run(capsys, "import", "--db", str(d), "--json", str(tmp_path / "c.xlsx"))
    assert status == 3 and json.loads(text)["conflicts"] == 1
    with Database.open(c) as db_c, db_c.unit_of_work() as session:
        site_c = session.scalars(select(Team)).one().site
    with Database.open(d) as db_d, db_d.unit_of_work() as session:
        assert session.scalars(select(Team)).one().site == site_c


def test_unknown_team_and_missing_database(capsys, tmp_path: Path) -> None:
    a = small_db(tmp_path / "a.sqlite")
    status, _, err = run(
        capsys,
        "export-assessment",
        "--db",
        str(a),
        "--team",
        "Nope",
        "--stage",
        "start",
        "--out",
        str(tmp_path / "p.xlsx"),
    )
    assert status == 2 and "no team named 'Nope'" in err
    status, _, err = run(
        capsys, "export", "--db", str(tmp_path / "none.sqlite"), "--out", str(tmp_path / "x.xlsx")
    )
    assert status == 2 and "no database" in err
    status, _, err = run(capsys, "export", "--db", str(a), "--out", str(tmp_path / "no" / "x.xlsx"))
    assert status == 2 and "does not exist" in err


def test_export_assessment_then_import(capsys, tmp_path: Path) -> None:
    a = small_db(tmp_path / "a.sqlite")
    pack = tmp_path / "pack.xlsx"
    status, text, _ = run(
        capsys,
        "export-assessment",
        "--db",
        str(a),
        "--team",
        "Ward 7",
        "--stage",
        "mid",
        "--out",
        str(pack),
    )
    assert status == 0 and pack.exists()
    status, text, _ = run(capsys, "import", "--db", str(a), "--json", str(pack))
    assert status == 0 and json.loads(text)["files"][0]["status"] == "unchanged"


def test_a_rejected_file_is_reported_on_stderr_too(capsys, tmp_path: Path) -> None:
    a = small_db(tmp_path / "a.sqlite")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    status, text, err = run(capsys, "import", "--db", str(a), str(bad))
    assert status == 2
    assert "Excel 97-2003" in text and "changed nothing" in err


@pytest.mark.slow
def test_a_merge_killed_at_any_moment_leaves_before_or_after(source, tmp_path: Path) -> None:
    """SIGKILL the merge at several moments: the database passes `qidesk check` and holds either
    nothing of the files or all of them."""
    files = [str(source.team), str(source.full)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    template = tmp_path / "template.sqlite"
    Database.open(template).close()
    with Database.open(source.db_path, lock=False) as db, db.unit_of_work() as session:
        all_teams = session.scalar(select(func.count()).select_from(Team))
    outcomes = set()
    for delay in (0.3, 0.9, 1.5, 2.1, 2.7, 3.3):
        db_path = tmp_path / f"kill-{delay}.sqlite"
        db_path.write_bytes(template.read_bytes())
        process = subprocess.Popen(
            [sys.executable, "-m", "qidesk", "merge", "--db", str(db_path), *files],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert check_database(db_path).ok, check_database(db_path).lines
        with Database.open(db_path) as db, db.unit_of_work() as session:
            teams = session.scalar(select(func.count()).select_from(Team))
        assert teams in (0, all_teams), teams
        outcomes.add(teams)
    assert 0 in outcomes  # at least one kill landed before the commit


def test_import_creates_a_missing_database_but_a_dry_run_does_not(capsys, tmp_path: Path) -> None:
    a = small_db(tmp_path / "a.sqlite")
    workbook = tmp_path / "a.xlsx"
    assert run(capsys, "export", "--db", str(a), "--out", str(workbook))[0] == 0
    target = tmp_path / "new" / "lead.sqlite"
    status, text, _ = run(
        capsys, "merge", "--db", str(target), "--dry-run", "--json", str(workbook)
    )
    assert status == 0 and json.loads(text)["created"] == 3
    assert not target.exists()
    status, text, _ = run(capsys, "import", "--db", str(target), "--json", str(workbook))
    assert status == 0 and json.loads(text)["created"] == 3
    assert check_database(target).ok


@pytest.mark.parametrize(
    ("flags", "valid_status"),
    [
        (["--dry-run"], "unchanged"),  # the bad file would stop the merge: nothing applied
        (["--dry-run", "--skip-invalid"], "applied"),  # what the real run would do
        ([], "unchanged"),
    ],
)
def test_json_file_statuses_are_the_issues_three(
    capsys, tmp_path: Path, flags: list[str], valid_status: str
) -> None:
    good = tmp_path / "good.xlsx"
    run(capsys, "export", "--db", str(small_db(tmp_path / "a.sqlite")), "--out", str(good))
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    target = tmp_path / "b.sqlite"
    Database.open(target).close()
    status, text, _ = run(
        capsys, "merge", "--db", str(target), "--json", *flags, str(good), str(bad)
    )
    statuses = {Path(f["path"]).name: f["status"] for f in json.loads(text)["files"]}
    assert status == 2
    assert statuses == {"good.xlsx": valid_status, "bad.xlsx": "rejected"}
