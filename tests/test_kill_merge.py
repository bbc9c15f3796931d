"""A merge killed at a random point leaves the database sound and wholly before or after it."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qidesk.cli import main as cli_main
from qidesk.store.engine import Database
from qidesk.store.models import Cohort

SRC = Path(__file__).resolve().parents[1] / "src"
TABLES = ("cohort", "team", "member", "record_version", "sync_conflict_head", "sync_import_log")
#: Records the big merge brings: cohorts, 4 teams each, 5 members per team.
COHORTS = 150
#: Cohorts the target already has (edited there, so the merge records conflicts for them).
SHARED = 50

MERGE_SCRIPT = """
import sys, time
from datetime import datetime
from qidesk.core.ids import natural_uuid
from qidesk.store.base import APPLYING_RECEIVED_VERSIONS
from qidesk.cli import main as cli_main
from qidesk.store.engine import Database
from qidesk.sync.merge import apply_plan, log_import, plan_merge
from qidesk.sync.versions import CellRef, IncomingVersion

cohorts, path = int(sys.argv[1]), sys.argv[2]
at = datetime(2026, 11, 1, 9, 0)
def version(kind, uid, values):
    return IncomingVersion(kind, uid, "source:1", at, "source", None, values,
                           CellRef("big.xlsx", kind + "s"))
versions = []
for c in range(cohorts):
    cohort = natural_uuid("kill-test-cohort", str(c))
    versions.append(version("Cohort", cohort, dict(name=f"Cohort {c} (source)", start_date=None,
                            end_date=None, status="running", notes="")))
    for t in range(4):
        team = natural_uuid("kill-test-team", str(c), str(t))
        versions.append(version("Team", team, dict(
            cohort_uuid=cohort, name=f"Team {c}.{t}", service="", directorate="", site="",
            project_title="", aim_statement="", focus_areas="", strategic_objectives="",
            quality_domains="", coach_uuid=None, buddy_coach_uuid=None, status="active",
            partner_agencies="")))
        for m in range(5):
            versions.append(version("Member", natural_uuid("kill-test-member", team, str(m)),
                dict(team_uuid=team, name=f"Member {m}", role="", email="", active=True)))
with Database.open(path) as db:
    with db.unit_of_work() as session:
        plan = plan_merge(session, versions)
        session.info[APPLYING_RECEIVED_VERSIONS] = True
        print("applying", flush=True)
        started = time.monotonic()
        apply_plan(session, plan, import_id="kill-test")
        log_import(session, export_id="big", file_name="big.xlsx", file_hash="0",
                   summary=plan.summary(), import_id="kill-test")
print(time.monotonic() - started, flush=True)
"""


def _counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def _run_merge(path: Path, kill_after: float | None) -> tuple[bool, float]:
    """Run the big merge in a child process; SIGKILL it ``kill_after`` s after it starts
    applying. Returns (finished, seconds the child took to apply and commit, if it says)."""
    env = dict(os.environ, PYTHONPATH=str(SRC))
    child = subprocess.Popen(
        [sys.executable, "-c", MERGE_SCRIPT, str(COHORTS), str(path)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "applying", line
    if kill_after is None:
        applied = float(child.stdout.readline())  # seconds to apply and commit
        assert child.wait(timeout=120) == 0
        return True, applied
    time.sleep(kill_after)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    return child.returncode == 0, 0.0


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``qidesk check --db PATH`` (the command's own code, run in this process)."""
    status = cli_main(["check", "--db", str(path)])
    out = capsys.readouterr().out
    assert status == 0 and out.strip().endswith("OK"), out


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_merge_leaves_the_database_wholly_before_or_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from qidesk.core.ids import natural_uuid

    base = tmp_path / "base.sqlite"
    with Database.open(base, installation_id="target") as db, db.unit_of_work() as session:
        for c in range(SHARED):
            session.add(
                Cohort(uuid=natural_uuid("kill-test-cohort", str(c)), name=f"Cohort {c} (here)")
            )
    before = _counts(base)

    complete = tmp_path / "complete.sqlite"
    shutil.copyfile(base, complete)
    finished, duration = _run_merge(complete, None)
    assert finished
    after = _counts(complete)
    assert after["sync_conflict_head"] == SHARED and after["member"] == COHORTS * 20
    _check(complete, capsys)

    rng = random.Random(5)
    outcomes = []
    for attempt in range(3):
        target = tmp_path / f"killed-{attempt}.sqlite"
        shutil.copyfile(base, target)
        _run_merge(target, rng.uniform(0.0, duration * 1.2))
        _check(target, capsys)
        counts = _counts(target)
        assert counts in (before, after), counts
        outcomes.append("after" if counts == after else "before")
    # The database still opens, and merging again completes it (or, after, changes nothing).
    last = tmp_path / "killed-2.sqlite"
    assert _run_merge(last, None)[0]
    data = [t for t in TABLES if t != "sync_import_log"]
    assert {t: _counts(last)[t] for t in data} == {t: after[t] for t in data}
