"""PDSA timeline speed: build and paint, then update after one cycle's dates change.

Two charts: a team timeline of 60 cycles (5 change ideas) and a cohort timeline of 15 teams x
40 cycles. For each it prints the median of several runs of
- build: ``set_data`` and the first paint;
- update: one cycle's dates change (``update_cycle``) and the chart is painted again;
- repaint: painting again with nothing changed (the baseline of the same run);
and the ratios update/repaint and update/16 ms (the goal: every figure after the first paint
under one frame, 16 ms). Runs offscreen at 1366 x 768.

    python bench/timeline.py [--runs 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from qidesk.core.timeline_layout import TimelineCycle, TimelineLane
from qidesk.ui.charts.timeline_chart import TimelineChart

FRAME_MS = 16.0
TODAY = date(2026, 11, 26)


def make_cycles(
    rng: random.Random, lanes: list[TimelineLane], per_lane: int, start: date
) -> list[TimelineCycle]:
    """Ramps of plausible cycles over nine months in each lane."""
    cycles: list[TimelineCycle] = []
    for lane in lanes:
        ramp_start = start + timedelta(days=rng.randint(0, 40))
        previous: str | None = None
        for n in range(1, per_lane + 1):
            days = rng.choice([7, 10, 14, 21])
            ps = ramp_start
            pe = ps + timedelta(days=days - 1)
            actual = ps + timedelta(days=rng.randint(0, 3))
            done = pe < TODAY
            uuid = f"{lane.key}-{n}"
            cycles.append(
                TimelineCycle(
                    uuid=uuid,
                    lane_key=lane.key,
                    cycle_number=n,
                    title=f"Cycle {n} of {lane.title}",
                    planned_start=ps,
                    planned_end=pe,
                    actual_start=actual if actual <= TODAY else None,
                    actual_end=pe + timedelta(days=rng.randint(0, 4)) if done else None,
                    decision=rng.choice(["adopt", "adapt", "adapt", "abandon"]) if done else None,
                    status="done" if done else "planned",
                    previous_uuid=previous,
                )
            )
            previous = uuid
            ramp_start = pe + timedelta(days=rng.randint(-5, 10))
            if rng.random() < 0.15:  # a new ramp starts, overlapping the old one
                ramp_start -= timedelta(days=rng.randint(10, 40))
                previous = None
    return cycles


def paint(app: QApplication, chart: TimelineChart) -> None:
    """Let Qt lay out and paint what changed (one frame), as the event loop would."""
    chart.graphics.viewport().update()
    app.processEvents()


def ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def measure(
    app: QApplication, name: str, lanes: list[TimelineLane], cycles: list[TimelineCycle], runs: int
) -> None:
    builds, updates, repaints, layouts = [], [], [], []
    keep: list[TimelineChart] = []
    rng = random.Random(7)
    for _ in range(max(3, runs // 5)):
        chart = TimelineChart()
        chart.resize(1100, 520)
        chart.show()
        app.processEvents()
        t0 = time.perf_counter()
        chart.set_data(lanes, cycles, TODAY, stall_days=42)
        paint(app, chart)
        builds.append(time.perf_counter() - t0)
        chart.hide()
        keep.append(chart)  # destroyed at exit, not while measuring
    chart = TimelineChart()
    chart.resize(1100, 520)
    chart.show()
    chart.set_data(lanes, cycles, TODAY, stall_days=42)
    paint(app, chart)
    for _ in range(runs):
        t0 = time.perf_counter()
        paint(app, chart)
        repaints.append(time.perf_counter() - t0)
        cycle = rng.choice(cycles)
        shift = timedelta(days=rng.choice([-3, -2, -1, 1, 2, 3]))
        changed = dataclasses.replace(
            cycle,
            planned_start=cycle.planned_start + shift if cycle.planned_start else None,
            planned_end=cycle.planned_end + shift if cycle.planned_end else None,
        )
        t0 = time.perf_counter()
        chart.update_cycle(changed)
        t1 = time.perf_counter()
        paint(app, chart)
        updates.append(time.perf_counter() - t0)
        layouts.append(t1 - t0)
    update, repaint = ms(updates), ms(repaints)
    print(
        f"{name:<28} {len(cycles):>4} cycles  build+first paint {ms(builds):7.1f} ms   "
        f"update {update:6.2f} ms (layout {ms(layouts):5.2f})   repaint {repaint:6.2f} ms   "
        f"update/repaint {update / repaint:4.1f}x   update/frame {update / FRAME_MS:4.2f}"
    )
    chart.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    rng = random.Random(1)
    team_lanes = [TimelineLane(f"idea{i}", f"Change idea {i}") for i in range(5)]
    team_cycles = make_cycles(rng, team_lanes, 12, date(2026, 2, 1))
    cohort_lanes = [TimelineLane(f"team{i}", f"Team {i}") for i in range(15)]
    cohort_cycles = make_cycles(rng, cohort_lanes, 40, date(2026, 2, 1))
    print(
        f"medians of {args.runs} runs (build: {max(3, args.runs // 5)} runs); goal < {FRAME_MS} ms"
    )
    measure(app, "team timeline", team_lanes, team_cycles, args.runs)
    measure(app, "cohort timeline (15 x 40)", cohort_lanes, cohort_cycles, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
