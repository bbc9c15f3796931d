"""The IHI progress chart: the team's and the coach's monthly scores on one chart, with the gap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from qidesk.core.progress_scale import MAX_SCORE, MIN_SCORE, RATER_LABELS, RATERS
from qidesk.core.timeline_layout import DAY, date_x
from qidesk.ui.charts.timeline_chart import MonthAxis, export_png, export_svg

#: Team: blue solid line with circles; coach: reddish purple dashed line with squares
#: (Okabe-Ito; the line styles keep a grey-scale print readable).
SERIES_STYLE = {
    "team": ("#0072B2", Qt.PenStyle.SolidLine, "o"),
    "coach": ("#CC79A7", Qt.PenStyle.DashLine, "s"),
}


class ProgressChart(QWidget):
    """Call :meth:`set_data` with the scale's (score, title) pairs and (month, rater, score)."""

    def __init__(self, parent: QWidget | None = None, *, title: str = "IHI progress score"):
        super().__init__(parent)
        self.setAccessibleName(title)
        self._series: dict[str, list[tuple[date, float]]] = {r: [] for r in RATERS}
        self._labels: list[tuple[float, str]] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        bar = QHBoxLayout()
        self.caption = QLabel(title)
        font = self.caption.font()
        font.setBold(True)
        self.caption.setFont(font)
        bar.addWidget(self.caption)
        bar.addStretch(1)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the chart as a PNG picture or an SVG drawing")
        self.export_button.clicked.connect(self._export_clicked)
        bar.addWidget(self.export_button)
        outer.addLayout(bar)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAccessibleName(title)
        self.graphics.ci.setContentsMargins(4, 4, 12, 4)
        self.legend = pg.LegendItem(colCount=3, labelTextSize="9pt")
        self.graphics.addItem(self.legend, row=0, col=0)
        self.plot_item = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": MonthAxis(orientation="bottom")}
        )
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.plot_item.showGrid(x=False, y=True, alpha=0.15)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for rater in RATERS:
            colour, style, symbol = SERIES_STYLE[rater]
            curve = pg.PlotDataItem(
                pen=pg.mkPen(colour, width=2.2, style=style),
                symbol=symbol,
                symbolSize=8,
                symbolBrush=colour,
                symbolPen=colour,
                name=f"{RATER_LABELS[rater]} score",
            )
            self.plot_item.addItem(curve)
            self.curves[rater] = curve
            self.legend.addItem(curve, f"{RATER_LABELS[rater]} score")
        self._gap_top = pg.PlotDataItem(pen=None)
        self._gap_bottom = pg.PlotDataItem(pen=None)
        self.gap_fill = pg.FillBetweenItem(
            self._gap_top, self._gap_bottom, brush=(140, 140, 140, 50)
        )
        self.plot_item.addItem(self.gap_fill)
        self.gap_fill.setZValue(-10)
        gap_sample = pg.ScatterPlotItem(symbol="s", size=11, brush=(140, 140, 140, 90), pen=None)
        self.legend.addItem(gap_sample, "Gap (same month)")
        self.empty_label = pg.TextItem(
            "No scores yet: add this month's score from the team and from the coach.",
            anchor=(0.5, 0.5),
        )
        self.plot_item.addItem(self.empty_label, ignoreBounds=True)
        self._apply_palette()
        outer.addWidget(self.graphics, 1)

    def set_data(
        self,
        scale: Sequence[tuple[float, str]],
        scores: Sequence[tuple[date, str, float]],
        today: date | None = None,
    ) -> None:
        """Draw both series; ``scale`` labels the y axis (``(0.5, "Intent to participate")``)."""
        self._labels = [(s, f"{s:.1f} {t}") for s, t in scale]
        self._series = {r: [] for r in RATERS}
        for month, rater, score in sorted(scores):
            self._series.setdefault(rater, []).append((month, score))
        for rater, curve in self.curves.items():
            points = self._series.get(rater, [])
            curve.setData(
                np.array([date_x(m) for m, _ in points], dtype=float),
                np.array([s for _, s in points], dtype=float),
            )
        self._update_gap()
        self.plot_item.getAxis("left").setTicks([self._labels, []])
        months = [m for pts in self._series.values() for m, _ in pts]
        if today is not None:
            months.append(today.replace(day=1))
        has_scores = any(self._series.values())
        self.empty_label.setVisible(not has_scores)
        if months:
            x0, x1 = date_x(min(months)), date_x(max(months))
        else:
            x0 = date_x((today or date.today()).replace(day=1))
            x1 = x0 + 120 * DAY
        pad = max(15 * DAY, (x1 - x0) * 0.05)
        self.plot_item.setXRange(x0 - pad, x1 + pad, padding=0)
        self.plot_item.setYRange(MIN_SCORE - 0.25, MAX_SCORE + 0.25, padding=0)
        self.empty_label.setPos((x0 + x1) / 2, (MIN_SCORE + MAX_SCORE) / 2)

    def _update_gap(self) -> None:
        team = dict(self._series.get("team", []))
        coach = dict(self._series.get("coach", []))
        both = sorted(set(team) & set(coach))
        xs = np.array([date_x(m) for m in both], dtype=float)
        self._gap_top.setData(xs, np.array([max(team[m], coach[m]) for m in both], dtype=float))
        self._gap_bottom.setData(xs, np.array([min(team[m], coach[m]) for m in both], dtype=float))

    # --- data items (what tests and the table read) ---------------------------------------

    def series(self, rater: str) -> list[tuple[date, float]]:
        return list(self._series.get(rater, []))

    def curve_points(self, rater: str) -> list[tuple[float, float]]:
        xs, ys = self.curves[rater].getData()
        if xs is None or ys is None:
            return []
        return list(zip(xs.tolist(), ys.tolist(), strict=True))

    def axis_labels(self) -> list[tuple[float, str]]:
        return list(self._labels)

    def gaps(self) -> list[tuple[date, float]]:
        """(month, coach minus team) for every month both rated."""
        team = dict(self._series.get("team", []))
        coach = dict(self._series.get("coach", []))
        return [(m, coach[m] - team[m]) for m in sorted(set(team) & set(coach))]

    # --- look and export --------------------------------------------------------------------

    def _apply_palette(self) -> None:
        palette = self.palette()
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        self.empty_label.setColor(palette.color(QPalette.ColorRole.PlaceholderText))
        for _, label in self.legend.items:
            label.setText(label.text, color=text)

    def export(self, path: Path | str) -> Path:
        path = Path(path)
        scene = self.graphics.scene()
        rect = self.graphics.ci.sceneBoundingRect()
        if path.suffix.lower() == ".svg":
            export_svg(scene, rect, path, self.accessibleName())
        else:
            path = path.with_suffix(".png")
            export_png(scene, rect, path, self.palette().color(QPalette.ColorRole.Base))
        return path

    def _export_clicked(self) -> None:
        name, chosen = QFileDialog.getSaveFileName(
            self,
            "Export progress chart",
            "progress.png",
            "PNG picture (*.png);;SVG drawing (*.svg)",
        )
        if name:
            if "svg" in chosen and not name.lower().endswith(".svg"):
                name += ".svg"
            self.export(name)
