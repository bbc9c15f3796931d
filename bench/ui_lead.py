"""The window on a QIST lead's database: how long each click or keystroke keeps it busy.

Builds the lead database by merging the coach workbooks (default ``/work/benchwb2/coach-*.xlsx``,
only read) into a temporary database, or copies ``--db LEAD.sqlite``. With ``--conflicts N``
(default 620) a copy of it is edited apart, exported and merged back so that about N records are
in conflict. Then it opens the main window offscreen and times what a lead does: filter the
navigator, open cohorts and teams and their tabs, the Conflicts page, the Import log, Coaches,
Recently deleted. Prints the median milliseconds of each (anything above ~300 ms is felt as a
freeze), and for the Conflicts page the ratio of listing all conflicts to describing each one
alone (the way it was listed before), measured in the same run.

    PYTHONPATH=src python bench/ui_lead.py [--db LEAD.sqlite] [--conflicts 620] [--repeat 5]
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEFAULT_WORKBOOKS = "/work/benchwb2/coach-*.xlsx"


def _cli(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-m", "qidesk", *args], env=env, capture_output=True)
    if result.returncode not in (0, 3):
        raise SystemExit(result.stderr.decode())


def build_lead(folder: Path, workbooks: str, source: Path | None) -> Path:
    lead = folder / "lead.sqlite"
    if source is not None:
        shutil.copyfile(source, lead)
    else:
        files = sorted(glob.glob(workbooks))
        if not files:
            raise SystemExit(f"no workbooks match {workbooks}")
        _cli("merge", "--db", str(lead), *files)
    return lead


def add_conflicts(folder: Path, lead: Path, n: int) -> None:
    """Edit ``n`` records (teams, members, PDSA cycles, answers) on the lead and on a copy of
    it, export the copy and merge it back: each is then in conflict."""
    from sqlalchemy import select

    from qidesk.store.engine import Database
    from qidesk.store.models import Member, PdsaCycle, Team
    from qidesk.store.models.assessment import AssessmentResponse

    other = folder / "other.sqlite"
    shutil.copyfile(lead, other)
    share = max(n // 4, 1)
    for path, tag in ((lead, "lead"), (other, "coach")):
        with Database.open(path) as db, db.unit_of_work() as session:
            for model, attr in (
                (Team, "project_title"),
                (Member, "role"),
                (PdsaCycle, "study_learning"),
                (AssessmentResponse, "comment"),
            ):
                key = model.uuid  # type: ignore[attr-defined]
                for record in session.scalars(select(model).order_by(key).limit(share)):
                    setattr(record, attr, f"{tag}: {attr}")
    _cli("export", "--db", str(other), "--out", str(folder / "other.xlsx"))
    _cli("merge", "--db", str(lead), str(folder / "other.xlsx"))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="a lead database (a copy is used)")
    parser.add_argument("--workbooks", default=DEFAULT_WORKBOOKS)
    parser.add_argument("--conflicts", type=int, default=620)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="qidesk-ui-lead-"))
    try:
        started = time.perf_counter()
        lead = build_lead(folder, args.workbooks, args.db)
        if args.conflicts:
            add_conflicts(folder, lead, args.conflicts)
        print(f"lead database ready in {time.perf_counter() - started:.1f} s", flush=True)
        return measure(lead, args.repeat)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _one_by_one(db: object) -> None:
    """How list_conflicts described the conflicts before it read them in bulk: each record's
    versions, then each name its values refer to, one query at a time."""
    from qidesk.services import conflict_service
    from qidesk.sync import merge

    with db.unit_of_work() as session:  # type: ignore[attr-defined]
        describer = conflict_service._Describer(session)
        for record_type, uuid in merge.open_conflicts(session):
            conflict_service._describe(session, describer, record_type, uuid)


def measure(lead: Path, repeat: int) -> int:
    from PySide6.QtWidgets import QApplication

    from qidesk.services.registry import Services
    from qidesk.store.engine import Database
    from qidesk.ui.context import UiContext
    from qidesk.ui.main_window import MainWindow
    from qidesk.ui.navigator import Selection

    app = QApplication([])
    app.setStyle("Fusion")

    def settle() -> None:
        for _ in range(3):
            app.processEvents()

    results: list[tuple[str, float]] = []

    def timed(label: str, action: Callable[[], object], n: int = repeat) -> float:
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            action()
            settle()
            samples.append(time.perf_counter() - start)
        median = statistics.median(samples) * 1000
        results.append((label, median))
        flag = "  <- over 300 ms" if median > 300 else ""
        print(f"{label:52s} {median:8.1f} ms  (n={n}){flag}", flush=True)
        return median

    db = Database.open(lead)
    services = Services.create(db)
    window: list[MainWindow] = []

    def build() -> None:
        window.append(MainWindow(UiContext(services)))
        window[-1].resize(1366, 768)
        window[-1].show()

    timed("open the window (first page shown)", build, 1)
    w = window[-1]
    cold = timed("import the chart tabs' modules (warm_up)", w.warm_up, 1)
    nav = w.navigator

    def filter_by(text: str) -> Callable[[], None]:
        def run() -> None:
            nav.filter_edit.setText(text)
            nav._filter_timer.stop()
            nav.reload()

        return run

    timed("navigator filter 'e' (many teams)", filter_by("e"))
    timed("navigator filter 'emergency'", filter_by("emergency"))
    timed("navigator filter cleared", filter_by(""))
    cohorts = [nav.model.index(r, 0) for r in range(nav.model.rowCount())]
    teams = [nav.model.index(i, 0, c) for c in cohorts for i in range(nav.model.rowCount(c))]

    def cycle(indexes: list) -> Callable[[], None]:  # type: ignore[type-arg]
        it = iter(indexes * 4)
        return lambda: nav.tree.setCurrentIndex(next(it))

    timed("open a cohort (Teams tab)", cycle(cohorts[1:]))
    page = w._cohort_page()
    for i in range(1, page.tabs.count()):
        title = page.tabs.tabText(i)
        timed(f"first open of cohort tab {title}", lambda i=i: page.tabs.setCurrentIndex(i), 1)
        timed(f"another cohort on tab {title}", cycle(cohorts[5:]))
    timed("open a team (Overview)", cycle(teams[7::13]))
    team_page = w._team_page()
    for i in range(1, team_page.tabs.count()):
        title = team_page.tabs.tabText(i)
        timed(f"first open of team tab {title}", lambda i=i: team_page.tabs.setCurrentIndex(i), 1)
        timed(f"another team on tab {title}", cycle(teams[11::17]))
    for key in ("conflicts", "import_log", "coaches", "deleted"):
        timed(f"page {key} (first time)", lambda key=key: w.select(Selection("fixed", key)), 1)

        def again(key: str = key) -> None:
            nav.tree.setCurrentIndex(teams[0])
            settle()
            w.select(Selection("fixed", key))

        timed(f"page {key} (again)", again)
    timed("status bar after a save", lambda: w.context.notify_saved())
    timed("after an import (refresh_counts)", w.refresh_counts)

    conflicts = services.conflicts
    listed: list[object] = []

    def list_all() -> None:
        listed[:] = conflicts.list_conflicts()

    listing = timed("ConflictService.list_conflicts", list_all, 3)
    one_by_one = timed("the same, one record at a time (as before)", lambda: _one_by_one(db), 3)
    print(f"conflicts listed: {len(listed)}")
    print(f"ratio list_conflicts / one record at a time: {listing / one_by_one:.2f}")
    print(f"first chart tab without warm_up would add: {cold:.0f} ms")
    over = [
        label
        for label, ms in results
        if ms > 300 and "warm_up" not in label and "as before" not in label
    ]
    print("over 300 ms:", ", ".join(over) if over else "nothing")
    w.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
