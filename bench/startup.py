"""Start-up time: process start to the first painted main window, against a bare PlotWidget.

Each run starts a fresh process. QI Desk runs ``python -m qidesk --db DEMO`` with
``QIDESK_BENCH_FIRST_PAINT`` set, so the real entry point prints the time of the window's first
paint and quits. The baseline is a bare PySide6 main window holding one pyqtgraph PlotWidget,
timed the same way in the same run. Prints the medians and, as the last line, the ratio.

    python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASELINE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg

class Probe(QObject):
    done = False
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            QTimer.singleShot(0, self.painted)
        return False
    def painted(self):
        print(f"first-paint {time.time():.6f}", flush=True)
        app.quit()

app = QApplication(sys.argv[:1])
app.setStyle("Fusion")
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1366, 768)
probe = Probe()
app.installEventFilter(probe)
window.show()
app.exec()
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["QIDESK_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["QIDESK_BENCH_FIRST_PAINT"] = "1"
    # An installed app has bytecode: let the warm-up runs write it, as a first start would.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _time(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds from process start to first paint, CPU seconds of the whole process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith("first-paint ")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"{command[:3]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return float(lines[-1].split()[1]) - start, cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qidesk-bench-") as folder:
        work = Path(folder)
        env = _env(work / "data")
        demo = work / "demo.sqlite"
        subprocess.run(
            [sys.executable, "-m", "qidesk", "demo", "--db", str(demo)],
            env=env,
            check=True,
            capture_output=True,
        )
        qidesk_cmd = [sys.executable, "-m", "qidesk", "--db", str(demo)]
        baseline_cmd = [sys.executable, "-c", BASELINE]
        # One warm-up each (file cache), then alternate so both see the same machine state.
        _time(qidesk_cmd, env)
        _time(baseline_cmd, env)
        app_runs: list[tuple[float, float]] = []
        base_runs: list[tuple[float, float]] = []
        for _ in range(args.runs):
            base_runs.append(_time(baseline_cmd, env))
            app_runs.append(_time(qidesk_cmd, env))
    base_times, base_cpu = [w for w, _ in base_runs], [c for _, c in base_runs]
    app_times, app_cpu = [w for w, _ in app_runs], [c for _, c in app_runs]
    base = statistics.median(base_times)
    app = statistics.median(app_times)
    print(f"runs: {args.runs} each, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"bare PySide6 window + PlotWidget: median {base:.3f} s  ({_fmt(base_times)})")
    print(f"QI Desk main window (demo db):    median {app:.3f} s  ({_fmt(app_times)})")
    base_c, app_c = statistics.median(base_cpu), statistics.median(app_cpu)
    print(
        f"CPU time of the whole process (less sensitive to other load): baseline {base_c:.3f} s,"
        f" QI Desk {app_c:.3f} s, ratio {app_c / base_c:.2f}"
    )
    print(f"ratio {app / base:.2f}")
    return 0


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


if __name__ == "__main__":
    raise SystemExit(main())
