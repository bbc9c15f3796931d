"""The IHI progress chart: the team's and the coach's monthly scores on one chart, with the gap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from qidesk.core.progress_scale import MAX_SCORE, MIN_SCORE, RATER_LABELS, RATERS
from qidesk.core.timeline_layout import DAY, date_x
from qidesk.ui.charts.timeline_chart import (
    MonthAxis,
    chart_title_bar,
    export_png,
    export_svg,
    print_palette,
    save_chart_picture,
)

#: Team: blue solid line with circles; coach: reddish purple dashed line with squares
#: (Okabe-Ito; the line styles keep a grey-scale print readable).
SERIES_STYLE = {
    "team": ("#0072B2", Qt.PenStyle.SolidLine, "o"),
    "coach": ("#CC79A7", Qt.PenStyle.DashLine, "s"),
}
#: The widest a team's name is drawn beside the latest-scores chart (longer ones are elided).
LABEL_WIDTH = 190
LABEL_MIN_WIDTH = 80


def export_scene(
    graphics: pg.GraphicsLayoutWidget, path: Path | str, title: str, palette: QPalette
) -> Path:
    """Save what ``graphics`` shows as SVG (``.svg``) or PNG (anything else)."""
    path = Path(path)
    scene = graphics.scene()
    rect = graphics.ci.sceneBoundingRect()
    if path.suffix.lower() == ".svg":
        export_svg(scene, rect, path, title)
    else:
        path = path.with_suffix(".png")
        export_png(scene, rect, path, palette.color(QPalette.ColorRole.Base))
    return path


class ProgressChart(QWidget):
    """Call :meth:`set_data` with the scale's (score, title) pairs and (month, rater, score)."""

    def __init__(self, parent: QWidget | None = None, *, title: str = "IHI progress score"):
        super().__init__(parent)
        self.setAccessibleName(title)
        #: The file name Export… offers (the page sets one naming its team).
        self.export_name = "progress.png"
        self._series: dict[str, list[tuple[date, float]]] = {r: [] for r in RATERS}
        self._labels: list[tuple[float, str]] = []
        outer, bar, self.caption = chart_title_bar(self, title)
        self.legend_label = QLabel(
            "&nbsp;&nbsp; ".join(
                f"<span style='color:{SERIES_STYLE[r][0]}'>{'●' if r == 'team' else '■'}</span>"
                f"&nbsp;{RATER_LABELS[r]} {'(solid)' if r == 'team' else '(dashed)'}"
                for r in RATERS
            )
            + "&nbsp;&nbsp; <span style='color:#8C8C8C'>■</span>&nbsp;gap"
        )
        bar.addWidget(self.legend_label)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save the chart as a PNG picture or an SVG drawing")
        self.export_button.clicked.connect(self._export_clicked)
        bar.addWidget(self.export_button)
        outer.addLayout(bar)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAccessibleName(title)
        self.graphics.ci.setContentsMargins(4, 4, 12, 4)
        # On screen the legend is a label in the title row; the picture's own legend shows only
        # while exporting.
        self.legend = pg.LegendItem(colCount=3, labelTextSize="10pt")
        self.plot_item = self.graphics.addPlot(
            row=1, col=0, axisItems={"bottom": MonthAxis(orientation="bottom")}
        )
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.plot_item.setContentsMargins(0, 8, 0, 0)
        self.plot_item.showGrid(x=False, y=True, alpha=0.15)
        self.curves: dict[str, pg.PlotDataItem] = {}
        for rater in RATERS:
            colour, style, symbol = SERIES_STYLE[rater]
            curve = pg.PlotDataItem(
                pen=pg.mkPen(colour, width=2.2, style=style),
                symbol=symbol,
                symbolSize=8 if rater == "team" else 11,
                symbolBrush=colour,
                symbolPen=colour,
                name=f"{RATER_LABELS[rater]} score",
            )
            # The team's series on top, its circles on the coach's larger squares: a month where
            # both gave the same score shows both marks (the coach's hid the team's).
            curve.setZValue(2 if rater == "team" else 1)
            self.plot_item.addItem(curve)
            self.curves[rater] = curve
            self.legend.addItem(curve, f"{RATER_LABELS[rater]} score")
        self._gap_top = pg.PlotCurveItem(pen=pg.mkPen(None))
        self._gap_bottom = pg.PlotCurveItem(pen=pg.mkPen(None))
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

    def _apply_palette(self, palette: QPalette | None = None) -> None:
        palette = palette or self.palette()
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
        """Save the chart (with its legend) as PNG or SVG, chosen by the file's suffix."""
        self.graphics.addItem(self.legend, row=0, col=0)
        palette = print_palette()  # a picture for documents: light, whatever the screen
        self._apply_palette(palette)
        self.graphics.ci.layout.activate()
        try:
            return export_scene(self.graphics, path, self.accessibleName(), palette)
        finally:
            self.graphics.removeItem(self.legend)
            self._apply_palette()
            self.graphics.ci.layout.activate()

    def _export_clicked(self) -> None:
        save_chart_picture(self, "Export progress chart", self.export_name, self.export)


