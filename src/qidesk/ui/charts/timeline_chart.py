"""The PDSA timeline chart: lanes of cycle bars (planned hollow, actual filled), ramps, today."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QFileDialog,
    QGraphicsScene,
    QHBoxLayout,
    QLabel,
    QPushButton,
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
    TimelineCycle,
    TimelineLane,
    TimelineLayout,
    cycle_tooltip,
    layout_timeline,
    month_ticks,
)

TODAY_COLOUR = "#0072B2"
STALLED_BAND = "#E69F00"
#: Lane titles longer than this (pixels) are shortened with an ellipsis in the middle.
MAX_LABEL_WIDTH = 230
#: Rows shown at first; more lanes are reached by scrolling (dragging) vertically.
MAX_VISIBLE_ROWS = 24


def export_svg(scene: QGraphicsScene, rect: QRectF, path: Path, title: str) -> None:
    """Render ``scene`` into an SVG file with Qt's generator (pyqtgraph's SVG exporter cannot
    read the paths Qt 6.12 writes)."""
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setTitle(title)
    generator.setSize(rect.size().toSize())
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
    painter = QPainter(generator)
    try:
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    finally:
        painter.end()


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
        raise OSError(f"Could not write {path}")


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


class _TimelineItem(pg.GraphicsObject):
    """Draws lane bands, bars and ramp connectors of a layout in one paint pass."""

    def __init__(self, chart: TimelineChart):
        super().__init__()
        self._chart = chart
        self._layout: TimelineLayout | None = None
        self._selected: str | None = None
        self._rect = QRectF(0, 0, 1, 1)

    def set_layout(self, layout: TimelineLayout) -> None:
        self.prepareGeometryChange()
        self._layout = layout
        span = layout.x_max - layout.x_min
        self._rect = QRectF(layout.x_min - span, -1, span * 3, layout.y_max + 2)
        self.update()

    def set_selected(self, uuid: str | None) -> None:
        self._selected = uuid
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        layout = self._layout
        if layout is None:
            return
        text = self._chart.palette().color(QPalette.ColorRole.Text)
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

        pens: dict[str, QPen] = {}
        brushes: dict[str, QBrush] = {}
        for bar in layout.bars:
            rect = QRectF(bar.x0, bar.y - bar.height / 2, bar.x1 - bar.x0, bar.height)
            if bar.filled:
                brush = brushes.get(bar.colour)
                if brush is None:
                    brush = brushes[bar.colour] = QBrush(QColor(bar.colour))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(brush)
            else:
                pen = pens.get(bar.colour)
                if pen is None:
                    pen = pens[bar.colour] = pg.mkPen(bar.colour, width=1.6)
                    pen.setCosmetic(True)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect)

        # Ramp connectors, selection and running-cycle tips are drawn in device pixels, so
        # arrows keep their shape at any zoom.
        transform = painter.transform()
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        link = QColor(text)
        link.setAlpha(150)
        painter.setPen(pg.mkPen(link, width=1.3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        arrows: list[QPolygonF] = []
        lift = PLANNED_HEIGHT / 2
        for c in layout.connectors:
            p0 = transform.map(QPointF(c.x0, c.y0 - lift))
            p1 = transform.map(QPointF(c.x1, c.y1 - lift))
            rise = max(10.0, min(28.0, abs(p1.x() - p0.x()) / 3))
            path = QPainterPath(p0)
            path.cubicTo(
                QPointF(p0.x() + rise * 0.4, p0.y() - rise),
                QPointF(p1.x() - rise * 0.4, p1.y() - rise),
                p1,
            )
            painter.drawPath(path)
            arrows.append(
                QPolygonF([p1, QPointF(p1.x() - 6, p1.y() - 6), QPointF(p1.x() + 2, p1.y() - 7)])
            )
        painter.setBrush(link)
        for arrow in arrows:
            painter.drawPolygon(arrow)
        painter.setPen(Qt.PenStyle.NoPen)
        for bar in layout.bars:
            if bar.open_end:
                top = transform.map(QPointF(bar.x1, bar.y - bar.height / 2))
                bottom = transform.map(QPointF(bar.x1, bar.y + bar.height / 2))
                mid = (top.y() + bottom.y()) / 2
                painter.setBrush(QColor(bar.colour))
                painter.drawPolygon(
                    QPolygonF([top, bottom, QPointF(top.x() + (bottom.y() - top.y()) / 2, mid)])
                )
        if self._selected:
            highlight = self._chart.palette().color(QPalette.ColorRole.Highlight)
            painter.setPen(pg.mkPen(highlight, width=2.5))
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

    def __init__(self, parent: QWidget | None = None, *, title: str = "PDSA timeline"):
        super().__init__(parent)
        self.setAccessibleName(title)
        self._lanes: list[TimelineLane] = []
        self._cycles: dict[str, TimelineCycle] = {}
        self._today = date.today()
        self._stall_days: int | None = None
        self.chart_layout: TimelineLayout = layout_timeline([], [], self._today)
        self.hover_text = ""

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.caption = QLabel(title)
        font = self.caption.font()
        font.setBold(True)
        self.caption.setFont(font)
        bar.addWidget(self.caption)
        bar.addStretch(1)
        self.hint = QLabel("Drag to pan, wheel to zoom, click a bar to open its cycle")
        self.hint.setEnabled(False)
        bar.addWidget(self.hint)
        self.reset_button = QPushButton("Show all")
        self.reset_button.setToolTip("Zoom out to show every cycle")
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
        self.legend = pg.LegendItem(colCount=6, labelTextSize="9pt")
        self.graphics.addItem(self.legend, row=0, col=0)
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
        self.items = _TimelineItem(self)
        self.plot_item.addItem(self.items)
        self.today_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(TODAY_COLOUR, width=1.5, style=Qt.PenStyle.DashLine),
            label="Today",
            labelOpts={"position": 0.02, "color": TODAY_COLOUR, "anchors": [(0, 0), (0, 0)]},
        )
        self.plot_item.addItem(self.today_line)
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
    ) -> None:
        """Show ``cycles`` in ``lanes`` (lanes of unknown keys are added at the end)."""
        self._lanes = list(lanes)
        self._cycles = {c.uuid: c for c in cycles}
        self._today = today
        self._stall_days = stall_days
        self._relayout()
        if not keep_view:
            self.reset_view()

    def update_cycle(self, cycle: TimelineCycle) -> None:
        """Show one changed (or new) cycle, keeping the zoom."""
        self._cycles[cycle.uuid] = cycle
        self._relayout()

    def remove_cycle(self, uuid: str) -> None:
        self._cycles.pop(uuid, None)
        self._relayout()

    def select_cycle(self, uuid: str | None) -> None:
        """Outline the bars of ``uuid`` (None clears)."""
        self.items.set_selected(uuid)

    def cycle(self, uuid: str) -> TimelineCycle | None:
        return self._cycles.get(uuid)

    def _relayout(self) -> None:
        layout = layout_timeline(
            self._lanes, list(self._cycles.values()), self._today, stall_days=self._stall_days
        )
        self.chart_layout = layout
        self.items.set_layout(layout)
        self.today_line.setValue(layout.today_x)
        ticks = []
        axis = self.plot_item.getAxis("left")
        metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
        widest = 0
        for lane in layout.lanes:
            title = lane.title + (" (stalled)" if lane.stalled else "")
            title = metrics.elidedText(title, Qt.TextElideMode.ElideMiddle, MAX_LABEL_WIDTH)
            widest = max(widest, metrics.horizontalAdvance(title))
            ticks.append((lane.y_centre, title))
        axis.setWidth(widest + 16)
        axis.setTicks([ticks, []])

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
        self.view_box.setYRange(-0.7, min(layout.y_max, MAX_VISIBLE_ROWS) + 0.3, padding=0)

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

    def legend_labels(self) -> list[str]:
        return [label.text for _, label in self.legend.items]

    def _apply_palette(self) -> None:
        palette = self.palette()
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
        rect = self.graphics.ci.sceneBoundingRect()
        if path.suffix.lower() == ".svg":
            export_svg(scene, rect, path, self.accessibleName())
        else:
            if path.suffix.lower() != ".png":
                path = path.with_suffix(".png")
            export_png(scene, rect, path, self.palette().color(QPalette.ColorRole.Base))
        return path

    def _export_clicked(self) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self,
            "Export timeline",
            "pdsa-timeline.png",
            "PNG picture (*.png);;SVG drawing (*.svg)",
        )
        if not name:
            return
        if "svg" in chosen and not name.lower().endswith(".svg"):
            name += ".svg"
        self.export(name)

    # --- mouse ------------------------------------------------------------------------------

    def cycle_at_scene(self, scene_pos: QPointF) -> str | None:
        if not self.plot_item.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.view_box.mapSceneToView(scene_pos)
        return self.chart_layout.cycle_at(point.x(), point.y())

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        uuid = self.cycle_at_scene(scene_pos)
        cycle = self._cycles.get(uuid) if uuid else None
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
            self.cycle_clicked.emit(uuid)

    def scene_pos_of(self, uuid: str) -> QPointF | None:
        """Where the middle of a cycle's first bar is, in scene coordinates (for tests)."""
        bars = self.chart_layout.bars_of(uuid)
        if not bars:
            return None
        bar = bars[-1]
        return self.view_box.mapViewToScene(QPointF((bar.x0 + bar.x1) / 2, bar.y))
