"""The frozen (PyInstaller) build: it starts, makes and checks a database, and passes selftest.

Building takes a minute or two, so the tests marked ``frozen`` run only with
``QIDESK_RUN_FROZEN=1`` (``.ci/run`` sets it). ``QIDESK_FROZEN_DIST=installer/dist/qidesk``
reuses a build made by ``python installer/build.py`` instead of building again. The quick tests
at the end check the files the build and the installers are made from.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import struct
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

needs_frozen = pytest.mark.skipif(
    os.environ.get("QIDESK_RUN_FROZEN") != "1",
    reason="frozen-build tests run only with QIDESK_RUN_FROZEN=1 (.ci/run sets it, so CI "
    "runs them); they build the app with PyInstaller first (set QIDESK_FROZEN_DIST to "
    "reuse a build)",
)


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


@pytest.mark.frozen
@needs_frozen
def test_frozen_version(frozen_dir: Path, tmp_path: Path) -> None:
    done = run_frozen(frozen_dir, "--version", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"QI Desk {__version__}"


@pytest.mark.frozen
@needs_frozen
def test_frozen_demo_then_check(frozen_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    demo = run_frozen(frozen_dir, "demo", "--db", str(db), data_dir=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "2 cohorts, 30 teams" in demo.stdout
    check = run_frozen(frozen_dir, "check", "--db", str(db), data_dir=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip().splitlines()[-1] == "OK"


@pytest.mark.frozen
@needs_frozen
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


@pytest.mark.frozen
@needs_frozen
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
    # A guard against something big slipping in (the build is about 200 MB on Linux).
    size = sum(p.stat().st_size for p in frozen_dir.rglob("*") if p.is_file())
    assert size < 300_000_000, f"the build folder grew to {size / 1e6:.0f} MB"


@pytest.mark.frozen
@needs_frozen
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="install.sh is for Linux")
def test_linux_install_script_adds_menu_entry_and_uninstall_keeps_data(
    frozen_dir: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    unpacked = tmp_path / "unpacked" / "qidesk"
    shutil.copytree(frozen_dir, unpacked, symlinks=True)
    env = {"PATH": os.defpath, "HOME": str(home)}
    subprocess.run(["sh", str(unpacked / "install.sh")], check=True, env=env, timeout=120)
    opt = home / ".local" / "opt" / "qidesk"
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(home / ".local/share/applications/qidesk.desktop", encoding="utf-8")
    assert entry["Desktop Entry"]["Exec"] == str(opt / "qidesk")
    assert (home / ".local/share/icons/hicolor/256x256/apps/qidesk.png").is_file()
    done = subprocess.run(
        [str(home / ".local/bin/qidesk"), "--version"], capture_output=True, text=True, env=env
    )
    assert done.stdout.strip() == f"QI Desk {__version__}"
    data = home / ".local/share/qidesk/qidesk.sqlite"
    data.parent.mkdir(parents=True)
    data.write_bytes(b"the user's data")
    subprocess.run(["sh", str(opt / "install.sh"), "--uninstall"], check=True, env=env)
    assert not opt.exists()
    assert not (home / ".local/bin/qidesk").exists()
    assert not (home / ".local/share/applications/qidesk.desktop").exists()
    assert data.read_bytes() == b"the user's data"


# --- the files the build and the installers are made from (quick, always run) ---------------


def test_icons_are_rendered_at_every_size() -> None:
    icons = ROOT / "resources" / "icons"
    for size in (16, 32, 48, 256):
        header = (icons / f"qidesk-{size}.png").read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", header[16:24]) == (size, size)
    ico = (icons / "qidesk.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sizes = {ico[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes
    icns = (icons / "qidesk.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_desktop_file_names_the_program_and_icon() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(ROOT / "resources" / "linux" / "qidesk.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Name"] == "QI Desk"
    assert section["Exec"].split()[0] == "qidesk"
    assert section["Icon"] == "qidesk"
    assert section["Terminal"] == "false"
    assert section["Categories"].endswith(";")


def test_windows_installer_is_per_user_and_leaves_the_data_alone() -> None:
    iss = (ROOT / "installer" / "windows" / "qidesk.iss").read_text(encoding="utf-8")
    setup = dict(
        line.split("=", 1)
        for line in iss.split("[Setup]", 1)[1].split("\n[", 1)[0].splitlines()
        if "=" in line and not line.startswith(";")
    )
    assert setup["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in setup  # never offers elevation
    assert setup["DefaultDirName"].startswith(("{userpf}", "{localappdata}\\Programs"))
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["AppPublisher"] == "{#AppPublisher}"
    assert '#include "version.iss"' in iss
    # Whatever is deleted at install or uninstall lies inside the program folder.
    for section in ("[InstallDelete]", "[UninstallDelete]"):
        body = iss.split(section, 1)[1].split("\n[", 1)[0]
        for name in re.findall(r'Name:\s*"([^"]+)"', body):
            assert name.startswith("{app}\\"), f"{section} deletes {name}"
    assert "{autoprograms}" in iss  # the Start-menu shortcut
    assert "desktopicon" in iss  # the optional desktop icon


def test_windows_version_include_matches_the_package() -> None:
    text = (ROOT / "installer" / "windows" / "version.iss").read_text(encoding="utf-8")
    assert f'#define AppVersion "{__version__}"' in text, (
        "run `python installer/build.py --version-only` after changing the version"
    )
