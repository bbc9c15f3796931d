"""Create a cohort: name, start date, end date (nine months later unless changed), status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from qidesk.core.dates import default_end
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.base import RecordDialog
from qidesk.ui.widgets import OptionalDateEdit


class CohortDialog(RecordDialog):
    def __init__(
        self,
        context: UiContext,
        save: Callable[[dict[str, Any]], Any],
        parent: QWidget | None = None,
        today: date | None = None,
    ):
        super().__init__(context, "New cohort", save, parent)
        today = today or date.today()
        start = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("For example Cohort 10 (March 2027)")
        self.start_edit = OptionalDateEdit()
        self.start_edit.set_date_value(start)
        self.end_edit = OptionalDateEdit()
        self.end_edit.set_date_value(default_end(start))
        self._end_follows_start = True
        self.start_edit.dateChanged.connect(self._start_changed)
        self.end_edit.dateChanged.connect(self._end_changed)
        self.status_combo = QComboBox()
        for choice in context.services.reference.vocabularies().cohort_statuses:
            self.status_combo.addItem(choice.label, choice.code)
        self.form.addRow("&Name", self.name_edit)
        self.form.addRow("&Starts", self.start_edit)
        self.form.addRow("&Ends", self.end_edit)
        self.form.addRow("S&tatus", self.status_combo)

    def _start_changed(self) -> None:
        start = self.start_edit.date_value()
        if self._end_follows_start and start is not None:
            self.end_edit.blockSignals(True)
            self.end_edit.set_date_value(default_end(start))
            self.end_edit.blockSignals(False)

    def _end_changed(self) -> None:
        self._end_follows_start = False

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text(),
            "start_date": self.start_edit.date_value(),
            "end_date": self.end_edit.date_value(),
            "status": self.status_combo.currentData(),
        }
