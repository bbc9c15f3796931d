"""What the main window expects of a page: Ctrl+N makes what it holds, Delete removes it."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from qidesk.ui.context import UiContext


class Page(QWidget):
    """A page of the main window's stack."""

    #: What Ctrl+N makes here, as the Edit menu and toolbar show it ("New team…"); None: nothing.
    NEW_LABEL: str | None = None

    def __init__(self, context: UiContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context

    def new_item(self) -> None:
        """Ctrl+N: create whatever this page holds (team, member, coach, ...)."""

    def delete_item(self) -> None:
        """Delete: delete the selected thing on this page, after asking."""

    def refresh(self) -> None:
        """Re-read what the page shows (after changes made elsewhere)."""
