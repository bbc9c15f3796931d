"""The window at a lead's scale: nothing a click waits for that could have been done before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

FIRST_CHART_TAB = """
import sys
from PySide6.QtWidgets import QApplication
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.ui.context import UiContext
from qidesk.ui.main_window import MainWindow, warm_up_modules
app = QApplication([])
db = Database.open(sys.argv[1])
window = MainWindow(UiContext(Services.create(db)))
window.show()
app.processEvents()
print("at first paint:", "pyqtgraph" in sys.modules, flush=True)
from PySide6.QtCore import QEventLoop, QTimer
loop = QEventLoop()
QTimer.singleShot(1500, loop.quit)
loop.exec()
print("while idle:", all(m in sys.modules for m in warm_up_modules()), flush=True)
window.close()
db.close()
"""


def test_the_chart_tabs_are_imported_while_the_window_waits(tmp_path: Path) -> None:
    """The first Self-assessment, PDSA or Progress tab opened froze the window for about half a
    second (0.46 s on the lead database: importing pyqtgraph, 0.36 s, then the tab). They are
    now imported once the window has been shown and waits for the user; not before its first
    paint, which start-up time depends on."""
    result = subprocess.run(
        [sys.executable, "-c", FIRST_CHART_TAB, str(tmp_path / "qi.sqlite")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC), "QT_QPA_PLATFORM": "offscreen"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "at first paint: False" in result.stdout, result.stdout
    assert "while idle: True" in result.stdout, result.stdout
