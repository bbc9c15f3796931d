"""Start-up time of the frozen build against the same code run from source, in the same run.

Prints the median wall time of ``qidesk --version`` and of opening the main window on a demo
database until it is painted (``qidesk selftest --window-only``, offscreen), frozen and from
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


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[float, str]:
    """Median wall time of ``runs`` runs (after one warm-up run), and the last output."""
    times = []
    output = ""
    for index in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        elapsed = time.perf_counter() - start
        output = (done.stdout + done.stderr).strip()
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {output}")
        if index:  # the first run warms the file cache
            times.append(elapsed)
    return statistics.median(times), output


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
    print(f"median of {args.runs} runs (after one warm-up), wall time per process start")

    with tempfile.TemporaryDirectory(prefix="qidesk-bench-") as tmp:
        work = Path(tmp)
        env = environment(work)
        db = work / "demo.sqlite"
        subprocess.run(
            [*source_command(), "demo", "--db", str(db)], check=True, env=env, capture_output=True
        )
        cases = [
            ("--version", ["--version"]),
            ("first painted window", ["--db", str(db), "selftest", "--window-only"]),
        ]
        for label, extra in cases:
            try:
                source, _ = timed([*source_command(), *extra], env, args.runs)
                frozen, _ = timed([*frozen_command(folder), *extra], env, args.runs)
            except RuntimeError as exc:
                print(f"{label:<22} not measured: {exc}")
                continue
            print(
                f"{label:<22} from source {source:6.3f} s   frozen {frozen:6.3f} s   "
                f"frozen/source {frozen / source:5.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
