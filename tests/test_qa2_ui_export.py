"""QA (second pass) of chart exports: a picture for a document reads on white paper, whatever
the screen's palette."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QWidget

from qidesk.ui.charts.progress_chart import LatestScoresChart, ProgressChart
from qidesk.ui.charts.timeline_chart import TimelineChart

LIGHT_TEXT = "#e6e6e6"


@pytest.fixture
def dark_parent(qtbot) -> QWidget:
    """A widget in a dark palette (as on a laptop set to dark mode): charts made in it take it."""
    parent = QWidget()
    palette = parent.palette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.Text, LIGHT_TEXT),
        (QPalette.ColorRole.WindowText, LIGHT_TEXT),
    ):
        palette.setColor(role, QColor(colour))
    parent.setPalette(palette)
    qtbot.addWidget(parent)
    return parent


def _charts(parent: QWidget) -> list[tuple[str, QWidget]]:
    progress = ProgressChart(parent)
    progress.set_data(
        [(1.5, "Planning begun"), (2.0, "Activity, but no changes")],
        [(date(2026, 9, 1), "team", 1.5), (date(2026, 10, 1), "coach", 2.0)],
        date(2026, 11, 26),
    )
    latest = LatestScoresChart(parent)
    latest.set_rows([("Pharmacy Llanelli", 2.0, 1.5)])
    timeline = TimelineChart(parent)
    return [("progress", progress), ("latest", latest), ("timeline", timeline)]


def test_exported_charts_are_light_in_a_dark_palette(dark_parent: QWidget, tmp_path: Path):
    """In dark mode the Progress charts and the PDSA timeline exported a dark PNG, and an SVG
    with light grey text on a clear background: pasted into a report, its text vanished. (The
    spider chart's export was always drawn for print.)"""
    for name, chart in _charts(dark_parent):
        assert chart.palette().color(QPalette.ColorRole.Base) == QColor("#1e1e1e")
        png = chart.export(tmp_path / f"{name}.png")  # type: ignore[attr-defined]
        image = QImage(str(png))
        assert image.pixelColor(2, image.height() - 2).lightness() > 200, name
        svg = chart.export(tmp_path / f"{name}.svg")  # type: ignore[attr-defined]
        assert LIGHT_TEXT not in svg.read_text(encoding="utf-8").lower(), name
        # The chart on screen keeps the screen's palette.
        assert chart.graphics.backgroundBrush().color() == QColor("#1e1e1e"), name  # type: ignore[attr-defined]


def test_export_to_a_folder_that_is_gone_says_why(qtbot, tmp_path: Path, monkeypatch) -> None:
    """Export… on the Progress charts and the timeline raised the unexpected-error dialog when
    the file could not be written (a folder gone, a file open elsewhere), and an SVG "saved"
    to such a place wrote nothing and said nothing."""
    import qidesk.ui.charts.timeline_chart as timeline_module

    parent = QWidget()
    qtbot.addWidget(parent)
    said: list[str] = []
    monkeypatch.setattr(
        timeline_module.QMessageBox, "warning", lambda _p, _c, text: said.append(text)
    )
    for suffix in ("png", "svg"):
        target = tmp_path / "gone" / f"chart.{suffix}"
        monkeypatch.setattr(timeline_module, "ask_picture_path", lambda *_a, t=target: str(t))
        for name, chart in _charts(parent):
            said.clear()
            qtbot.mouseClick(chart.export_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
            assert said == [
                "The chart could not be saved. The folder does not exist any more. Choose "
                "another one."
            ], (name, suffix)
            assert not target.exists()


def test_export_offers_a_file_name_naming_the_team_or_cohort(qtbot, demo_db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Export… on a team's Progress or PDSA tab offered "progress.png" or "pdsa-timeline.png"
    for every team: a coach saving the charts of several teams overwrote one with the next."""
    import qidesk.ui.charts.timeline_chart as timeline_module
    from qidesk.services.registry import Services
    from qidesk.ui.pages.cohort_progress_tab import CohortProgressTab
    from qidesk.ui.pages.cohort_timeline_tab import CohortTimelineTab
    from qidesk.ui.pages.team_pdsa_tab import TeamPdsaTab
    from qidesk.ui.pages.team_progress_tab import TeamProgressTab

    offered: list[str] = []
    monkeypatch.setattr(
        timeline_module, "ask_picture_path", lambda _p, _c, name: offered.append(name)
    )
    services = Services.create(demo_db)
    cohort = services.teams.navigator()[0]
    team = cohort.teams[0]
    for tab_type, show, uuid, chart in (
        (TeamProgressTab, "show_team", team.uuid, "chart"),
        (TeamPdsaTab, "show_team", team.uuid, "timeline"),
        (CohortProgressTab, "show_cohort", cohort.uuid, "chart"),
        (CohortTimelineTab, "show_cohort", cohort.uuid, "timeline"),
    ):
        tab = tab_type(services)
        qtbot.addWidget(tab)
        getattr(tab, show)(uuid)
        qtbot.mouseClick(getattr(tab, chart).export_button, Qt.MouseButton.LeftButton)
    assert offered == [
        f"{team.name} progress.png",
        f"{team.name} PDSA timeline.png",
        f"{cohort.name} latest progress scores.png",
        f"{cohort.name} PDSA timeline.png",
    ]


def test_spider_export_as_svg_without_the_suffix_is_an_svg(
    qtbot, demo_db, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Choosing "SVG drawing" and typing a name without ".svg" saved a PNG (the progress and
    timeline exports already added the suffix)."""
    import qidesk.ui.charts.spider_chart as spider_module
    from qidesk.services.registry import Services
    from qidesk.ui.pages.team_assessment_tab import TeamAssessmentTab

    services = Services.create(demo_db)
    team = services.teams.navigator()[0].teams[0]
    tab = TeamAssessmentTab(services)
    qtbot.addWidget(tab)
    tab.show_team(team.uuid)
    tab.refresh_results()
    monkeypatch.setattr(
        spider_module.QFileDialog,
        "getSaveFileName",
        lambda *_a: (str(tmp_path / "out" / "ward"), "SVG drawing (*.svg)"),
    )
    (tmp_path / "out").mkdir()
    qtbot.mouseClick(tab.export_button, Qt.MouseButton.LeftButton)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["ward.svg"]
    assert (tmp_path / "out" / "ward.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
