"""A newcomer's first commands: what `qidesk demo` says and does to a database that holds data."""

from __future__ import annotations

import argparse
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qidesk.cli import build_parser, main
from qidesk.store.backup import backup_folder


def _team_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {name for (name,) in conn.execute("SELECT name FROM team")}


def test_demo_refusal_says_force_replaces_the_data_not_adds_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "real.sqlite"
    assert main(["demo", "--db", str(path)]) == 0
    capsys.readouterr()
    assert main(["demo", "--db", str(path), "--seed", "2"]) == 2
    err = capsys.readouterr().err
    # "use --force to add demo data" led a user to believe their records would stay.
    assert "add demo data" not in err
    assert "--force" in err and "replace" in err


def test_demo_force_backs_up_what_it_replaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "real.sqlite"
    assert main(["demo", "--db", str(path), "--seed", "3"]) == 0
    before = _team_names(path)
    capsys.readouterr()
    assert main(["demo", "--db", str(path), "--seed", "4", "--force"]) == 0
    out = capsys.readouterr().out
    backups = sorted(backup_folder(path).glob("*before-demo*.sqlite"))
    assert len(backups) == 1
    assert str(backups[0]) in out
    assert _team_names(backups[0]) == before  # what was replaced can be got back
    assert _team_names(path) != before


def test_demo_force_on_an_empty_database_makes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    assert main(["demo", "--db", str(path), "--force"]) == 0
    assert not backup_folder(path).exists()


def test_force_help_warns_that_the_data_is_replaced(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "replace every record" in help_text


def _parsers(parser: argparse.ArgumentParser, name: str = "qidesk") -> Iterator[tuple[str, Any]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_every_option_and_argument_says_what_it_is() -> None:
    """`qidesk COMMAND --help` is what a newcomer reads: no bare `FILE.xlsx` or `--stage`."""
    bare = [
        f"{name}: {action.dest}"
        for name, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert bare == []


def test_window_without_a_display_is_one_line_not_a_qt_abort(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`qidesk` (or `make demo`) over ssh: Qt would abort with a core dump and a hint about
    xcb-cursor; the command says what is wrong instead."""
    import qidesk.app

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")

    def run_gui(db_path: str | None) -> int:
        raise AssertionError("the window was started without a display")

    monkeypatch.setattr(qidesk.app, "run_gui", run_gui)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no display" in err and "desktop session" in err


def test_a_display_or_a_chosen_platform_lets_the_window_start() -> None:
    from qidesk.cli.display import missing_display

    assert missing_display({"DISPLAY": ":0"}, "linux") is None
    assert missing_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert missing_display({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert missing_display({}, "win32") is None
    assert missing_display({}, "darwin") is None
    assert missing_display({}, "linux") is not None


def test_selftest_keep_names_screenshots_by_what_they_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`selftest --keep DIR` is what a user sends when something looks wrong: its page PNGs
    say which cohort or team they show (they were named by uuid, the tabs only 'cohort')."""
    monkeypatch.setenv("QIDESK_DATA_DIR", str(tmp_path / "data"))
    keep = tmp_path / "kept"
    assert main(["selftest", "--keep", str(keep)]) == 0, capsys.readouterr().out
    names = sorted(p.name for p in keep.glob("page-*.png"))
    assert any(name.startswith("page-01-cohort-Cohort-") for name in names), names
    assert any("team-" in name and "Self-assessment" in name for name in names), names
    assert any(name.endswith("-programme.png") for name in names), names
    uuid_like = [n for n in names if re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", n)]
    assert uuid_like == []
