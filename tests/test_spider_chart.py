"""The spider chart widget's data items: axes 3–20, stage styles, bands, reuse, labels, export."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from qidesk.ui.charts.radar_paint import STAGE_COLOURS, RadarData, RadarSeries
from qidesk.ui.charts.spider_chart import SpiderChart

LABELS = ("New", "Basics", "With support", "Independent", "Teach")


def make(n: int, series: tuple[RadarSeries, ...] | None = None) -> RadarData:
    axes = tuple((f"I{i}", f"Capability number {i} with a fairly long title") for i in range(n))
    if series is None:
        series = (
            RadarSeries("start", "Start", tuple(1.0 + (i % 3) for i in range(n))),
            RadarSeries("mid", "Midpoint", tuple(2.0 + (i % 3) for i in range(n))),
            RadarSeries("end", "End", tuple(3.0 + (i % 3) * 0.5 for i in range(n))),
        )
    return RadarData(axes, 1, 5, LABELS, series)


@pytest.fixture
def chart(qtbot) -> SpiderChart:
    widget = SpiderChart()
    qtbot.addWidget(widget)
    widget.resize(760, 600)
    widget.show()
    return widget


@pytest.mark.parametrize("n", [3, 7, 12, 20])
def test_axes_polygons_and_styles(chart: SpiderChart, n: int) -> None:
    chart.set_data(make(n))
    curves = chart.series_curves()
    assert list(curves) == ["start", "mid", "end"]
    for xs, ys in curves.values():
        assert len(xs) == n + 1
        radii = [math.hypot(x, y) for x, y in zip(xs, ys, strict=True)]
        assert all(0 < r <= 1.0 + 1e-9 for r in radii)
    styles = [c.opts["pen"].style() for c in chart._curves[:3]]
    assert styles == [Qt.PenStyle.DashLine, Qt.PenStyle.DashDotLine, Qt.PenStyle.SolidLine]
    colours = [c.opts["pen"].color().name() for c in chart._curves[:3]]
    assert colours == [STAGE_COLOURS[k].lower() for k in ("start", "mid", "end")]
    assert chart.legend_labels() == ["Start", "Midpoint", "End"]
    # Every word of every title is shown, and no two label lines overlap on screen.
    shown = " ".join(chart.axis_label_lines())
    assert shown.count("Capability number") == n
    rects = chart.visible_label_rects()
    for i, (x1, y1, w1, h1) in enumerate(rects):
        for x2, y2, w2, h2 in rects[i + 1 :]:
            overlap_w = min(x1 + w1, x2 + w2) - max(x1, x2)
            overlap_h = min(y1 + h1, y2 + h2) - max(y1, y2)
            assert overlap_w <= 1 or overlap_h <= 1


def test_too_few_or_too_many_axes_are_refused(chart: SpiderChart) -> None:
    with pytest.raises(ValueError, match="3 to 20 axes"):
        chart.set_data(make(2))
    with pytest.raises(ValueError, match="3 to 20 axes"):
        chart.set_data(make(21))


def test_switching_data_reuses_items_and_hides_extras(chart: SpiderChart) -> None:
    chart.set_data(make(12))
    curves_before = list(chart._curves)
    texts_before = len(chart._label_texts)
    one = (RadarSeries("start", "Start", (2.0, None, 3.0, 4.0)),)
    chart.set_data(make(4, one))
    assert chart._curves[:3] == curves_before
    assert len(chart._label_texts) == texts_before
    assert list(chart.series_curves()) == ["start"]
    assert not chart._curves[1].isVisible() and not chart._curves[2].isVisible()
    xs, _ = chart.series_curves()["start"]
    assert math.isnan(xs[1])  # a missing value breaks the outline, never drawn as zero
    assert chart.legend_labels() == ["Start"]
    chart.set_data(None)
    assert chart.series_curves() == {}


def test_band_mode_and_hover_text(chart: SpiderChart) -> None:
    band = RadarSeries(
        "end", "End, range across teams", (3.0, 3.5, 4.0), low=(2.0, 2.5, 3.0), high=(4.0, 4.5, 5.0)
    )
    chart.set_data(make(3, (band,)))
    items = chart.band_items()
    assert len(items) == 1
    assert items[0].path().fillRule() == Qt.FillRule.OddEvenFill
    assert not items[0].path().isEmpty()
    xs, ys = chart.series_curves()["end"]
    text = chart.hover_text_at(xs[0], ys[0])
    assert "End, range across teams: 3.0" in text and "teams from 2.0 to 4.0" in text
    assert chart.hover_text_at(0.0, 0.0, radius=0.01) == ""


def test_export_png_and_svg(chart: SpiderChart, tmp_path: Path) -> None:
    chart.set_data(make(12))
    png = chart.export_png(tmp_path / "c.png")
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() >= 2000  # 170 mm at 300 dpi
    assert round(image.dotsPerMeterX() * 0.0254) == 300
    svg = chart.export_svg(tmp_path / "c.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg


def test_hover_with_the_mouse_names_item_stage_and_value(qtbot, chart: SpiderChart) -> None:
    from PySide6.QtCore import QPointF

    chart.set_data(make(5))
    qtbot.waitExposed(chart)
    xs, ys = chart.series_curves()["mid"]
    scene = chart.view.mapViewToScene(QPointF(xs[2], ys[2]))
    pos = chart.plot.mapFromScene(scene)
    with qtbot.waitSignal(chart.hovered, timeout=2000) as blocker:
        qtbot.mouseMove(chart.plot.viewport(), pos)
    assert blocker.args[0] == "Capability number 2 with a fairly long title\nMidpoint: 4.0"
