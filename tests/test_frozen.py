"""The frozen (PyInstaller) build: it starts, makes and checks a database, and passes selftest.

Building takes a minute or two, so these run only with ``QIDESK_RUN_FROZEN=1`` (``.ci/run``
sets it). ``QIDESK_FROZEN_DIST=installer/dist/qidesk`` reuses a build made by
``python installer/build.py`` instead of building again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from qidesk import __version__

ROOT = Path(__file__).resolve().parents[1]
BUILD_SCRIPT = ROOT / "installer" / "build.py"
DEFAULT_DIST = ROOT / "installer" / "dist" / "qidesk"
WINDOWS = sys.platform == "win32"

pytestmark = [
    pytest.mark.frozen,
    pytest.mark.skipif(
        os.environ.get("QIDESK_RUN_FROZEN") != "1",
        reason="frozen-build tests run only with QIDESK_RUN_FROZEN=1 (.ci/run sets it, so CI "
        "runs them); they build the app with PyInstaller first (set QIDESK_FROZEN_DIST to "
        "reuse a build)",
    ),
]


@pytest.fixture(scope="module")
def frozen_dir() -> Iterator[Path]:
    """The one-folder build: reused from QIDESK_FROZEN_DIST, else built now."""
    reuse = os.environ.get("QIDESK_FROZEN_DIST")
    if reuse:
        folder = Path(reuse).resolve()
        assert folder.is_dir(), f"QIDESK_FROZEN_DIST={reuse} is not a folder"
    else:
        done = subprocess.run(
            [sys.executable, str(BUILD_SCRIPT), "--no-archive"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert done.returncode == 0, f"build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        folder = DEFAULT_DIST
    yield folder


def frozen_exe(folder: Path) -> Path:
    return folder / ("qidesk-cli.exe" if WINDOWS else "qidesk")


def run_frozen(
    folder: Path, *args: str, data_dir: Path, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    """Run the frozen program with a bare environment: no Python, no PYTHONPATH, no display."""
    env = {
        "PATH": os.defpath if not WINDOWS else os.environ.get("PATH", ""),
        "HOME": str(data_dir),
        "QIDESK_DATA_DIR": str(data_dir),
        "LANG": "C.UTF-8",
    }
    if WINDOWS:
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", r"C:\Windows")
    return subprocess.run(
        [str(frozen_exe(folder)), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def test_frozen_version(frozen_dir: Path, tmp_path: Path) -> None:
    done = run_frozen(frozen_dir, "--version", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"QI Desk {__version__}"


def test_frozen_demo_then_check(frozen_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    demo = run_frozen(frozen_dir, "demo", "--db", str(db), data_dir=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "2 cohorts, 30 teams" in demo.stdout
    check = run_frozen(frozen_dir, "check", "--db", str(db), data_dir=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip().splitlines()[-1] == "OK"


def test_frozen_selftest(frozen_dir: Path, tmp_path: Path) -> None:
    keep = tmp_path / "selftest"
    done = run_frozen(frozen_dir, "selftest", "--keep", str(keep), data_dir=tmp_path)
    lines = done.stdout.strip().splitlines()
    steps = [line for line in lines if line.startswith(("PASS", "FAIL"))]
    assert steps, done.stdout + done.stderr
    failed = [line for line in steps if line.startswith("FAIL")]
    assert failed == [], "\n".join(lines) + "\n" + done.stderr
    assert done.returncode == 0
    assert "(frozen," in lines[0]
    assert lines[-1].startswith("selftest passed")


def test_frozen_bundle_has_resources_and_migrations_and_no_unused_qt(frozen_dir: Path) -> None:
    internal = frozen_dir / "_internal"
    package = internal / "qidesk"
    assert (package / "resources" / "icons" / "qidesk.svg").is_file()
    assert (package / "resources" / "linux" / "qidesk.desktop").is_file()
    assert (package / "store" / "migrations" / "env.py").is_file()
    shipped = {p.name for p in (package / "store" / "migrations" / "versions").glob("*.py")}
    in_source = {p.name for p in (ROOT / "src/qidesk/store/migrations/versions").glob("*.py")}
    assert shipped == in_source
    names = {p.name.lower() for p in internal.rglob("*")}
    for unwanted in ("qtwebengine", "qtqml", "qtquick", "qt3d", "qtmultimedia", "qtnetwork"):
        assert not [n for n in names if n.startswith(unwanted) or f"qt6{unwanted[2:]}" in n], (
            f"{unwanted} is bundled"
        )
    assert not [n for n in names if n.startswith(("tkinter", "_tkinter", "libtk", "libtcl"))]
