"""The team's A4 self-assessment summary as a PDF, drawn with Qt's own PDF writer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from qidesk import APP_NAME
from qidesk.core.assessment_stats import STAGE_LABELS
from qidesk.services.assessment_service import TeamResults
from qidesk.ui.charts.radar_paint import paint_radar, stage_label, team_radar_data

RESOLUTION = 300
MARGIN_MM = 15


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _fmt_change(value: float | None) -> str:
    if value is None:
        return "–"
    return "0.0" if abs(value) < 0.05 else f"{value:+.1f}"


class _Page:
    """A cursor down an A4 page of the writer; starts a new page when the next block won't fit."""

    def __init__(self, writer: QPdfWriter, painter: QPainter):
        self.writer = writer
        self.painter = painter
        self.rect = QRectF(writer.pageLayout().paintRectPixels(RESOLUTION))
        self.rect.moveTo(0, 0)
        self.y = 0.0
        self.mm = RESOLUTION / 25.4

    def metrics(self, font: QFont) -> QFontMetricsF:
        return QFontMetricsF(font, self.writer)

    def ensure(self, height: float) -> None:
        if self.y + height > self.rect.height() and self.y > 0:
            self.writer.newPage()
            self.y = 0.0

    def text(self, text: str, font: QFont, colour: str = "#1a1a1a", gap_mm: float = 1.5) -> None:
        """A paragraph, word-wrapped to the page width."""
        self.painter.setFont(font)
        self.painter.setPen(QColor(colour))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        bounds = self.painter.boundingRect(
            QRectF(0, 0, self.rect.width(), 10_000), int(flags), text
        )
        self.ensure(bounds.height())
        self.painter.drawText(
            QRectF(0, self.y, self.rect.width(), bounds.height()), int(flags), text
        )
        self.y += bounds.height() + gap_mm * self.mm

    def columns(
        self, blocks: Sequence[tuple[str, Sequence[str]]], heading: QFont, body: QFont
    ) -> None:
        """Blocks of a heading and lines, side by side in equal columns."""
        gap = 6 * self.mm
        width = (self.rect.width() - gap * (len(blocks) - 1)) / len(blocks)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)

        def height_of(text: str, font: QFont) -> float:
            self.painter.setFont(font)
            return self.painter.boundingRect(QRectF(0, 0, width, 10_000), flags, text).height()

        heights = [
            height_of(title, heading)
            + self.mm
            + sum(height_of(line, body) + 0.6 * self.mm for line in lines)
            for title, lines in blocks
        ]
        self.ensure(max(heights))
        for index, (title, lines) in enumerate(blocks):
            x = index * (width + gap)
            y = self.y
            for text, font, colour, after in [
                (title, heading, "#1a1a1a", self.mm),
                *((line, body, "#1a1a1a", 0.6 * self.mm) for line in lines),
            ]:
                h = height_of(text, font)
                self.painter.setFont(font)
                self.painter.setPen(QColor(colour))
                self.painter.drawText(QRectF(x, y, width, h), flags, text)
                y += h + after
        self.y += max(heights) + 2 * self.mm

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        font: QFont,
    ) -> None:
        """A simple ruled table; ``widths`` are fractions of the page width."""
        metrics = self.metrics(font)
        bold = QFont(font)
        bold.setBold(True)
        pad = 1.2 * self.mm
        row_height = metrics.height() + pad
        columns = [w * self.rect.width() for w in widths]

        def draw_row(values: Sequence[str], row_font: QFont, shade: bool) -> None:
            # The first column wraps; the row grows to fit it.
            flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
            self.painter.setFont(row_font)
            height = row_height
            for value, width in zip(values, columns, strict=True):
                bounds = self.painter.boundingRect(
                    QRectF(0, 0, width - pad, 10_000), int(flags), value
                )
                height = max(height, bounds.height() + pad)
            self.ensure(height)
            if shade:
                self.painter.fillRect(
                    QRectF(0, self.y, self.rect.width(), height), QColor("#f2f2f2")
                )
            x = 0.0
            self.painter.setPen(QColor("#1a1a1a"))
            for index, (value, width) in enumerate(zip(values, columns, strict=True)):
                cell = QRectF(x + pad / 2, self.y + pad / 2, width - pad, height - pad)
                if index == 0:
                    self.painter.drawText(cell, int(flags), value)
                else:
                    centred = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
                    self.painter.drawText(cell, int(centred), value)
                x += width
            self.y += height
            self.painter.setPen(QPen(QColor("#c8c8c8"), 0.2 * self.mm))
            self.painter.drawLine(QPointF(0, self.y), QPointF(self.rect.width(), self.y))

        draw_row(headers, bold, False)
        for index, row in enumerate(rows):
            draw_row(row, font, index % 2 == 1)
        self.y += 3 * self.mm


