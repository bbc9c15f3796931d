"""Saving a chart, report or template sheet that fails says why in words, not '[Errno 13]'."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from qidesk.ui.charts.spider_chart import export_chart_dialog
from qidesk.ui.widgets import file_error_text


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (PermissionError(errno.EACCES, "Permission denied", "/r/x.png"), "permission denied"),
        (OSError(errno.ENOSPC, "No space left on device"), "disk is full"),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), "does not exist"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only"),
        (OSError(errno.EIO, "Input/output error"), "Input/output error."),
    ],
)
def test_file_error_text_says_what_to_do(exc: OSError, words: str) -> None:
    text = file_error_text(exc)
    assert words in text
    assert "Errno" not in text and "/r/x.png" not in text


def test_chart_export_failure_is_shown_in_words(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    target = tmp_path / "chart.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: shown.append(text))

    def export(path: Path) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    assert export_chart_dialog(parent, "chart.png", export) is None
    assert shown == [
        "The chart could not be saved. QI Desk may not write there (permission denied). If the "
        "file is open in another program, close it there; otherwise choose another folder."
    ]
