"""The PDSA timeline chart: lanes of cycle bars (planned hollow, actual filled), ramps, today."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsScene,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyleFactory,
    QStyleOptionGraphicsItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from qidesk.core.pdsa_rules import DECISION_LABELS
from qidesk.core.timeline_layout import (
    DAY,
    DECISION_COLOURS,
    PLANNED_HEIGHT,
    Connector,
    IncrementalTimeline,
    LanePart,
    TimelineCycle,
    TimelineLane,
    TimelineLayout,
    cycle_tooltip,
    month_ticks,
)
from qidesk.ui.widgets import bold_label, file_error_text

TODAY_COLOUR = "#0072B2"
STALLED_BAND = "#E69F00"
#: Lane titles longer than this (pixels) are shortened with an ellipsis in the middle.
MAX_LABEL_WIDTH = 230
#: Rows shown at first; more lanes are reached by scrolling (dragging) vertically.
MAX_VISIBLE_ROWS = 24


HINT = "Drag to pan, turn the wheel to zoom, click a bar to open its cycle."


def legend_html() -> str:
    """The on-screen legend: decision colours, and hollow (planned) versus filled (actual)."""
    parts = [
        f"<span style='color:{DECISION_COLOURS[d]}'>■</span>&nbsp;"
        + DECISION_LABELS[d].replace(" ", "&nbsp;")
        for d in ("adopt", "adapt", "abandon", None)
    ]
    parts.append("□&nbsp;planned")
    parts.append("■&nbsp;actual")
    return "&nbsp;&nbsp; ".join(parts)


def export_svg(scene: QGraphicsScene, rect: QRectF, path: Path, title: str) -> None:
    """Render ``scene`` into an SVG file with Qt's generator (pyqtgraph's SVG exporter cannot
    read the paths Qt 6.12 writes)."""
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setTitle(title)
    generator.setSize(rect.size().toSize())
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    painter = QPainter()
    if not painter.begin(generator):  # the generator cannot open the file: it writes nothing
        raise _write_error(path)
    try:
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    finally:
        painter.end()


def _write_error(path: Path) -> OSError:
    """Why ``path`` could not be written (the operating system's reason when it gives one):
    Qt's writers only say that they failed."""
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        return exc
    return OSError(f"Could not write {path}")


def save_chart_picture(
    parent: QWidget, caption: str, default_name: str, export: Callable[[str], Path]
) -> Path | None:
    """Ask where to save a chart (PNG or SVG) and save it with ``export``; a file that cannot
    be written gets a message saying why, not the unexpected-error dialog. Returns the file
    saved, or None."""
    name = ask_picture_path(parent, caption, default_name)
    if not name:
        return None
    try:
        return export(name)
    except OSError as exc:
        QMessageBox.warning(
            parent, caption, f"The chart could not be saved. {file_error_text(exc)}"
        )
        return None


def print_palette() -> QPalette:
    """The light palette a chart is exported in, whatever the screen's: a picture goes into
    documents, slides and print (a dark one, or light text on an SVG's clear background, would
    not read there). The spider chart's own export is drawn light too."""
    return QStyleFactory.create("Fusion").standardPalette()


def chart_title_bar(chart: QWidget, title: str) -> tuple[QVBoxLayout, QHBoxLayout, QLabel]:
    """Give ``chart`` its outer layout and a title row (not yet added): the bold ``title``, then
    a stretch; the caller adds the legend and buttons and then the row. Returns all three."""
    outer = QVBoxLayout(chart)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(4)
    bar = QHBoxLayout()
    caption = bold_label(title)
    bar.addWidget(caption)
    bar.addStretch(1)
    return outer, bar, caption


def picture_name(*words: str) -> str:
    """A picture's file name from ``words`` ("Ward 7", "progress" -> "Ward 7 progress.png"),
    without the characters a file name cannot hold."""
    text = " ".join(w.strip() for w in words if w.strip())
    return re.sub(r'[\\/:*?"<>|]+', "-", text) + ".png"


def ask_picture_path(parent: QWidget, caption: str, default_name: str) -> str | None:
    """Ask where to save a chart as a PNG picture or an SVG drawing (None: cancelled); a name
    given for an SVG drawing without its suffix gets ``.svg``."""
    name, chosen = QFileDialog.getSaveFileName(
        parent, caption, default_name, "PNG picture (*.png);;SVG drawing (*.svg)"
    )
    if not name:
        return None
    if "svg" in chosen and not name.lower().endswith(".svg"):
        name += ".svg"
    return name


def export_png(
    scene: QGraphicsScene, rect: QRectF, path: Path, background: QColor, scale: float = 2.0
) -> None:
    """Render the ``rect`` of ``scene`` into a PNG at ``scale`` times its on-screen size."""
    image = QImage(
        max(1, int(rect.width() * scale)),
        max(1, int(rect.height() * scale)),
        QImage.Format.Format_ARGB32,
    )
    image.fill(background)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        scene.render(painter, QRectF(image.rect()), rect)
    finally:
        painter.end()
    if not image.save(str(path), "PNG"):
        raise _write_error(path)


class MonthAxis(pg.AxisItem):
    """A date axis with ticks on the first of months (from the pure layout code)."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:  # type: ignore[override]
        per_label = 56.0
        ticks = month_ticks(minVal, maxVal, max_ticks=max(2, int(size / per_label)))
        return [(DAY * 30, [x for x, _ in ticks])]

    def tickStrings(self, values: list, scale: float, spacing: float) -> list[str]:  # type: ignore[override]
        if not values:
            return []
        labels = dict(month_ticks(min(values) - 1, max(values) + 1, max_ticks=len(values) + 1))
        return [labels.get(v, "") for v in values]


#: Points per ramp curve (a cubic Bézier curve drawn as a polyline: Qt would flatten a true
#: curve in data units, where x is in seconds, into far too many segments).
CURVE_POINTS = 12
_T = np.linspace(0.0, 1.0, CURVE_POINTS)


def ramp_curves(connectors: Sequence[Connector]) -> QPainterPath:
    """One path with an arc over the bars from each cycle to the next one of its ramp."""
    if not connectors:
        return QPainterPath()
    c = np.array([(k.x0, k.y0, k.x1, k.y1) for k in connectors], dtype=float)
    x0, y0, x1, y1 = c[:, 0:1], c[:, 1:2], c[:, 2:3], c[:, 3:4]
    lift = PLANNED_HEIGHT / 2
    rise = lift + 0.22
    reach = np.maximum(np.abs(x1 - x0) * 0.35, DAY * 2)
    px = (x0, x0 + reach, x1 - reach * 0.5, x1)
    py = (y0 - lift, np.minimum(y0, y1) - rise - 0.1, y1 - rise, y1 - lift - 0.06)
    t = _T[np.newaxis, :]
    u = 1.0 - t
    w = (u**3, 3 * u * u * t, 3 * u * t * t, t**3)
    xs = sum(wi * pi for wi, pi in zip(w, px, strict=True))
    ys = sum(wi * pi for wi, pi in zip(w, py, strict=True))
    connect = np.ones(xs.shape, dtype=bool)
    connect[:, -1] = False
    return pg.arrayToQPath(xs.ravel(), ys.ravel(), connect=connect.ravel())


def triangles(points: np.ndarray, shape: np.ndarray) -> QPainterPath:
    """A path of small triangles: ``shape`` (3 x 2 pixel offsets) placed at each device point."""
    if not len(points):
        return QPainterPath()
    corners = points[:, np.newaxis, :] + shape[np.newaxis, :, :]
    closed = np.concatenate([corners, corners[:, :1, :]], axis=1)  # back to the first corner
    connect = np.ones(closed.shape[:2], dtype=bool)
    connect[:, -1] = False
    return pg.arrayToQPath(
        closed[:, :, 0].ravel(), closed[:, :, 1].ravel(), connect=connect.ravel()
    )


#: Up to this many ramp connectors are drawn antialiased.
SMOOTH_CURVES_UP_TO = 150
ARROW = np.array([(-4.0, -7.0), (4.0, -7.0), (0.0, 0.0)])  # pointing down onto the next bar
TIP = np.array([(0.0, -6.0), (0.0, 6.0), (7.0, 0.0)])  # a running cycle goes on


@dataclass
class _LaneDrawing:
    """What one lane draws, in data units, made once per laid-out lane."""

    filled: dict[str, list[QRectF]]
    outlined: dict[str, list[QRectF]]
    curves: QPainterPath
    arrow_points: np.ndarray
    tips: list[tuple[float, float, str]]


def _lane_drawing(part: LanePart) -> _LaneDrawing:
    filled: dict[str, list[QRectF]] = {}
    outlined: dict[str, list[QRectF]] = {}
    tips = []
    for bar in part.bars:
        rects = filled if bar.filled else outlined
        rects.setdefault(bar.colour, []).append(
            QRectF(bar.x0, bar.y - bar.height / 2, bar.x1 - bar.x0, bar.height)
        )
        if bar.open_end:
            tips.append((bar.x1, bar.y, bar.colour))
    lift = PLANNED_HEIGHT / 2 + 0.06
    arrows = np.array([(c.x1, c.y1 - lift) for c in part.connectors], dtype=float).reshape(-1, 2)
    return _LaneDrawing(filled, outlined, ramp_curves(part.connectors), arrows, tips)


class _TimelineItem(pg.GraphicsObject):
    """Draws lane bands, bars, ramp curves, arrowheads and running tips of a layout.

    Each lane's rectangles and curves are made once when that lane is laid out (an update
    re-makes only the changed lane), and painting is a handful of calls whatever the number of
    cycles. Arrowheads and tips are drawn in device pixels so they keep their shape at any zoom.
    """

    def __init__(self) -> None:
        super().__init__()
        #: Text and highlight colours of the palette (set by the chart; no reference back to
        #: the widget, so Python's garbage collector never meets a half-deleted Qt object).
        self.text_colour = QColor("black")
        self.highlight_colour = QColor("#0072B2")
        self._layout: TimelineLayout | None = None
        self._selected: str | None = None
        self._rect = QRectF(0, 0, 1, 1)
        self._drawings: dict[int, tuple[LanePart, _LaneDrawing]] = {}
        self._lanes: list[_LaneDrawing] = []
        self._arrows = np.zeros((0, 2))
        self._pens: dict[str, QPen] = {}

    def set_layout(self, layout: TimelineLayout, parts: Sequence[LanePart]) -> None:
        span = layout.x_max - layout.x_min
        rect = QRectF(layout.x_min - span, -1, span * 3, layout.y_max + 2)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self._layout = layout
        drawings: dict[int, tuple[LanePart, _LaneDrawing]] = {}
        for part in parts:
            cached = self._drawings.get(id(part))
            if cached is None or cached[0] is not part:
                cached = (part, _lane_drawing(part))
            drawings[id(part)] = cached
        self._drawings = drawings
        self._lanes = [drawings[id(p)][1] for p in parts]
        arrows = [d.arrow_points for d in self._lanes if len(d.arrow_points)]
        self._arrows = np.concatenate(arrows) if arrows else np.zeros((0, 2))
        self.update()

    def set_selected(self, uuid: str | None) -> None:
        self._selected = uuid
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def _pen(self, colour: str | QColor, width: float) -> QPen:
        key = f"{QColor(colour).name(QColor.NameFormat.HexArgb)}/{width}"
        pen = self._pens.get(key)
        if pen is None:
            pen = self._pens[key] = pg.mkPen(colour, width=width)
            pen.setCosmetic(True)
        return pen

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        layout = self._layout
        if layout is None:
            return
        text = self.text_colour
        band = QColor(text)
        band.setAlpha(14)
        stalled = QColor(STALLED_BAND)
        stalled.setAlpha(36)
        painter.setPen(Qt.PenStyle.NoPen)
        left, width = self._rect.left(), self._rect.width()
        for lane in layout.lanes:
            if lane.stalled:
                painter.setBrush(stalled)
            elif lane.index % 2 == 0:
                painter.setBrush(band)
            else:
                continue
            painter.drawRect(QRectF(left, lane.y0 - 0.15, width, lane.y1 - lane.y0 + 0.3))
        for drawing in self._lanes:
            for colour, rects in drawing.filled.items():
                painter.setBrush(QColor(colour))
                painter.drawRects(rects)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for drawing in self._lanes:
            for colour, rects in drawing.outlined.items():
                painter.setPen(self._pen(colour, 1.0))  # width 1: Qt's fast path
                painter.drawRects(rects)
        link = QColor(text)
        link.setAlpha(150)
        transform = painter.transform()
        painter.save()
        painter.resetTransform()
        # Smooth curves cost a frame when there are hundreds (a cohort): draw those plainly.
        painter.setRenderHint(
            QPainter.RenderHint.Antialiasing, len(layout.connectors) <= SMOOTH_CURVES_UP_TO
        )
        # Stroked in device pixels with a 1-pixel pen: Qt strokes paths in data units (x in
        # seconds) or with fractional widths very slowly.
        painter.setPen(pg.mkPen(link, width=1))
        for drawing in self._lanes:
            painter.drawPath(transform.map(drawing.curves))
        scale = np.array([transform.m11(), transform.m22()])
        shift = np.array([transform.dx(), transform.dy()])
        painter.fillPath(triangles(self._arrows * scale + shift, ARROW), link)
        tips: dict[str, list[tuple[float, float]]] = {}
        for drawing in self._lanes:
            for x, y, colour in drawing.tips:
                tips.setdefault(colour, []).append((x, y))
        for colour, points in tips.items():
            device = np.array(points, dtype=float) * scale + shift
            painter.fillPath(triangles(device, TIP), QColor(colour))
        if self._selected:
            painter.setPen(pg.mkPen(self.highlight_colour, width=2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for bar in layout.bars_of(self._selected):
                r = transform.mapRect(
                    QRectF(bar.x0, bar.y - PLANNED_HEIGHT / 2, bar.x1 - bar.x0, PLANNED_HEIGHT)
                )
                painter.drawRect(r.adjusted(-3, -3, 3, 3))
        painter.restore()


class TimelineChart(QWidget):
    """Timeline of PDSA cycles: call :meth:`set_data`; ``cycle_clicked(uuid)`` on a bar click.

    The data items are in :attr:`chart_layout` (a pure :class:`TimelineLayout`).
    """

    cycle_clicked = Signal(str)
    #: A bar was double-clicked (the cohort timeline opens that team's cycle).
    cycle_double_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, title: str = "PDSA timeline"):
        super().__init__(parent)
        self.setAccessibleName(title)
        #: The file name Export… offers (the page sets one naming its team or cohort).
        self.export_name = "pdsa-timeline.png"
        self._timeline = IncrementalTimeline([], [], date.today())
        self.chart_layout: TimelineLayout = self._timeline.layout
        self._ticks: list[tuple[float, str]] | None = None
        self._empty_message = ""
        self.hover_text = ""

        outer, bar, self.caption = chart_title_bar(self, title)
        bar.setSpacing(8)
        self.legend_label = QLabel(legend_html())
        self.legend_label.setAccessibleName("Legend")
        # In a narrow window the legend wraps onto a second line instead of being cut off.
        one_line = self.legend_label.sizeHint().width()
        self.legend_label.setWordWrap(True)
        self.legend_label.setMinimumWidth(one_line // 2 + 24)
        bar.addSpacing(12)
        # The legend, not an empty stretch, takes the spare width: one line when there is room.
        bar.setStretch(1, 0)
        self.legend_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.legend_label, 1)
        self.reset_button = QPushButton("Show all")
        self.reset_button.setToolTip(f"Zoom out to show every cycle. {HINT}")
        self.reset_button.clicked.connect(self.reset_view)
        bar.addWidget(self.reset_button)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the timeline as a PNG picture or an SVG drawing")
        self.export_button.clicked.connect(self._export_clicked)
        bar.addWidget(self.export_button)
        outer.addLayout(bar)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAccessibleName(title)
        self.graphics.ci.setContentsMargins(4, 4, 8, 4)
        self.graphics.setToolTip("")
        self.graphics.setWhatsThis(HINT)
        # The legend in the picture is shown only when exporting (on screen the label above
        # says the same in less room).
        self.legend = pg.LegendItem(colCount=6, labelTextSize="10pt")
        self.plot_item = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": MonthAxis(orientation="bottom")}
        )
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.showGrid(x=True, y=False, alpha=0.15)
        self.view_box = self.plot_item.getViewBox()
        self.view_box.invertY(True)
        left = self.plot_item.getAxis("left")
        left.setStyle(tickLength=0)
        self.items = _TimelineItem()
        self.plot_item.addItem(self.items)
        self.today_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(TODAY_COLOUR, width=1, style=Qt.PenStyle.DashLine),
            label="Today",
            # Left of the line: today is usually at the right edge, where a label was cut off.
            labelOpts={"position": 0.02, "color": TODAY_COLOUR, "anchors": [(1, 0), (1, 0)]},
        )
        self.plot_item.addItem(self.today_line)
        self.empty_text = pg.TextItem("", anchor=(0.5, 0.5))
        self.plot_item.addItem(self.empty_text, ignoreBounds=True)
        self._build_legend()
        self._apply_palette()
        outer.addWidget(self.graphics, 1)
        self.graphics.scene().sigMouseMoved.connect(self._mouse_moved)
        self.graphics.scene().sigMouseClicked.connect(self._mouse_clicked)

    # --- data --------------------------------------------------------------------------------

    def set_data(
        self,
        lanes: Sequence[TimelineLane],
        cycles: Sequence[TimelineCycle],
        today: date,
        *,
        stall_days: int | None = None,
        keep_view: bool = False,
        empty_message: str = "No cycles with dates yet.",
    ) -> None:
        """Show ``cycles`` in ``lanes`` (lanes of unknown keys are added at the end);
        ``empty_message`` shows when no cycle has dates."""
        self._empty_message = empty_message
        self._timeline = IncrementalTimeline(lanes, cycles, today, stall_days=stall_days)
        self._show_layout(self._timeline.layout)
        if not keep_view:
            self.reset_view()

    def update_cycle(self, cycle: TimelineCycle) -> None:
        """Show one changed (or new) cycle, keeping the zoom; only its lane is laid out again."""
        self._show_layout(self._timeline.update_cycle(cycle))

    def remove_cycle(self, uuid: str) -> None:
        self._show_layout(self._timeline.remove_cycle(uuid))

    def select_cycle(self, uuid: str | None) -> None:
        """Outline the bars of ``uuid`` (None clears)."""
        self.items.set_selected(uuid)

    def cycle(self, uuid: str) -> TimelineCycle | None:
        return self._timeline.cycles.get(uuid)

    def ensure_visible(self, uuid: str) -> None:
        """Widen the view, if needed, so the bars of ``uuid`` show (a new cycle planned from
        today sat past the right edge); the zoom stays otherwise."""
        bars = self.chart_layout.bars_of(uuid)
        if not bars:
            return
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        left, right = min(b.x0 for b in bars), max(b.x1 for b in bars)
        pad = (right - left) * 0.1 + DAY
        if left - pad < x0 or right + pad > x1:
            self.view_box.setXRange(min(x0, left - pad), max(x1, right + pad), padding=0)
        y = bars[0].y
        if not y0 <= y <= y1:
            half = (y1 - y0) / 2
            self.view_box.setYRange(y - half, y + half, padding=0)

    def _show_layout(self, layout: TimelineLayout) -> None:
        self.chart_layout = layout
        self.empty_text.setText("" if layout.bars else self._empty_message)
        self.empty_text.setPos((layout.x_min + layout.x_max) / 2, layout.y_max / 2)
        self.items.set_layout(layout, self._timeline.parts)
        self.today_line.setValue(layout.today_x)
        ticks = []
        for lane in layout.lanes:
            title = lane.title + (" (stalled)" if lane.stalled else "")
            ticks.append((lane.y_centre, title))
        if ticks != self._ticks:
            self._ticks = ticks
            axis = self.plot_item.getAxis("left")
            metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
            shown = [
                (y, metrics.elidedText(t, Qt.TextElideMode.ElideMiddle, MAX_LABEL_WIDTH))
                for y, t in ticks
            ]
            widest = max((metrics.horizontalAdvance(t) for _, t in shown), default=0)
            if axis.width() != widest + 16:
                axis.setWidth(widest + 16)
            axis.setTicks([shown, []])

    def reset_view(self) -> None:
        layout = self.chart_layout
        pad = (layout.x_max - layout.x_min) * 0.03 + DAY
        self.view_box.setLimits(
            xMin=layout.x_min - 400 * DAY,
            xMax=layout.x_max + 400 * DAY,
            yMin=-0.9,
            yMax=max(layout.y_max, 1.0) + 0.5,
        )
        self.view_box.setXRange(layout.x_min - pad, layout.x_max + pad, padding=0)
        self.view_box.setYRange(-0.5, min(layout.y_max, MAX_VISIBLE_ROWS) + 0.3, padding=0)

    # --- legend, palette, export ----------------------------------------------------------

    def _build_legend(self) -> None:
        for decision in ("adopt", "adapt", "abandon", None):
            colour = DECISION_COLOURS[decision]
            sample = pg.ScatterPlotItem(symbol="s", size=11, brush=colour, pen=colour)
            self.legend.addItem(sample, DECISION_LABELS[decision])
        planned = pg.ScatterPlotItem(
            symbol="s", size=11, brush=None, pen=pg.mkPen("#8C8C8C", width=1.5)
        )
        self.legend.addItem(planned, "Planned dates (outline)")
        actual = pg.ScatterPlotItem(symbol="s", size=7, brush="#8C8C8C", pen=None)
        self.legend.addItem(actual, "Actual dates (filled)")

    def _show_picture_legend(self, show: bool) -> None:
        if show:
            self.graphics.addItem(self.legend, row=0, col=0)
        else:
            self.graphics.removeItem(self.legend)
        self.graphics.ci.layout.activate()

    def legend_labels(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    def _apply_palette(self, palette: QPalette | None = None) -> None:
        palette = palette or self.palette()
        self.empty_text.setColor(palette.color(QPalette.ColorRole.PlaceholderText))
        self.items.text_colour = palette.color(QPalette.ColorRole.Text)
        self.items.highlight_colour = palette.color(QPalette.ColorRole.Highlight)
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        for _, label in self.legend.items:
            label.setText(label.text, color=text)

    def export(self, path: Path | str) -> Path:
        """Save the chart (legend included) as PNG or SVG, chosen by the file's suffix."""
        path = Path(path)
        scene = self.graphics.scene()
        self._show_picture_legend(True)
        palette = print_palette()
        self._apply_palette(palette)
        try:
            rect = self.graphics.ci.sceneBoundingRect()
            if path.suffix.lower() == ".svg":
                export_svg(scene, rect, path, self.accessibleName())
            else:
                if path.suffix.lower() != ".png":
                    path = path.with_suffix(".png")
                export_png(scene, rect, path, palette.color(QPalette.ColorRole.Base))
        finally:
            self._show_picture_legend(False)
            self._apply_palette()
        return path

    def _export_clicked(self) -> None:
        save_chart_picture(self, "Export timeline", self.export_name, self.export)

    # --- mouse ------------------------------------------------------------------------------

    def cycle_at_scene(self, scene_pos: QPointF) -> str | None:
        if not self.plot_item.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view_box.mapSceneToView(scene_pos)
        return self.chart_layout.cycle_at(point.x(), point.y())

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        uuid = self.cycle_at_scene(scene_pos)
        cycle = self._timeline.cycles.get(uuid) if uuid else None
        self.hover_text = cycle_tooltip(cycle) if cycle else ""
        self.graphics.setCursor(
            Qt.CursorShape.PointingHandCursor if cycle else Qt.CursorShape.ArrowCursor
        )
        if cycle:
            view_pos = self.graphics.mapFromScene(scene_pos)
            QToolTip.showText(self.graphics.mapToGlobal(view_pos), self.hover_text, self.graphics)
        else:
            QToolTip.hideText()

    def _mouse_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        uuid = self.cycle_at_scene(event.scenePos())  # type: ignore[attr-defined]
        if uuid:
            self.select_cycle(uuid)
            if event.double():  # type: ignore[attr-defined]
                self.cycle_double_clicked.emit(uuid)
            else:
                self.cycle_clicked.emit(uuid)

    def scene_pos_of(self, uuid: str) -> QPointF | None:
        """Where the middle of a cycle's first bar is, in scene coordinates (for tests)."""
        bars = self.chart_layout.bars_of(uuid)
        if not bars:
            return None
        bar = bars[-1]
        return self.view_box.mapViewToScene(QPointF((bar.x0 + bar.x1) / 2, bar.y))
