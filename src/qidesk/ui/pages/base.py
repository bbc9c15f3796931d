"""What the main window expects of a page (Ctrl+N makes what it holds, Delete removes it) and
the header the pages share."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from qidesk.ui.context import UiContext
from qidesk.ui.widgets import muted_label, page_title_label


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


def page_header(
    page: QWidget, title: str = "", subtitle: str = "", *, wrap: bool = False, gap: int = 8
) -> tuple[QVBoxLayout, QLabel, QLabel]:
    """Give ``page`` its outer layout (margins 16, 12, 16, 8), begun with a big title and a muted
    subtitle (word-wrapped if ``wrap``) and ``gap`` pixels below them; returns all three."""
    layout = QVBoxLayout(page)
    layout.setContentsMargins(16, 12, 16, 8)
    layout.setSpacing(4)
    title_label = page_title_label()
    title_label.setText(title)
    subtitle_label = muted_label(page)
    subtitle_label.setText(subtitle)
    if wrap:
        subtitle_label.setWordWrap(True)
    layout.addWidget(title_label)
    layout.addWidget(subtitle_label)
    layout.addSpacing(gap)
    return layout, title_label, subtitle_label
