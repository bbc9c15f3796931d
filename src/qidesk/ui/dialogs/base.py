"""A form dialog that saves through a service call and stays open when the save is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout, QWidget

from qidesk.ui.context import UiContext


class RecordDialog(QDialog):
    """Subclasses fill ``self.form`` and implement :meth:`values`. OK calls ``save(values)``;
    a ServiceError is shown and the dialog stays open with what the user typed."""

    def __init__(
        self,
        context: UiContext,
        title: str,
        save: Callable[[dict[str, Any]], Any],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.context = context
        self._save = save
        self.saved_value: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        layout.setSpacing(12)
        self.form = QFormLayout()
        self.form.setSpacing(8)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def showEvent(self, event: QShowEvent) -> None:
        # The buttons are made before the subclass's fields, so they came first in the Tab
        # order and the dialog opened with the focus on OK: a name typed went nowhere, and
        # its first space pressed OK. Start in the first field instead.
        super().showEvent(event)
        widget = self.nextInFocusChain()
        while widget is not self:
            if (
                widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and widget.isVisibleTo(self)
                and widget.isEnabled()
                and not self.buttons.isAncestorOf(widget)
            ):
                focus = self.focusWidget()
                if focus is None or self.buttons.isAncestorOf(focus):
                    widget.setFocus()
                return
            widget = widget.nextInFocusChain()

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def accept(self) -> None:
        values = self.values()
        result = self.context.call(self, lambda: self._save(values))
        if result is None:
            return
        self.saved_value = result
        super().accept()