def write_team_report(results: TeamResults, path: Path, generated_on: date | None = None) -> Path:
    """Write the A4 summary of ``results`` to ``path`` and return the path.

    Needs a QGuiApplication (the command line makes an offscreen one).
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_team_report needs a QGuiApplication")
    generated_on = generated_on or date.today()
    path = Path(path)
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(f"Self-assessment summary: {results.team_name}")
    writer.setCreator(APP_NAME)
    painter = QPainter(writer)
    if not painter.isActive():
        raise OSError(f"cannot write {path}")
    try:
        _draw(_Page(writer, painter), results, generated_on)
    finally:
        painter.end()
    return path


def _draw(page: _Page, results: TeamResults, generated_on: date) -> None:
    mm = page.mm
    page.text("QI capability self-assessment: team summary", _font(10), "#555555", 0.5)
    page.text(results.team_name, _font(18, bold=True), gap_mm=1)
    facts = [
        f"Cohort: {results.cohort_name or '–'}",
        f"Coach: {results.coach_name or '–'}",
        f"Date: {generated_on.strftime('%d %B %Y').lstrip('0')}",
    ]
    page.text("    ".join(facts), _font(10))
    if results.project_title:
        page.text(f"Project: {results.project_title}", _font(10))
    if results.stages:
        page.text(
            "Responses: "
            + "; ".join(
                f"{stage_label(s.stage, s.assessed_on)}: {s.answered_text}" for s in results.stages
            ),
            _font(9),
        )
    else:
        page.text("No self-assessment has been entered for this team yet.", _font(10))
    # The chart.
    data = team_radar_data(results)
    if data.series:
        chart_height = 92 * mm
        page.ensure(chart_height)
        paint_radar(
            page.painter,
            QRectF(0, page.y, page.rect.width(), chart_height),
            data,
            font=_font(7.5),
        )
        page.y += chart_height + 2 * mm
        page.text("Scale: " + data.scale_key(), _font(7.5), "#555555")
    if results.note:
        page.text(results.note, _font(8.5), "#8a4b00")
    # Scores per stage with the changes.
    stages = [s.stage for s in results.stages]
    headers = ["Item", *(STAGE_LABELS[s] for s in stages)]
    change_columns: list[tuple[str, str, str]] = []
    if "start" in stages and "mid" in stages:
        change_columns.append(("Change start → mid", "start", "mid"))
    if "mid" in stages and "end" in stages:
        change_columns.append(("Change mid → end", "mid", "end"))
    if "start" in stages and "end" in stages:
        change_columns.append(("Change start → end", "start", "end"))
    headers += [c[0] for c in change_columns]
    rows = []
    for item in results.items:
        row = [item.title, *(_fmt(item.score(s)) for s in stages)]
        for _, a, b in change_columns:
            first, last = item.score(a), item.score(b)
            row.append(_fmt_change(None if first is None or last is None else last - first))
        rows.append(row)
    rest = len(headers) - 1
    first_width = 0.42 if rest > 3 else 0.58
    widths = [first_width] + [(1 - first_width) / max(rest, 1)] * rest
    if stages:
        page.text("Team scores (mean of answers) per stage", _font(11, bold=True), gap_mm=1)
        page.table(headers, rows, widths, _font(8.5))
    # Areas, side by side.
    if results.progress:
        progress = [
            f"•  {results.item_title(e.item_code)}: {_fmt(e.start_score)} → {_fmt(e.score)} "
            f"({_fmt_change(e.gain)})"
            for e in results.progress
        ]
    elif results.progress_note:
        progress = []
    elif len(results.stages) <= 1:
        progress = ["Shown once a later stage has been entered."]
    else:
        progress = ["No item has risen since the start yet."]
    development = [
        f"•  {results.item_title(e.item_code)}: {_fmt(e.score)}" for e in results.development
    ]
    # A tie left out of a list, and the stage the lists rank when a newer one is barely begun.
    progress += [results.progress_note] if results.progress_note else []
    development += [results.development_note] if results.development_note else []
    development += [results.areas_note] if results.areas_note else []
    development = development or ["No answers yet."]
    page.columns(
        [("Areas of progress", progress), ("Areas for development", development)],
        _font(11, bold=True),
        _font(9),
    )
    page.y += 2 * mm
    page.text(
        "Areas of progress are the items with the largest rise from the start to the latest "
        "stage; areas for development are the items with the lowest scores at the latest stage "
        "(three of each, more when scores tie; a tie of more items than that is counted, not "
        "listed). Unanswered items are never counted as zero.",
        _font(7.5),
        "#555555",
    )
