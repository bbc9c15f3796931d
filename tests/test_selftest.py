"""``qidesk selftest``: one PASS/FAIL line per step, exit 0 only if every step passed."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qidesk.cli import main
from qidesk.selftest import STEPS, SelfTestContext, StepFailed, run_steps

SRC = Path(__file__).resolve().parents[1] / "src"

#: The modules the self-test exercises; until every one exists the self-test must fail.
PIECES = {
    "main window": "qidesk.app",
    "spider chart": "qidesk.ui.charts.spider_chart",
    "timeline chart": "qidesk.ui.charts.timeline_chart",
    "team report": "qidesk.ui.reports.team_report",
    "export workbook": "qidesk.services.export_service",
    "import workbook": "qidesk.services.import_service",
}


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _step_lines(text: str) -> dict[str, str]:
    lines = {}
    for line in text.splitlines():
        if line.startswith(("PASS", "FAIL")):
            mark, rest = line.split(None, 1)
            for name, _step, _needs in STEPS:
                if rest.startswith(name + " "):
                    lines[name] = f"{mark} {rest[len(name) :].strip()}"
    return lines


def test_runner_reports_pass_fail_and_skips_what_depends_on_a_failure(tmp_path: Path) -> None:
    def good(ctx: SelfTestContext) -> str:
        ctx.values["made"] = True
        return "made it"

    def bad(ctx: SelfTestContext) -> str:
        raise StepFailed("the chart is empty")

    def crash(ctx: SelfTestContext) -> str:
        raise RuntimeError("boom")

    out = io.StringIO()
    results = run_steps(
        SelfTestContext(workdir=tmp_path, keep=False),
        out,
        (
            ("first", good, ()),
            ("second", bad, ("first",)),
            ("third", good, ("second",)),
            ("fourth", crash, ("first",)),
        ),
    )
    assert [(r.name, r.ok) for r in results] == [
        ("first", True),
        ("second", False),
        ("third", False),
        ("fourth", False),
    ]
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("PASS  first") and lines[0].endswith("made it")
    assert lines[1].startswith("FAIL  second") and lines[1].endswith("the chart is empty")
    assert "not run: needs 'second'" in lines[2]
    assert lines[3].endswith("RuntimeError: boom")
    assert " s  " in lines[0]  # each line carries the step's time
    assert "boom" in (tmp_path / "traceback-fourth.txt").read_text(encoding="utf-8")


def test_selftest_passes_only_when_every_piece_is_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], _private_data_dir: Path
) -> None:
    keep = tmp_path / "kept"
    status = main(["selftest", "--keep", str(keep)])
    out = capsys.readouterr().out
    lines = _step_lines(out)
    assert set(lines) == {name for name, _step, _needs in STEPS}, out
    assert lines["demo database"].startswith("PASS"), out
    assert lines["check databases"].startswith("PASS"), out
    missing = [step for step, module in PIECES.items() if not _module_exists(module)]
    if missing:
        # An honest failure: a missing piece fails its step and the whole self-test.
        assert status == 1, out
        for step in missing:
            assert lines[step].startswith("FAIL"), out
            assert "not in this build" in lines[step] or "not run" in lines[step], out
        assert "selftest FAILED" in out
    else:
        assert status == 0, out
        assert all(line.startswith("PASS") for line in lines.values()), out
        assert "selftest passed" in out
    assert (keep / "selftest-demo.sqlite").is_file()
    # It never touched the user's own data folder.
    assert not (_private_data_dir / "qidesk.sqlite").exists()


def test_selftest_chooses_the_offscreen_platform_itself(tmp_path: Path) -> None:
    """Without a display and without QT_QPA_PLATFORM, the self-test still gets a Qt window."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    env["PYTHONPATH"] = str(SRC)
    env["QIDESK_DATA_DIR"] = str(tmp_path)
    script = (
        "from qidesk.selftest import use_offscreen_platform_if_needed as choose\n"
        "chosen = choose()\n"
        "from PySide6.QtWidgets import QApplication, QWidget\n"
        "app = QApplication([])\n"
        "window = QWidget()\n"
        "window.show()\n"
        "print(chosen, app.platformName(), window.grab().isNull())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["offscreen", "offscreen", "False"]
