"""Radar chart data, stage styles, and a QPainter renderer for print, PNG, SVG and PDF output.

The on-screen widget (:mod:`qidesk.ui.charts.spider_chart`) uses pyqtgraph; files and the
team report use :func:`paint_radar`, which draws the same chart with any QPainter (QImage,
QSvgGenerator, QPdfWriter) so print output has real vector lines and print-sized text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPaintDevice,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
)

from qidesk.core import radar_geometry as geo
from qidesk.services.assessment_service import CohortCapability, TeamResults

#: Okabe–Ito colour and line style of each stage (readable in colour and in grey-scale print).
STAGE_COLOURS = {"start": "#E69F00", "mid": "#56B4E9", "end": "#009E73"}
STAGE_PEN_STYLES = {
    "start": Qt.PenStyle.DashLine,
    "mid": Qt.PenStyle.DashDotLine,
    "end": Qt.PenStyle.SolidLine,
}
#: Print resolution of exported images.
PRINT_DPI = 300


@dataclass(frozen=True)
class RadarSeries:
    """One polygon: a stage's values per axis, optionally with a min–max band around it."""

    key: str
    label: str
    values: tuple[float | None, ...]
    low: tuple[float | None, ...] | None = None
    high: tuple[float | None, ...] | None = None

    @property
    def colour(self) -> str:
        return STAGE_COLOURS.get(self.key, "#0072B2")

    @property
    def pen_style(self) -> Qt.PenStyle:
        return STAGE_PEN_STYLES.get(self.key, Qt.PenStyle.SolidLine)


@dataclass(frozen=True)
class RadarData:
    """Everything a radar chart shows: axes (code, title), the scale and the series."""

    axes: tuple[tuple[str, str], ...]
    scale_min: int
    scale_max: int
    level_labels: tuple[str, ...]
    series: tuple[RadarSeries, ...]
    title: str = ""

    @property
    def titles(self) -> list[str]:
        return [title for _, title in self.axes]

    def scale_key(self) -> str:
        """ "1 New to this · 2 Know the basics · ..." for a caption under the chart."""
        return " · ".join(
            f"{self.scale_min + i} {label}" for i, label in enumerate(self.level_labels)
        )


def band_path(
    low: Sequence[float | None],
    high: Sequence[float | None],
    lo: float,
    hi: float,
) -> list[tuple[list[tuple[float, float]], list[tuple[float, float]]]]:
    """Outer (high) and inner (low) polygons of a band in chart units (missing values skipped)."""
    outer = [p for p in geo.polygon_points(list(high), lo, hi) if p is not None]
    inner = [p for p in geo.polygon_points(list(low), lo, hi) if p is not None]
    return [(outer, inner)] if outer and inner else []


def _measure_factory(metrics: QFontMetricsF, scale: float) -> geo.Measure:
    def measure(line: str) -> tuple[float, float]:
        return (metrics.horizontalAdvance(line) / scale, metrics.height() / scale)

    return measure


def fit_layout(
    titles: Sequence[str],
    metrics: QFontMetricsF,
    width: float,
    height: float,
    wrap_width: int = 22,
) -> tuple[list[geo.LabelBox], tuple[float, float, float, float], float]:
    """Label boxes, extent and scale (device units per chart unit) that fit ``width``×``height``.

    The labels' size in chart units depends on the scale and the scale on the labels' extent,
    so this iterates a few times (it converges quickly: labels are a fraction of the chart).
    """
    scale = max(1.0, min(width, height) / 3.2)
    boxes: list[geo.LabelBox] = []
    ext = (-1.0, -1.0, 1.0, 1.0)
    for _ in range(4):
        boxes = geo.layout_labels(titles, _measure_factory(metrics, scale), wrap_width)
        ext = geo.extent(boxes)
        new_scale = min(width / (ext[2] - ext[0]), height / (ext[3] - ext[1]))
        if abs(new_scale - scale) < 0.5:
            scale = new_scale
            break
        scale = new_scale
    # Labels were measured at the last scale; make sure they fit at the one returned.
    boxes = geo.layout_labels(titles, _measure_factory(metrics, scale), wrap_width)
    ext = geo.extent(boxes)
    scale = min(scale, width / (ext[2] - ext[0]), height / (ext[3] - ext[1]))
    return boxes, ext, scale


