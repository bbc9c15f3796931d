"""Add or edit a team member: name, role or discipline, email (optional), active."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from qidesk.services.member_service import MemberInfo
from qidesk.ui.context import UiContext
from qidesk.ui.dialogs.base import RecordDialog


class MemberDialog(RecordDialog):
    def __init__(
        self,
        context: UiContext,
        save: Callable[[dict[str, Any]], Any],
        member: MemberInfo | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(context, "Edit member" if member else "Add member", save, parent)
        self.name_edit = QLineEdit(member.name if member else "")
        self.name_edit.setPlaceholderText("Staff name (no patient data)")
        self.role_edit = QLineEdit(member.role if member else "")
        self.role_edit.setPlaceholderText("For example Staff nurse, Physiotherapist")
        self.email_edit = QLineEdit(member.email if member else "")
        self.email_edit.setPlaceholderText("Optional")
        self.active_check = QCheckBox("Active in the team")
        self.active_check.setChecked(member.active if member else True)
        self.form.addRow("&Name", self.name_edit)
        self.form.addRow("&Role / discipline", self.role_edit)
        self.form.addRow("&Email", self.email_edit)
        self.form.addRow("", self.active_check)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text(),
            "role": self.role_edit.text(),
            "email": self.email_edit.text(),
            "active": self.active_check.isChecked(),
        }
