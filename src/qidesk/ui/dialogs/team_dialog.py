"""Create a team: its name, service, site and coach (the rest is edited on its Overview tab)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.base import RecordDialog


class TeamDialog(RecordDialog):
    def __init__(
        self,
        context: UiContext,
        cohort_name: str,
        save: Callable[[dict[str, Any]], Any],
        parent: QWidget | None = None,
    ):
        super().__init__(context, f"New team in {cohort_name}", save, parent)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("For example Stroke Unit Llanelli")
        self.service_edit = QLineEdit()
        self.site_edit = QLineEdit()
        self.coach_combo = QComboBox()
        self.coach_combo.addItem("No coach yet", None)
        for coach in context.services.coaches.list_coaches(active_only=True):
            self.coach_combo.addItem(coach.name, coach.uuid)
        self.form.addRow("&Team name", self.name_edit)
        self.form.addRow("&Service", self.service_edit)
        self.form.addRow("S&ite", self.site_edit)
        self.form.addRow("&Coach", self.coach_combo)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text(),
            "service": self.service_edit.text(),
            "site": self.site_edit.text(),
            "coach_uuid": self.coach_combo.currentData(),
        }
