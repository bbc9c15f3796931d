"""The spider (radar) chart widget: 3–20 axes, stage polygons, bands, legend, hover, export."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QCursor, QFontMetricsF, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsPathItem,
    QMessageBox,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from qidesk.core import radar_geometry as geo
from qidesk.ui.charts.radar_paint import (
    RadarData,
    RadarSeries,
    band_path,
    export_png,
    export_svg,
    fit_layout,
)
from qidesk.ui.widgets import file_error_text

__all__ = ["RadarData", "RadarSeries", "SpiderChart"]

#: Hover picks the nearest vertex within this many pixels.
HOVER_RADIUS_PX = 14


class SpiderChart(QWidget):
    """A reusable radar chart. Call :meth:`set_data`; the same widget redraws for each team.

    Graphics items are created once and reused (a new PlotWidget per team costs about three
    times as much as redrawing this one).
    """

    #: Emitted with the hover text ("" when the pointer leaves every point).
    hovered = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(parent=self)
        self.plot.setAccessibleName("Spider chart")
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.setMenuEnabled(False)
        item.hideButtons()
        self.view = item.getViewBox()
        self.view.setMouseEnabled(False, False)
        self.view.setAspectLocked(True)
        self.view.disableAutoRange()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        self._data: RadarData | None = None
        self._layout_key: tuple[object, ...] | None = None
        self._web = pg.PlotDataItem(connect="finite")
        self._web.setZValue(-10)
        self.view.addItem(self._web)
        self._level_texts: list[pg.TextItem] = []
        self._label_texts: list[pg.TextItem] = []
        self._curves: list[pg.PlotDataItem] = []
        self._bands: list[QGraphicsPathItem] = []
        self._points: list[tuple[float, float, str]] = []
        self._scale = 100.0
        self.legend = pg.LegendItem(labelTextSize="9pt", colCount=3, horSpacing=24)
        self.legend.setParentItem(item.getViewBox())
        self.legend.anchor(itemPos=(0.5, 1), parentPos=(0.5, 1), offset=(0, -2))
        self.last_hover_text = ""
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.setMinimumSize(320, 280)
        self._apply_palette()

    # --- public -----------------------------------------------------------------------------

    def data(self) -> RadarData | None:
        return self._data

    def set_data(self, data: RadarData | None) -> None:
        """Show ``data`` (None clears the chart). Reuses every graphics item it can."""
        if data is not None and not geo.MIN_AXES <= len(data.axes) <= geo.MAX_AXES:
            raise ValueError(
                f"a spider chart needs {geo.MIN_AXES} to {geo.MAX_AXES} axes (got {len(data.axes)})"
            )
        self._data = data
        self._redraw()

    def series_curves(self) -> dict[str, tuple[list[float], list[float]]]:
        """The drawn polygon of each series (closed; NaN where a value is missing)."""
        result = {}
        if self._data is None:
            return result
        for series, curve in zip(self._data.series, self._curves, strict=False):
            xs, ys = curve.getData()
            result[series.key] = (
                [float(x) for x in (xs if xs is not None else [])],
                [float(y) for y in (ys if ys is not None else [])],
            )
        return result

    def band_items(self) -> list[QGraphicsPathItem]:
        return [b for b in self._bands if b.isVisible()]

    def axis_label_lines(self) -> list[str]:
        return [t.textItem.toPlainText() for t in self._label_texts if t.isVisible()]

    def visible_label_rects(self) -> list[tuple[float, float, float, float]]:
        """Scene rectangles (x, y, w, h) of the visible axis label lines."""
        rects = []
        for text in self._label_texts:
            if text.isVisible():
                r = text.mapRectToScene(text.boundingRect())
                rects.append((r.x(), r.y(), r.width(), r.height()))
        return rects

    def legend_labels(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    def hover_text_at(self, x: float, y: float, radius: float | None = None) -> str:
        """Text for the vertex nearest to chart point ``(x, y)`` within ``radius`` chart units."""
        radius = radius if radius is not None else HOVER_RADIUS_PX / max(self._scale, 1e-6)
        best: tuple[float, str] | None = None
        for px, py, text in self._points:
            distance = math.hypot(px - x, py - y)
            if distance <= radius and (best is None or distance < best[0]):
                best = (distance, text)
        return best[1] if best else ""

    def export_png(self, path: Path) -> Path:
        """Save the chart as a print-resolution PNG (300 dpi)."""
        if self._data is None:
            raise ValueError("nothing to export")
        return export_png(self._data, Path(path))

    def export_svg(self, path: Path) -> Path:
        if self._data is None:
            raise ValueError("nothing to export")
        return export_svg(self._data, Path(path))

    # --- drawing ----------------------------------------------------------------------------

    def _apply_palette(self) -> None:
        palette = self.palette()
        self._background = palette.color(QPalette.ColorRole.Base)
        self._text = palette.color(QPalette.ColorRole.Text)
        dark = self._background.lightness() < 128
        self._grid = QColor("#6b6b6b") if dark else QColor("#b8b8b8")
        self.plot.setBackground(self._background)
        self.legend.setLabelTextColor(self._text)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._apply_palette()
            self._layout_key = None
            self._redraw()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._redraw()

    def _pool_text(self, pool: list[pg.TextItem], index: int) -> pg.TextItem:
        while len(pool) <= index:
            text = pg.TextItem(anchor=(0, 0))
            text.textItem.document().setDocumentMargin(0)
            self.view.addItem(text)
            pool.append(text)
        return pool[index]

    def _redraw(self) -> None:
        data = self._data
        if data is None or not data.axes:
            self._web.setData([], [])
            for item in (*self._level_texts, *self._label_texts, *self._curves, *self._bands):
                item.setVisible(False)
            self.legend.clear()
            self._points = []
            self._layout_key = None
            return
        lo, hi = data.scale_min, data.scale_max
        font = self.font()
        metrics = QFontMetricsF(font)
        width = max(self.view.width(), self.plot.width() - 8, 200.0)
        height = max(self.view.height(), self.plot.height() - 8, 200.0)
        legend_width = sum(metrics.horizontalAdvance(x.label) + 96 for x in data.series)
        columns = len(data.series) if legend_width <= width else 1
        rows = math.ceil(len(data.series) / max(1, columns)) if data.series else 0
        key = (
            tuple(data.titles),
            lo,
            hi,
            round(width),
            round(height),
            font.key(),
            rows,
            self._text.rgba(),
            self._grid.rgba(),
        )
        if key != self._layout_key:
            # Axes, rings and labels depend only on the titles, scale, size and font: switching
            # between teams on one template skips all of this.
            self._layout_key = key
            self.legend.setColumnCount(max(1, columns))
            legend_px = metrics.height() * (1.5 * rows + 0.9)
            self._draw_frame(data, metrics, width, height, legend_px)
        self._draw_series(data, lo, hi)
        self._describe(data)

    def _draw_frame(
        self, data: RadarData, metrics: QFontMetricsF, width: float, height: float, legend_px: float
    ) -> None:
        """Rings, spokes, level numbers, axis labels and the view range."""
        n = len(data.axes)
        lo, hi = data.scale_min, data.scale_max
        angles = geo.axis_angles(n)
        boxes, ext, scale = fit_layout(data.titles, metrics, width, height - legend_px)
        self._scale = scale
        # Rings and spokes as one item (NaN breaks the path between pieces).
        xs: list[float] = []
        ys: list[float] = []
        for radius in geo.ring_radii(lo, hi):
            for a in [*angles, angles[0]]:
                xs.append(radius * math.cos(a))
                ys.append(radius * math.sin(a))
            xs.append(math.nan)
            ys.append(math.nan)
        for a in angles:
            xs += [0.0, math.cos(a), math.nan]
            ys += [0.0, math.sin(a), math.nan]
        self._web.setData(xs, ys, pen=pg.mkPen(self._grid, width=1))
        # Level numbers beside the first axis.
        for i, (level, radius) in enumerate(
            zip(range(lo, hi + 1), geo.ring_radii(lo, hi), strict=True)
        ):
            text = self._pool_text(self._level_texts, i)
            muted = QColor(self._text)
            muted.setAlpha(150)
            text.setColor(muted)
            text.setText(str(level))
            text.setAnchor((0, 0.5))
            text.setPos(4 / scale, radius)
            text.setVisible(True)
        for text in self._level_texts[hi - lo + 1 :]:
            text.setVisible(False)
        # Axis labels: one text item per line, placed exactly as laid out.
        line_units = metrics.height() / scale
        used = 0
        for box in boxes:
            for index, line in enumerate(box.lines):
                text = self._pool_text(self._label_texts, used)
                used += 1
                text.setColor(self._text)
                text.setText(line)
                top = box.top - index * line_units
                if box.align == "left":
                    text.setAnchor((0, 0))
                    text.setPos(box.left, top)
                elif box.align == "right":
                    text.setAnchor((1, 0))
                    text.setPos(box.right, top)
                else:
                    text.setAnchor((0.5, 0))
                    text.setPos((box.left + box.right) / 2, top)
                text.setVisible(True)
        for text in self._label_texts[used:]:
            text.setVisible(False)
        # The view: the extent, plus room at the bottom for the legend.
        legend_units = legend_px / scale
        self.view.setRange(
            xRange=(ext[0], ext[2]), yRange=(ext[1] - legend_units, ext[3]), padding=0
        )

    def _draw_series(self, data: RadarData, lo: int, hi: int) -> None:
        self._points = []
        reuse_legend = len(self.legend.items) == len(data.series) and all(
            sample.item is curve
            for (sample, _), curve in zip(self.legend.items, self._curves, strict=False)
        )
        if not reuse_legend:
            self.legend.clear()
        titles = data.titles
        for index, series in enumerate(data.series):
            while len(self._curves) <= index:
                curve = pg.PlotDataItem(connect="finite")
                curve.setZValue(10)
                self.view.addItem(curve)
                self._curves.append(curve)
            curve = self._curves[index]
            colour = QColor(series.colour)
            pen = pg.mkPen(colour, width=2.5, style=series.pen_style)
            points = geo.polygon_points(list(series.values), lo, hi)
            path = geo.closed_path(points)
            curve.setData(
                [p[0] for p in path],
                [p[1] for p in path],
                pen=pen,
                symbol="o",
                symbolSize=7,
                symbolBrush=colour,
                symbolPen=pg.mkPen(colour),
            )
            curve.setVisible(True)
            if not reuse_legend:
                self.legend.addItem(curve, series.label)
                self.legend.setLabelTextColor(self._text)
            else:
                label = self.legend.items[index][1]
                if label.text != series.label:
                    label.setText(series.label)
            for axis, (point, value) in enumerate(zip(points, series.values, strict=True)):
                if point is None or value is None:
                    continue
                text = f"{titles[axis]}\n{series.label}: {value:.1f}"
                if series.low is not None and series.high is not None:
                    low, high = series.low[axis], series.high[axis]
                    if low is not None and high is not None:
                        text += f" (teams from {low:.1f} to {high:.1f})"
                self._points.append((point[0], point[1], text))
            self._draw_band(index, series, lo, hi)
        for curve in self._curves[len(data.series) :]:
            curve.setVisible(False)
        for band in self._bands[len(data.series) :]:
            band.setVisible(False)

    def _draw_band(self, index: int, series: RadarSeries, lo: int, hi: int) -> None:
        while len(self._bands) <= index:
            band = QGraphicsPathItem()
            band.setZValue(0)
            band.setPen(QPen(Qt.PenStyle.NoPen))
            self.view.addItem(band)
            self._bands.append(band)
        band = self._bands[index]
        if series.low is None or series.high is None:
            band.setVisible(False)
            return
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for outer, inner in band_path(series.low, series.high, lo, hi):
            for polygon in (outer, inner):
                path.moveTo(QPointF(*polygon[0]))
                for x, y in polygon[1:]:
                    path.lineTo(QPointF(x, y))
                path.closeSubpath()
        colour = QColor(series.colour)
        colour.setAlpha(60)
        band.setBrush(QBrush(colour))
        band.setPath(path)
        band.setVisible(True)

    def _describe(self, data: RadarData) -> None:
        parts = [data.title or "Spider chart"]
        for series in data.series:
            answered = sum(1 for v in series.values if v is not None)
            parts.append(f"{series.label}: {answered} of {len(data.axes)} items scored")
        description = "; ".join(parts) + ". The table beside it has the numbers."
        self.plot.setAccessibleDescription(description)

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if self._data is None:
            return
        point = self.view.mapSceneToView(scene_pos)
        text = self.hover_text_at(point.x(), point.y())
        if text != self.last_hover_text:
            self.last_hover_text = text
            self.hovered.emit(text)
            if text:
                QToolTip.showText(QCursor.pos(), text, self.plot)
            else:
                QToolTip.hideText()


def export_chart_dialog(
    parent: QWidget, default_name: str, export: Callable[[Path], Path]
) -> Path | None:
    """Ask where to save a chart (PNG or SVG) and save it with ``export``; a failure is shown
    in a message box. Returns the saved file, or None (cancelled or failed)."""
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export chart", default_name, "PNG image (*.png);;SVG drawing (*.svg)"
    )
    if not path:
        return None
    if "svg" in chosen.lower() and not path.lower().endswith(".svg"):
        path += ".svg"  # "SVG drawing" chosen, the name typed without its suffix
    try:
        return export(Path(path))
    except OSError as exc:
        QMessageBox.warning(
            parent, "Export chart", f"The chart could not be saved. {file_error_text(exc)}"
        )
        return None