class LatestScoresChart(QWidget):
    """Each team's latest score from the team (circle) and the coach (square), joined by a line:
    a long line is a big gap. Teams top to bottom in the order given."""

    def __init__(self, parent: QWidget | None = None, *, title: str = "Latest progress scores"):
        super().__init__(parent)
        self.setAccessibleName(title)
        #: The file name Export… offers (the page sets one naming its cohort).
        self.export_name = "latest-scores.png"
        self._rows: list[tuple[str, float | None, float | None]] = []
        outer, bar, self.caption = chart_title_bar(self, title)
        legend = "&nbsp;&nbsp; ".join(
            f"<span style='color:{SERIES_STYLE[r][0]}'>{'●' if r == 'team' else '■'}</span>"
            f"&nbsp;{RATER_LABELS[r]}"
            for r in RATERS
        )
        self.legend_label = QLabel(legend)
        bar.addWidget(self.legend_label)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self._export_clicked)
        bar.addWidget(self.export_button)
        outer.addLayout(bar)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setAccessibleName(title)
        self.graphics.ci.setContentsMargins(4, 4, 12, 4)
        self.plot_item = self.graphics.addPlot(row=0, col=0)
        self.plot_item.hideButtons()
        self.plot_item.setMenuEnabled(False)
        self.plot_item.setMouseEnabled(x=False, y=True)
        self.plot_item.showGrid(x=True, y=False, alpha=0.15)
        self.plot_item.getViewBox().invertY(True)
        self.gap_lines = pg.PlotDataItem(pen=pg.mkPen((140, 140, 140), width=3), connect="pairs")
        self.plot_item.addItem(self.gap_lines)
        self.points: dict[str, pg.ScatterPlotItem] = {}
        for rater in RATERS:
            colour, _style, symbol = SERIES_STYLE[rater]
            # The team's circle sits on the coach's (larger) square: when both gave the same
            # score the square shows around the circle, so neither mark hides the other.
            size = 10 if rater == "team" else 13
            item = pg.ScatterPlotItem(symbol=symbol, size=size, brush=colour, pen=colour)
            item.setZValue(2 if rater == "team" else 1)
            self.plot_item.addItem(item)
            self.points[rater] = item
        bottom = self.plot_item.getAxis("bottom")
        bottom.setTicks([[(s, f"{s:.1f}") for s in (1.0, 2.0, 3.0, 4.0, 5.0)], []])
        self._apply_palette()
        outer.addWidget(self.graphics, 1)

    def _apply_palette(self, palette: QPalette | None = None) -> None:
        palette = palette or self.palette()
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))

    def set_rows(self, rows: Sequence[tuple[str, float | None, float | None]]) -> None:
        """(team name, team's latest score, coach's latest score), top to bottom."""
        self._rows = list(rows)
        team_pts, coach_pts, pairs = [], [], []
        for index, (_name, team, coach) in enumerate(self._rows):
            if team is not None:
                team_pts.append((team, index))
            if coach is not None:
                coach_pts.append((coach, index))
            if team is not None and coach is not None:
                pairs += [(team, index), (coach, index)]
        self.points["team"].setData(pos=team_pts)
        self.points["coach"].setData(pos=coach_pts)
        if pairs:
            xs, ys = zip(*pairs, strict=True)
            self.gap_lines.setData(np.array(xs, dtype=float), np.array(ys, dtype=float))
        else:
            self.gap_lines.setData([], [])
        self._set_labels()
        self.plot_item.setXRange(MIN_SCORE - 0.25, MAX_SCORE + 0.25, padding=0)
        self.plot_item.setYRange(-0.7, max(len(self._rows), 1) - 0.3, padding=0)

    def label_width(self) -> int:
        """The widest a name is drawn: ``LABEL_WIDTH``, or less in a narrow chart (at most
        two fifths of it) so the scores keep their room."""
        return max(LABEL_MIN_WIDTH, min(LABEL_WIDTH, int(self.width() * 0.4)))

    def _set_labels(self) -> None:
        # A long name is cut in the middle; the table beside the chart has it in full.
        metrics = QFontMetrics(self.font())
        width = self.label_width()
        self._label_width_drawn = width
        self.plot_item.getAxis("left").setTicks(
            [
                [
                    (i, metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width))
                    for i, (name, _t, _c) in enumerate(self._rows)
                ],
                [],
            ]
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.label_width() != getattr(self, "_label_width_drawn", None):
            self._set_labels()

    def team_points(self, rater: str) -> list[tuple[float, float]]:
        """(score, row) of every drawn point of ``rater`` (what tests check)."""
        return [(p.pos().x(), p.pos().y()) for p in self.points[rater].points()]

    def row_names(self) -> list[str]:
        return [name for name, _t, _c in self._rows]

    def export(self, path: Path | str) -> Path:
        """Save the chart as PNG or SVG, chosen by the file's suffix (in light colours)."""
        palette = print_palette()
        self._apply_palette(palette)
        try:
            return export_scene(self.graphics, path, self.accessibleName(), palette)
        finally:
            self._apply_palette()

    def _export_clicked(self) -> None:
        save_chart_picture(self, "Export chart", self.export_name, self.export)
