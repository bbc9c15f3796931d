"""Start-up time of the frozen build against the same code run from source, in the same run.

Prints the median wall time of ``qidesk --version``, and the median time from launching
``qidesk --db DEMO`` until its main window's first paint (offscreen; the app prints
``first-paint <time>`` and quits when ``QIDESK_BENCH_FIRST_PAINT`` is set), frozen and from
source, and their ratios. Uses the build in installer/dist/qidesk (or QIDESK_FROZEN_DIST);
``--build`` makes one first. Also prints the build folder's size.

    python bench/frozen_startup.py [--runs 7] [--build]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
WINDOWS = sys.platform == "win32"


def frozen_dir() -> Path:
    return Path(os.environ.get("QIDESK_FROZEN_DIST") or ROOT / "installer" / "dist" / "qidesk")


def frozen_command(folder: Path) -> list[str]:
    return [str(folder / ("qidesk-cli.exe" if WINDOWS else "qidesk"))]


def source_command() -> list[str]:
    return [sys.executable, "-m", "qidesk"]


def environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC)
    env["QIDESK_DATA_DIR"] = str(data_dir)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One run: (seconds from launch to exit, or to the printed ``first-paint <unix time>``;
    CPU seconds of the process, user + system, where the platform reports it)."""
    before = _children_cpu()
    launched = time.time()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    elapsed = time.perf_counter() - start
    cpu = _children_cpu() - before
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {output}")
    if "QIDESK_BENCH_FIRST_PAINT" in env:
        painted = [line for line in done.stdout.splitlines() if line.startswith("first-paint ")]
        if not painted:
            raise RuntimeError(f"{' '.join(command)} printed no first-paint: {output}")
        elapsed = float(painted[0].split()[1]) - launched
    return elapsed, cpu


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def compare(
    commands: dict[str, list[str]], env: dict[str, str], runs: int
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) of each command over ``runs`` runs, taking turns (so a busy machine
    slows all alike), after one warm-up run of each."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for index in range(runs + 1):
        for name, command in commands.items():
            sample = run_once(command, env)
            if index:
                samples[name].append(sample)
    return {
        name: (
            statistics.median(wall for wall, _ in values),
            statistics.median(cpu for _, cpu in values),
        )
        for name, values in samples.items()
    }


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--build", action="store_true", help="build the frozen app first")
    args = parser.parse_args()

    folder = frozen_dir()
    if args.build:
        subprocess.run(
            [sys.executable, str(ROOT / "installer" / "build.py"), "--no-archive"], check=True
        )
    if not Path(frozen_command(folder)[0]).exists():
        print(f"no frozen build in {folder}: run `python installer/build.py` (or pass --build)")
        return 0
    print(f"frozen build: {folder} ({folder_size(folder) / 1e6:.1f} MB)")
    print(
        f"medians of {args.runs} runs each (after a warm-up), taking turns; wall = seconds from "
        "launch to exit (--version) or to the first paint of the main window (offscreen)"
    )

    with tempfile.TemporaryDirectory(prefix="qidesk-bench-") as tmp:
        work = Path(tmp)
        env = environment(work)
        db = work / "demo.sqlite"
        subprocess.run(
            [*source_command(), "demo", "--db", str(db)], check=True, env=env, capture_output=True
        )
        paint_env = {**env, "QIDESK_BENCH_FIRST_PAINT": "1"}
        cases = [
            ("--version", ["--version"], env),
            ("first painted window", ["--db", str(db)], paint_env),
        ]
        for label, extra, case_env in cases:
            commands = {
                "source": [*source_command(), *extra],
                "frozen": [*frozen_command(folder), *extra],
            }
            try:
                medians = compare(commands, case_env, args.runs)
            except RuntimeError as exc:
                print(f"{label:<22} not measured: {exc}")
                continue
            (source, source_cpu), (frozen, frozen_cpu) = medians["source"], medians["frozen"]
            print(
                f"{label:<22} wall: source {source:6.3f} s  frozen {frozen:6.3f} s  "
                f"ratio {frozen / source:4.2f}   CPU: source {source_cpu:6.3f} s  "
                f"frozen {frozen_cpu:6.3f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