def paint_radar(
    painter: QPainter,
    rect: QRectF,
    data: RadarData,
    *,
    font: QFont | None = None,
    text_colour: QColor | None = None,
    grid_colour: QColor | None = None,
    legend: bool = True,
    wrap_width: int = 22,
) -> None:
    """Draw ``data`` as a radar chart filling ``rect`` of the painter's device."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    font = QFont(font) if font is not None else QFont()
    device: QPaintDevice | None = painter.device()
    metrics = QFontMetricsF(font, device) if device is not None else QFontMetricsF(font)
    text_colour = text_colour or QColor("#1a1a1a")
    grid_colour = grid_colour or QColor("#9a9a9a")
    line_height = metrics.height()
    legend_height = (
        legend_height_for(data, metrics, rect.width())[0] if legend and data.series else 0.0
    )
    chart_rect = QRectF(rect.left(), rect.top(), rect.width(), rect.height() - legend_height)
    titles = data.titles
    boxes, ext, scale = fit_layout(
        titles, metrics, chart_rect.width(), chart_rect.height(), wrap_width
    )
    cx_units = (ext[0] + ext[2]) / 2
    cy_units = (ext[1] + ext[3]) / 2
    centre = chart_rect.center()

    def pt(x: float, y: float) -> QPointF:
        return QPointF(centre.x() + (x - cx_units) * scale, centre.y() - (y - cy_units) * scale)

    n = len(titles)
    lo, hi = data.scale_min, data.scale_max
    angles = geo.axis_angles(n) if n else []
    unit = max(1.0, line_height / 9)
    # Rings (polygonal web) and spokes.
    grid_pen = QPen(grid_colour, unit * 0.8)
    painter.setPen(grid_pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for radius in geo.ring_radii(lo, hi):
        ring = QPolygonF([pt(radius * math.cos(a), radius * math.sin(a)) for a in angles])
        painter.drawPolygon(ring)
    for angle in angles:
        painter.drawLine(pt(0, 0), pt(math.cos(angle), math.sin(angle)))
    # Level numbers along the first axis.
    small = QFont(font)
    small.setPointSizeF(max(1.0, font.pointSizeF() * 0.8))
    painter.setFont(small)
    painter.setPen(QPen(grid_colour.darker(140)))
    for level, radius in zip(range(lo, hi + 1), geo.ring_radii(lo, hi), strict=True):
        p = pt(0, radius)
        painter.drawText(QPointF(p.x() + unit * 3, p.y() - unit * 2), str(level))
    # Bands first (under the lines), then the polygons.
    for series in data.series:
        if series.low is None or series.high is None:
            continue
        colour = QColor(series.colour)
        colour.setAlpha(55)
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for outer, inner in band_path(series.low, series.high, lo, hi):
            path.addPolygon(QPolygonF([pt(x, y) for x, y in outer]))
            path.closeSubpath()
            path.addPolygon(QPolygonF([pt(x, y) for x, y in inner]))
            path.closeSubpath()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        painter.drawPath(path)
    for series in data.series:
        pen = QPen(QColor(series.colour), unit * 1.6)
        pen.setStyle(series.pen_style)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        points = geo.polygon_points(list(series.values), lo, hi)
        for i, a in enumerate(points):
            b = points[(i + 1) % len(points)]
            if a is not None and b is not None:
                painter.drawLine(pt(*a), pt(*b))
        painter.setPen(QPen(QColor(series.colour), unit))
        painter.setBrush(QBrush(QColor(series.colour)))
        for p in points:
            if p is not None:
                painter.drawEllipse(pt(*p), unit * 1.6, unit * 1.6)
    # Axis labels, one line at a time so each aligns exactly as laid out.
    painter.setFont(font)
    painter.setPen(QPen(text_colour))
    line_units = line_height / scale
    for box in boxes:
        for index, line in enumerate(box.lines):
            top = box.top - index * line_units
            line_width = metrics.horizontalAdvance(line) / scale
            if box.align == "left":
                left = box.left
            elif box.align == "right":
                left = box.right - line_width
            else:
                left = box.left + (box.width - line_width) / 2
            top_left = pt(left, top)
            painter.drawText(
                QRectF(top_left.x(), top_left.y(), line_width * scale + 2, line_height),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                line,
            )
    if legend_height:
        _paint_legend(painter, rect, data, metrics, legend_height, unit, text_colour)
    painter.restore()


def legend_rows(widths: Sequence[float], available: float, gap: float) -> list[list[int]]:
    """Indices of legend entries per row so that no row is wider than ``available``."""
    rows: list[list[int]] = [[]]
    used = 0.0
    for index, width in enumerate(widths):
        extra = width if not rows[-1] else gap + width
        if rows[-1] and used + extra > available:
            rows.append([index])
            used = width
        else:
            rows[-1].append(index)
            used += extra
    return rows


def legend_height_for(
    data: RadarData, metrics: QFontMetricsF, available: float
) -> tuple[float, list[list[int]], list[float]]:
    swatch = metrics.height() * 2.2
    gap = metrics.height()
    widths = [swatch + gap / 2 + metrics.horizontalAdvance(s.label) for s in data.series]
    rows = legend_rows(widths, available, gap)
    return metrics.height() * (1.5 * len(rows) + 0.5), rows, widths


def _paint_legend(
    painter: QPainter,
    rect: QRectF,
    data: RadarData,
    metrics: QFontMetricsF,
    legend_height: float,
    unit: float,
    text_colour: QColor,
) -> None:
    swatch = metrics.height() * 2.2
    gap = metrics.height()
    _, rows, widths = legend_height_for(data, metrics, rect.width())
    y = rect.bottom() - legend_height + metrics.height() * 1.25
    for row in rows:
        total = sum(widths[i] for i in row) + gap * (len(row) - 1)
        x = rect.center().x() - total / 2
        for index in row:
            series, width = data.series[index], widths[index]
            pen = QPen(QColor(series.colour), unit * 1.6)
            pen.setStyle(series.pen_style)
            painter.setPen(pen)
            if series.low is not None:
                colour = QColor(series.colour)
                colour.setAlpha(55)
                painter.fillRect(
                    QRectF(x, y - metrics.height() / 3, swatch, metrics.height() * 2 / 3), colour
                )
            painter.drawLine(QPointF(x, y), QPointF(x + swatch, y))
            painter.setPen(QPen(text_colour))
            painter.drawText(
                QRectF(x + swatch + gap / 2, y - metrics.height() / 2, width, metrics.height()),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                series.label,
            )
            x += width + gap
        y += metrics.height() * 1.5


def print_font(point_size: float = 8.0) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    return font


def render_image(data: RadarData, size_px: QSize, dpi: int = PRINT_DPI) -> QImage:
    """The chart on a white image of ``size_px`` at ``dpi`` (text sized for that resolution)."""
    image = QImage(size_px, QImage.Format.Format_ARGB32_Premultiplied)
    dots_per_metre = round(dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        margin = size_px.width() * 0.02
        paint_radar(
            painter,
            QRectF(margin, margin, size_px.width() - 2 * margin, size_px.height() - 2 * margin),
            data,
            font=print_font(),
        )
    finally:
        painter.end()
    return image


#: zlib level Qt uses for PNG quality 80: about as small as the default and 2.5x faster to write.
PNG_QUALITY = 80


def save_png(image: QImage, path: Path | str) -> bool:
    """Save an opaque chart image as PNG quickly (24-bit RGB, moderate compression)."""
    return image.convertToFormat(QImage.Format.Format_RGB888).save(str(path), "PNG", PNG_QUALITY)


def export_png(data: RadarData, path: Path, width_mm: float = 170, dpi: int = PRINT_DPI) -> Path:
    """Write the chart as a PNG ``width_mm`` wide at ``dpi`` (default: 170 mm at 300 dpi)."""
    width = round(width_mm / 25.4 * dpi)
    image = render_image(data, QSize(width, round(width * 0.8)), dpi)
    if not save_png(image, path):
        raise OSError(f"could not write {path}")
    return Path(path)


def export_svg(data: RadarData, path: Path, width_mm: float = 170) -> Path:
    """Write the chart as an SVG drawing ``width_mm`` wide (vector: sharp at any size)."""
    from PySide6.QtSvg import QSvgGenerator

    dpi = 96
    width = round(width_mm / 25.4 * dpi)
    height = round(width * 0.8)
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(width, height))
    generator.setViewBox(QRectF(0, 0, width, height))
    generator.setResolution(dpi)
    generator.setTitle(data.title or "Self-assessment spider chart")
    painter = QPainter(generator)
    try:
        painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
        paint_radar(painter, QRectF(8, 8, width - 16, height - 16), data, font=print_font())
    finally:
        painter.end()
    if not Path(path).exists():
        raise OSError(f"could not write {path}")
    return Path(path)


def stage_label(stage: str, assessed_on: object = None) -> str:
    """ "Start (12 Jan 2026)" or just "Start"."""
    from qidesk.core.assessment_stats import STAGE_LABELS

    label = STAGE_LABELS.get(stage, stage)
    if assessed_on is not None and hasattr(assessed_on, "strftime"):
        label += f" ({assessed_on.strftime('%d %b %Y').lstrip('0')})"
    return label


def team_radar_data(results: TeamResults) -> RadarData:
    """The team's stages as radar series (only stages with at least one team score)."""
    series = []
    for info in results.stages:
        values = tuple(item.score(info.stage) for item in results.items)
        if any(v is not None for v in values):
            label = stage_label(info.stage, info.assessed_on)
            series.append(RadarSeries(info.stage, label, values))
    return RadarData(
        axes=tuple((i.code, i.title) for i in results.items),
        scale_min=results.scale_min,
        scale_max=results.scale_max,
        level_labels=results.level_labels,
        series=tuple(series),
        title=f"Self-assessment of {results.team_name}",
    )


def cohort_radar_data(
    capability: CohortCapability,
    stages: Sequence[str] | None = None,
    band_stage: str | None = None,
) -> RadarData:
    """The cohort mean per stage; ``band_stage`` also gets its min–max band across teams."""
    from qidesk.core.assessment_stats import STAGES

    series = []
    for stage in stages if stages is not None else STAGES:
        cells = [capability.cells[(code, stage)] for code, _ in capability.items]
        if not any(c.n_teams for c in cells):
            continue
        teams = capability.teams_per_stage.get(stage, 0)
        band = stage == band_stage
        label = stage_label(stage) + f", {teams} team{'s' if teams != 1 else ''}"
        if band:
            label += ", range across teams"
        series.append(
            RadarSeries(
                stage,
                label,
                tuple(c.mean for c in cells),
                low=tuple(c.min for c in cells) if band else None,
                high=tuple(c.max for c in cells) if band else None,
            )
        )
    return RadarData(
        axes=capability.items,
        scale_min=capability.scale_min,
        scale_max=capability.scale_max,
        level_labels=capability.level_labels,
        series=tuple(series),
        title=f"Capability of {capability.cohort_name}",
    )
