"""The timeline chart widget: what it draws, fast updates, the legend, export, the cohort tab."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt

from qidesk.core.timeline_layout import DECISION_COLOURS, TimelineCycle, TimelineLane, date_x
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort
from qidesk.ui.charts.timeline_chart import TimelineChart
from qidesk.ui.pages.cohort_timeline_tab import CohortTimelineTab, TeamTimelineModel

TODAY = date(2026, 5, 15)


def sample() -> tuple[list[TimelineLane], list[TimelineCycle]]:
    lanes = [TimelineLane("a", "Checklist"), TimelineLane("b", "Huddle")]
    cycles = [
        TimelineCycle("1", "a", 1, "One", date(2026, 3, 1), date(2026, 3, 14),
                      actual_start=date(2026, 3, 1), actual_end=date(2026, 3, 15),
                      decision="adapt"),
        TimelineCycle("2", "a", 2, "Two", date(2026, 3, 20), date(2026, 4, 2),
                      previous_uuid="1"),
        TimelineCycle("3", "b", 1, "Three", date(2026, 4, 1), date(2026, 4, 9),
                      actual_start=date(2026, 4, 2), decision=None, status="running"),
    ]  # fmt: skip
    return lanes, cycles


def test_chart_shows_lanes_bars_connectors_and_today(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = TimelineChart()
    qtbot.addWidget(chart)
    lanes, cycles = sample()
    chart.set_data(lanes, cycles, TODAY)
    layout = chart.chart_layout
    assert [lane.title for lane in layout.lanes] == ["Checklist", "Huddle"]
    assert len(layout.bars) == 5  # 3 planned + 2 actual
    assert [(c.from_uuid, c.to_uuid) for c in layout.connectors] == [("1", "2")]
    assert chart.today_line.value() == date_x(TODAY)
    ticks = chart.plot_item.getAxis("left")._tickLevels[0]
    assert [t for _, t in ticks] == ["Checklist", "Huddle"]
    assert chart.legend_labels() == [
        "Adopt",
        "Adapt",
        "Abandon",
        "Not decided",
        "Planned dates (outline)",
        "Actual dates (filled)",
    ]
    x0, x1 = chart.view_box.viewRange()[0]
    assert x0 <= date_x(date(2026, 3, 1)) and x1 >= date_x(TODAY)


def test_one_changed_cycle_updates_its_bars_and_keeps_the_zoom(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = TimelineChart()
    qtbot.addWidget(chart)
    lanes, cycles = sample()
    chart.set_data(lanes, cycles, TODAY)
    chart.view_box.setXRange(date_x(date(2026, 3, 10)), date_x(date(2026, 3, 30)), padding=0)
    zoom = chart.view_box.viewRange()[0]
    changed = dataclasses.replace(
        cycles[1], actual_start=date(2026, 3, 21), actual_end=date(2026, 4, 1), decision="adopt"
    )
    chart.update_cycle(changed)
    bars = chart.chart_layout.bars_of("2")
    assert [(b.kind, b.colour, b.filled) for b in bars] == [
        ("planned", DECISION_COLOURS["adopt"], False),
        ("actual", DECISION_COLOURS["adopt"], True),
    ]
    assert chart.view_box.viewRange()[0] == zoom
    chart.remove_cycle("3")
    assert chart.chart_layout.bars_of("3") == []


def test_export_png_and_svg(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chart = TimelineChart()
    qtbot.addWidget(chart)
    chart.resize(900, 400)
    chart.show()
    qtbot.waitExposed(chart)
    lanes, cycles = sample()
    chart.set_data(lanes, cycles, TODAY)
    qtbot.wait(10)
    png = chart.export(tmp_path / "timeline.png")
    svg = chart.export(tmp_path / "timeline.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "Checklist" in text
    assert chart.legend.scene() is None  # the picture legend is there only while exporting


def test_cohort_timeline_has_a_lane_per_team_and_a_table(qtbot, demo_db: Database) -> None:  # type: ignore[no-untyped-def]
    services = Services.create(demo_db)
    with demo_db.unit_of_work() as session:
        cohort = session.query(Cohort).order_by(Cohort.start_date.desc()).first()
        assert cohort is not None
        cohort_uuid = cohort.uuid
        team_count = len(cohort.teams)
    tab = CohortTimelineTab(services)
    tab.today = date(2026, 11, 26)
    qtbot.addWidget(tab)
    tab.show_cohort(cohort_uuid)
    layout = tab.timeline.chart_layout
    assert len(layout.lanes) == team_count
    assert tab.model.rowCount() == team_count
    rows = tab.model.rows()
    assert sum(r.cycles for r in rows) == len(layout.cycle_lane)
    assert sum(r.adopt + r.adapt + r.abandon + r.undecided for r in rows) == sum(
        r.cycles for r in rows
    )
    stalled = [r.team_name for r in rows if r.stalled]
    assert stalled == [lane.title for lane in layout.lanes if lane.stalled]
    tab.table.sortByColumn(TeamTimelineModel.CYCLES, Qt.SortOrder.DescendingOrder)
    counts = [
        int(tab.proxy.index(r, TeamTimelineModel.CYCLES).data())
        for r in range(tab.proxy.rowCount())
    ]
    assert counts == sorted(counts, reverse=True)


def test_double_clicking_a_bar_emits_its_cycle(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = TimelineChart()
    qtbot.addWidget(chart)
    chart.resize(900, 400)
    chart.show()
    qtbot.waitExposed(chart)
    lanes, cycles = sample()
    chart.set_data(lanes, cycles, TODAY)
    pos = chart.graphics.mapFromScene(chart.scene_pos_of("3"))
    with qtbot.waitSignal(chart.cycle_double_clicked) as signal:
        viewport = chart.graphics.viewport()
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=pos)
        qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=pos)
    assert signal.args == ["3"]
