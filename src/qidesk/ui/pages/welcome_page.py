"""What an empty database shows: what QI Desk holds and the first thing to do."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from qidesk.ui.widgets import EmptyState, bold_label

#: Widest the welcome text runs (px): a line across a 1366-px window is hard to read.
MESSAGE_WIDTH = 640


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
        # A coach who makes the cohort by hand while the lead's workbook with that cohort is
        # on its way ends up with the cohort twice (README: "A cohort made twice"): import
        # is offered first.
        self.message = EmptyState(
            "This database holds no cohorts yet. If your QIST lead or another coach sent you "
            "a QI Desk workbook, import it: its cohorts, teams and coaches come with it. "
            "Otherwise start with the cohort your teams belong to; then add its teams, their "
            "members and coaches."
        )
        self.message.setMargin(8)
        self.message.setFixedWidth(MESSAGE_WIDTH)  # fixed: a wrapped label then gets its height
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.message)
        row.addStretch(1)
        layout.addLayout(row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.new_button = QPushButton("New cohort…")
        self.new_button.setDefault(True)
        self.new_button.clicked.connect(new_cohort)
        buttons.addWidget(self.new_button)
        self.import_button = QPushButton("Import a workbook…")
        self.import_button.setToolTip("File → Import… (Ctrl+I); you can also drop workbooks here")
        self.import_button.clicked.connect(self._import)
        self.import_button.hide()  # shown once the window it is in has File → Import…
        buttons.addWidget(self.import_button)
        if open_database is not None:
            self.open_button = QPushButton("Open another database…")
            self.open_button.clicked.connect(open_database)
            buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(3)

    def _import_action(self) -> QAction | None:
        action = getattr(self.window(), "import_action", None)
        return action if isinstance(action, QAction) else None

    def showEvent(self, event: QShowEvent) -> None:
        self.import_button.setVisible(self._import_action() is not None)
        super().showEvent(event)

    def _import(self) -> None:
        action = self._import_action()
        if action is not None:
            action.trigger()
