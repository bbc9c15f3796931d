"""Add or edit a coach: name, role, email, IiP accreditation date, active."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from qidesk.services.coach_service import CoachInfo
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.base import RecordDialog
from qidesk.ui.widgets import OptionalDateEdit


class CoachDialog(RecordDialog):
    def __init__(
        self,
        context: UiContext,
        save: Callable[[dict[str, Any]], Any],
        coach: CoachInfo | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(context, "Edit coach" if coach else "Add coach", save, parent)
        self.name_edit = QLineEdit(coach.name if coach else "")
        self.role_combo = QComboBox()
        for choice in context.services.reference.vocabularies().coach_roles:
            self.role_combo.addItem(choice.label, choice.code)
        if coach:
            self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(coach.role)))
        self.email_edit = QLineEdit(coach.email if coach else "")
        self.email_edit.setPlaceholderText("Optional")
        self.iip_edit = OptionalDateEdit()
        self.iip_edit.set_date_value(coach.iip_accredited_on if coach else None)
        self.active_check = QCheckBox("Active in the coaching network")
        self.active_check.setChecked(coach.active if coach else True)
        self.form.addRow("&Name", self.name_edit)
        self.form.addRow("&Role", self.role_combo)
        self.form.addRow("&Email", self.email_edit)
        self.form.addRow("&IiP accredited on", self.iip_edit)
        self.form.addRow("", self.active_check)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text(),
            "role": self.role_combo.currentData(),
            "email": self.email_edit.text(),
            "iip_accredited_on": self.iip_edit.date_value(),
            "active": self.active_check.isChecked(),
        }
