"""What an empty database shows: what QI Desk holds and the first thing to do."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from qidesk.ui.widgets import EmptyState, bold_label


class WelcomePage(QWidget):
    """Shown while the database holds no cohort."""

    def __init__(
        self,
        new_cohort: Callable[[], None],
        open_database: Callable[[], None] | None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        title = bold_label("Welcome to QI Desk", 6)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        self.message = EmptyState(
            "This database holds no cohorts yet. Start with the cohort your teams belong to; "
            "then add its teams, their members and coaches."
        )
        self.message.setMargin(8)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.new_button = QPushButton("New cohort…")
        self.new_button.setDefault(True)
        self.new_button.clicked.connect(new_cohort)
        buttons.addWidget(self.new_button)
        if open_database is not None:
            self.open_button = QPushButton("Open another database…")
            self.open_button.clicked.connect(open_database)
            buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(3)
