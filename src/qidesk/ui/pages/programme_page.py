"""The Programme page: every cohort at a glance, for a QIST lead reporting on the programme."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from qidesk.core.assessment_stats import STAGES
from qidesk.core.sorting import natural_key
from qidesk.services.base import ServiceError
from qidesk.services.cohort_service import CohortInfo, StrandedTeam
from qidesk.services.programme_service import (
    CohortSummary,
    write_programme_workbook,
)
from qidesk.services.reference_service import COHORT_STATUS_LABELS
from qidesk.ui.context import UiContext
from qidesk.ui.pages.base import Page, page_header
from qidesk.ui.table_model import RowsTableModel
from qidesk.ui.widgets import (
    EmptyState,
    file_error_text,
    format_date,
    muted_label,
    read_only_table,
)

#: Shown in a cell whose figures are still being read.
READING = "…"


@dataclass(frozen=True)
class ProgrammeRow:
    cohort: CohortInfo
    summary: CohortSummary | None = None


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _median(value: float | None) -> str:
    """A median of IHI scores (steps of 0.5) as it is: 3.25 stays 3.25 (one decimal would
    make it 3.2, a score no team has)."""
    if value is None:
        return "–"
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


class ProgrammeTableModel(RowsTableModel[ProgrammeRow]):
    COHORT, DATES, TEAMS, ASSESSED, CAPABILITY, CYCLES, PROGRESS = range(7)
    HEADERS = (
        "Cohort",
        "Months",
        "Teams · active\nmembers",
        "Teams assessed\nstart · mid · end",
        "Mean capability\nstart → mid → end",
        "PDSA cycles (adopt\n· adapt · abandon)",
        "Latest progress\ncoach · team",
    )

    def display(self, row: ProgrammeRow, column: int) -> str:
        cohort, summary = row.cohort, row.summary
        if column == self.COHORT:
            return cohort.name
        if column == self.DATES:
            start, end = (f"{d:%b %Y}" if d else "" for d in (cohort.start_date, cohort.end_date))
            return f"{start} – {end}" if start and end else start or end or "No dates"
        if column == self.TEAMS:
            members = READING if summary is None else str(summary.members)
            return f"{cohort.team_count} · {members}"
        if summary is None:
            return READING
        if column == self.ASSESSED:
            return " · ".join(str(summary.teams_assessed[s]) for s in STAGES)
        if column == self.CAPABILITY:
            return " → ".join(_score(summary.capability[s]) for s in STAGES)
        if column == self.CYCLES:
            d = summary.decisions
            return f"{summary.cycles} ({d['adopt']} · {d['adapt']} · {d['abandon']})"
        text = f"{_median(summary.coach_median)} · {_median(summary.team_median)}"
        return f"{text} ⚠" if summary.teams_outside_window else text

    def tooltip(self, row: ProgrammeRow, column: int) -> str | None:
        summary = row.summary
        if column == self.COHORT:
            status = COHORT_STATUS_LABELS.get(row.cohort.status, row.cohort.status)
            return f"{row.cohort.name}: {status}"
        if column == self.DATES:
            start, end = format_date(row.cohort.start_date), format_date(row.cohort.end_date)
            return f"{start or 'No start date'} – {end or 'no end date'}"
        if summary is None:
            return None
        if column == self.TEAMS:
            text = (
                f"{_count(row.cohort.team_count, 'team')}, "
                f"{_count(summary.members, 'active member')}"
            )
            if n := summary.inactive_members:
                text += (
                    f" ({summary.members + n} members in all, as the cohort's Teams tab "
                    f"counts them; {n} no longer active)"
                )
            return text
        if column == self.ASSESSED:
            return "Teams with answers at the start, midpoint and end self-assessments"
        if column == self.CAPABILITY:
            return (
                "The cohort's mean over items at each stage: each item's cohort mean is the mean "
                "of its teams' scores (as on the cohort's Capability tab)"
            )
        if column == self.CYCLES:
            return "Cycles, and how many ended in adopt, adapt or abandon"
        if column == self.PROGRESS:
            text = (
                f"Median of the teams' latest scores: coach's over {summary.coach_teams} "
                f"team(s), team's own over {summary.team_teams} team(s)"
            )
            if n := summary.teams_outside_window:
                text += (
                    f"\n⚠ {n} team{'s have' if n != 1 else ' has'} scores for months outside "
                    "the cohort's (a slip of the year, or scores from before a team moved "
                    "here): see the cohort's Progress tab"
                )
            return text
        return None

    def sort_key(self, row: ProgrammeRow, column: int) -> Any:
        cohort, summary = row.cohort, row.summary
        if column == self.COHORT:
            return natural_key(cohort.name)
        if column == self.DATES:
            return (cohort.start_date is None, cohort.start_date or 0)
        if column == self.TEAMS:
            return cohort.team_count
        if column >= self.ASSESSED:
            if summary is None:
                return (1, 0.0)
            value: float | None = {
                self.ASSESSED: summary.teams_assessed["start"],
                self.CAPABILITY: next(
                    (summary.capability[s] for s in reversed(STAGES) if summary.capability[s]),
                    None,
                ),
                self.CYCLES: summary.cycles,
                self.PROGRESS: summary.coach_median,
            }[column]
            return (value is None, value or 0.0)
        return super().sort_key(row, column)

    def sort_again(self) -> None:
        """Sort by the column the user chose, if any, now that the figures are in (a sort
        chosen while they were being read found every line still empty)."""
        if self._sort is not None:
            self.sort(*self._sort)

    def set_summary(self, summary: CohortSummary) -> None:
        """Put in the figures of one cohort (wherever sorting has placed its row)."""
        for i, row in enumerate(self._rows):
            if row.cohort.uuid == summary.cohort_uuid:
                self._rows[i] = replace(row, summary=summary)
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.HEADERS) - 1))
                return


class ProgrammePage(Page):
    """One line per cohort; its figures are read a cohort at a time while the window stays
    free (a lead's database holds dozens of cohorts). Double-click opens a cohort."""

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        layout, _title, self.subtitle = page_header(
            self,
            "Programme",
            "Every cohort at a glance: its teams, self-assessments, capability, PDSA cycles "
            "and progress scores. Double-click a cohort to open it.",
            wrap=True,
        )
        # Teams no cohort lists (their cohort was deleted or combined on one computer while
        # they were added or moved to it on another): say so, and offer the way back.
        self.stranded_label = QLabel()
        self.stranded_label.setWordWrap(True)
        self.stranded_label.setTextFormat(Qt.TextFormat.PlainText)
        self.restore_button = QPushButton("Restore their cohorts")
        self.restore_button.setToolTip(
            "Bring these teams' deleted cohorts back (as Recently deleted would), so the "
            "navigator shows the teams; then move the teams or combine the cohort"
        )
        self.restore_button.clicked.connect(self._restore_stranded)
        self.stranded_row = QWidget()
        stranded = QHBoxLayout(self.stranded_row)
        stranded.setContentsMargins(0, 0, 0, 4)
        stranded.addWidget(self.stranded_label, 1)
        stranded.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.stranded_row)
        self._stranded: list[StrandedTeam] = []
        self.model = ProgrammeTableModel(self)
        self.table = read_only_table(
            self.model,
            "Cohorts of the programme",
            fit=range(len(ProgrammeTableModel.HEADERS)),
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open_cohort)
        self.table.activated.connect(self._open_cohort)  # Enter, for the keyboard
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        self.totals = muted_label(self)
        self.totals.setWordWrap(True)
        # For the programme report: the figures one to a cell, text always as text.
        self.export_button = QPushButton("Export to Excel…")
        self.export_button.setToolTip(
            "Save these figures as a workbook, one figure to a cell, for a programme report "
            "(ready once every cohort's figures are read)"
        )
        self.export_button.clicked.connect(self._export_clicked)
        self.saved_label = muted_label(self)
        footer = QHBoxLayout()
        footer.addWidget(self.totals, 1)
        footer.addWidget(self.saved_label, 0, Qt.AlignmentFlag.AlignTop)
        footer.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(footer)
        self.empty = EmptyState("No cohorts yet. Make one with New cohort (Ctrl+Shift+N).")
        layout.addWidget(self.empty, 1)
        self._pending: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._read_next)

    def refresh(self) -> None:
        self.saved_label.clear()
        self._show_stranded()
        cohorts = self.context.services.cohorts.list_cohorts()
        self.model.set_rows([ProgrammeRow(c) for c in cohorts])
        self.table.setVisible(bool(cohorts))
        self.empty.setVisible(not cohorts)
        self._pending = [c.uuid for c in cohorts]
        self._show_totals()
        self._timer.start()

    def reading(self) -> bool:
        """True while some cohort's figures are still being read."""
        return bool(self._pending)

    def _read_next(self) -> None:
        if not self._pending or not self.isVisible():
            return  # shown again: refresh() starts over
        uuid = self._pending.pop(0)
        try:
            self.model.set_summary(self.context.services.programme.cohort_summary(uuid))
        except ServiceError:  # deleted (or combined into another) meanwhile: its line goes
            self.model.set_rows([r for r in self.model.rows() if r.cohort.uuid != uuid])
        if self._pending:
            self._timer.start()
        else:
            self.model.sort_again()
            self._show_totals()

    def _show_totals(self) -> None:
        rows = self.model.rows()
        self.export_button.setVisible(bool(rows))
        self.export_button.setEnabled(bool(rows) and not self._pending)
        if not rows:
            self.totals.setText("")
            return
        teams = sum(r.cohort.team_count for r in rows)
        text = f"{_count(len(rows), 'cohort')}, {_count(teams, 'team')}"
        summaries = [r.summary for r in rows if r.summary is not None]
        if self._pending:
            self.totals.setText(f"{text}. Reading the cohorts' figures…")
            return
        members = sum(s.members for s in summaries)
        cycles = sum(s.cycles for s in summaries)
        text = (
            f"{text}, {_count(members, 'active member')}, {_count(cycles, 'PDSA cycle')}. "
            "Capability is the mean over the template's items of the cohort's item means; "
            "progress is the median of the teams' latest IHI scores."
        )
        names = Counter(r.cohort.name for r in rows)
        if shared := sum(n for n in names.values() if n > 1):
            # Each coach made the cohort: one line each until they are combined.
            text += (
                f" {shared} cohorts share a name with another (did several coaches each make "
                "it?): open one and gather the others into it with Combine with…."
            )
        self.totals.setText(text)

    def _show_stranded(self) -> None:
        self._stranded = self.context.services.cohorts.stranded_teams()
        self.stranded_row.setVisible(bool(self._stranded))
        if not self._stranded:
            return
        n = len(self._stranded)
        named = "; ".join(f"{t.team_name} (in {t.cohort_name})" for t in self._stranded[:5])
        more = f"; and {n - 5} more" if n > 5 else ""
        self.stranded_label.setText(
            f"⚠ {n} team{'s are' if n != 1 else ' is'} in a deleted cohort, so no cohort "
            f"lists {'them' if n != 1 else 'it'}: {named}{more}. A cohort was deleted or "
            "combined into another on one computer while a team was added or moved to it on "
            "another. Restore the cohort to see its teams again, then move them or combine it."
        )

    def _restore_stranded(self) -> None:
        cohorts = dict.fromkeys(t.cohort_uuid for t in self._stranded)
        restore = self.context.services.deleted.restore
        for uuid in cohorts:
            if not self.context.attempt(self, lambda uuid=uuid: restore("Cohort", uuid)):
                break
        self.context.notify_saved(structure=True)
        self.refresh()

    def _export_clicked(self) -> None:
        name = f"QI programme {date.today():%Y-%m-%d}.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, "Export the programme", name, "Excel (*.xlsx)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> Path | None:
        """Write the table's figures, in the order shown, to ``path`` (.xlsx added if
        missing); the saved path, or None after saying why it could not be saved."""
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        lines = [(r.cohort, r.summary) for r in self.model.rows() if r.summary is not None]
        try:
            write_programme_workbook(path, lines, date.today())
        except OSError as exc:
            self.context.show_problem(
                self, f"The workbook could not be saved. {file_error_text(exc)}"
            )
            return None
        self.saved_label.setText(f"Saved {path.name}")
        self.saved_label.setToolTip(str(path))
        return path

    def _open_cohort(self, index: Any) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.context.open_cohort_requested.emit(row.cohort.uuid)
