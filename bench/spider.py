"""Spider chart benchmark: redraw when switching teams, 100 charts to PNG, cohort aggregate.

Run: ``python bench/spider.py`` (offscreen; builds a demo database in a temporary folder).
Prints medians and ratios against baselines measured in the same run.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qidesk.store.engine import Database


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


CPU_SAMPLES: dict[int, list[float]] = {}


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds per call; the CPU seconds are kept in CPU_SAMPLES (keyed by result)."""
    samples = []
    cpu = []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    CPU_SAMPLES[id(samples)] = cpu
    return samples


def cpu_ms(samples: list[float]) -> float:
    """Median CPU time of a timed() result: less disturbed than wall time on a busy machine."""
    return statistics.median(CPU_SAMPLES[id(samples)]) * 1000


def main() -> int:
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import select

    from qidesk.core import assessment_stats as stats
    from qidesk.services.demo import build_demo
    from qidesk.services.registry import Services
    from qidesk.store.models import Cohort, Team
    from qidesk.ui.charts.radar_paint import render_image, save_png, team_radar_data
    from qidesk.ui.charts.spider_chart import SpiderChart

    app = QApplication.instance() or QApplication(sys.argv)
    app.setStyle("Fusion")
    folder = Path(tempfile.mkdtemp(prefix="qidesk-bench-"))
    db = Database.open(folder / "bench.sqlite")
    build_demo(db.unit_of_work, seed=1)
    services = Services.create(db)
    with db.unit_of_work() as session:
        team_uuids = list(session.scalars(select(Team.uuid).order_by(Team.name)))
        cohort_uuids = list(session.scalars(select(Cohort.uuid)))
    datas = [team_radar_data(services.assessments.team_results(u)) for u in team_uuids]
    print(f"QI Desk spider chart benchmark ({len(datas)} demo teams, 12 axes, up to 3 stages)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs (wall times suffer on a busy machine)")

    # 1. Redraw when switching teams in one widget (scene update + synchronous repaint).
    chart = SpiderChart()
    chart.resize(720, 560)
    chart.show()
    app.processEvents()
    counter = iter(range(10**9))

    def switch() -> None:
        chart.set_data(datas[next(counter) % len(datas)])
        chart.plot.viewport().repaint()

    for _ in range(10):
        switch()
    reuse = timed(switch, 200)

    def new_widget() -> None:
        widget = SpiderChart()
        widget.resize(720, 560)
        widget.show()
        widget.set_data(datas[next(counter) % len(datas)])
        widget.plot.viewport().repaint()
        widget.close()
        widget.deleteLater()
        app.processEvents()

    fresh = timed(new_widget, 30)
    print(
        f"redraw, switching teams in one widget: median {median_ms(reuse):.1f} ms "
        f"(goal < 16 ms: {'met' if median_ms(reuse) < 16 else 'NOT met'}); "
        f"p90 {sorted(reuse)[int(len(reuse) * 0.9)] * 1000:.1f} ms; "
        f"CPU median {cpu_ms(reuse):.1f} ms"
    )
    print(
        f"  baseline, a new widget per chart: median {median_ms(fresh):.1f} ms "
        f"({median_ms(fresh) / median_ms(reuse):.1f}x the reused widget; CPU "
        f"{cpu_ms(fresh) / cpu_ms(reuse):.1f}x)"
    )

    # 2. 100 team charts to PNG: print resolution (170 mm at 300 dpi) and screen size.
    out = folder / "png"
    out.mkdir()
    print_size = QSize(2008, 1606)
    draw_only = timed(lambda: render_image(datas[next(counter) % len(datas)], print_size), 20)
    index = iter(range(10**9))

    def print_png() -> None:
        i = next(index)
        image = render_image(datas[i % len(datas)], print_size)
        save_png(image, out / f"print-{i}.png")

    start = time.perf_counter()
    print_samples = timed(print_png, 100)
    print_total = time.perf_counter() - start

    def screen_png() -> None:
        i = next(index)
        chart.set_data(datas[i % len(datas)])
        save_png(chart.grab().toImage(), out / f"screen-{i}.png")

    start = time.perf_counter()
    screen_samples = timed(screen_png, 100)
    screen_total = time.perf_counter() - start
    print(
        f"100 team charts to PNG at print size (2008x1606 px, 300 dpi): {print_total:.2f} s "
        f"(median {median_ms(print_samples):.1f} ms each, of which drawing "
        f"{median_ms(draw_only):.1f} ms, PNG encoding the rest)"
    )
    print(
        f"100 team charts to PNG from the on-screen widget (720x560 px): {screen_total:.2f} s "
        f"(median {median_ms(screen_samples):.1f} ms each)"
    )

    # 3. Cohort aggregate for 150 teams (8 members, 12 items, 3 stages each).
    rng = random.Random(7)
    codes = [f"I{i}" for i in range(12)]
    teams_answers = []
    for _ in range(150):
        answers = [
            stats.Answer(stage, f"m{m}", code, rng.choice([None, 1, 2, 3, 4, 5, 3, 2]))
            for stage in stats.STAGES
            for m in range(8)
            for code in codes
        ]
        teams_answers.append(answers)

    def aggregate_from_answers() -> None:
        scores = [stats.team_scores(stats.team_summaries(a)) for a in teams_answers]
        stats.cohort_aggregate(scores, codes)

    team_scores = [stats.team_scores(stats.team_summaries(a)) for a in teams_answers]
    from_answers = timed(aggregate_from_answers, 15)
    from_scores = timed(lambda: stats.cohort_aggregate(team_scores, codes), 50)
    print(
        f"cohort aggregate for 150 teams from 43,200 answers: median "
        f"{median_ms(from_answers):.1f} ms (from the 150 teams' scores alone: "
        f"{median_ms(from_scores):.2f} ms)"
    )
    service = timed(lambda: services.assessments.cohort_capability(cohort_uuids[0]), 5)
    print(
        f"  for orientation, the cohort capability service on a demo cohort (15 teams, from "
        f"the database): median {median_ms(service):.0f} ms"
    )
    chart.close()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
