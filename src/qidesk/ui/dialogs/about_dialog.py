"""Help → About: the version and where the data, database, backups and log files are."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from qidesk import APP_NAME, __version__
from qidesk.paths import data_dir, log_file
from qidesk.store.backup import backup_folder


def about_text(database: Path | None) -> str:
    """The About text as rich text (also what the tests read)."""

    def row(label: str, value: object) -> str:
        return f"<tr><td><b>{label}</b>&nbsp;&nbsp;</td><td>{html.escape(str(value))}</td></tr>"

    return (
        f"<h2>{APP_NAME} {__version__}</h2>"
        "<p>Teams, self-assessments, PDSA cycles and workbook sync for the Quality Improvement "
        "collaborative programme. Works offline; it never uses the network.</p>"
        "<table>"
        + row("Version", __version__)
        + row("Data folder", data_dir())
        + row("Database", database or "none open")
        + (row("Backups", backup_folder(database)) if database is not None else "")
        + row("Log file", log_file())
        + "</table>"
    )


class AboutDialog(QDialog):
    def __init__(self, database: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 12)
        layout.setSpacing(12)
        self.label = QLabel(about_text(database))
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
