"""What every page and tab receives: the services, change signals and a safe way to call them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from qidesk.services.base import USER_ERRORS
from qidesk.services.registry import Services

T = TypeVar("T")


@contextlib.contextmanager
def _busy() -> Iterator[None]:
    """A wait cursor while a service call runs (deleting a cohort writes thousands of
    versions)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class UiContext(QObject):
    """Services of the open database plus the signals pages use to tell each other of changes.

    - ``saved`` after any edit is stored (the status bar flashes "Saved" and recounts the
      changes not yet exported; pages showing that data may refresh).
    - ``structure_changed`` after cohorts, teams or coaches were added, renamed, re-assigned,
      deleted or restored (the navigator rebuilds its tree).
    - ``deleted(record_type, uuid, title)`` after a deletion (the status bar offers Undo).
    - ``data_replaced`` after anything may have changed (an import): everything re-reads.
    - ``open_team_requested(uuid)`` / ``open_cohort_requested(uuid)``: show that page.
    """

    saved = Signal()
    structure_changed = Signal()
    deleted = Signal(str, str, str)  # record_type, uuid, title: the status bar offers Undo
    data_replaced = Signal()
    open_team_requested = Signal(str)
    open_cohort_requested = Signal(str)

    def __init__(self, services: Services, parent: QObject | None = None):
        super().__init__(parent)
        self.services = services

    @property
    def database_path(self) -> Path:
        return self.services.db.path

    def notify_saved(self, *, structure: bool = False) -> None:
        """Call after a successful edit; ``structure=True`` when the navigator must change."""
        self.saved.emit()
        if structure:
            self.structure_changed.emit()

    def notify_deleted(self, record_type: str, uuid: str, title: str) -> None:
        """Call after deleting a record (cohort, team, member, coach, or a later type)."""
        self.notify_saved(structure=True)
        self.deleted.emit(record_type, uuid, title)

    def notify_data_replaced(self) -> None:
        """Call after a change that may touch anything (for example importing a workbook)."""
        self.saved.emit()
        self.structure_changed.emit()
        self.data_replaced.emit()

    def call(self, parent: QWidget | None, action: Callable[[], T]) -> T | None:
        """Run a service call; when refused (:data:`USER_ERRORS`) show why and return None."""
        try:
            with _busy():
                return action()
        except USER_ERRORS as exc:
            self.show_problem(parent, str(exc))
            return None

    def attempt(self, parent: QWidget | None, action: Callable[[], object]) -> bool:
        """Run a service call that returns nothing; False (after saying why) when refused."""
        try:
            with _busy():
                action()
        except USER_ERRORS as exc:  # a refused change, or a full disk, a locked database, ...
            self.show_problem(parent, str(exc))
            return False
        return True

    def show_problem(self, parent: QWidget | None, message: str) -> None:
        """Tell the user why something was not done (nothing was changed)."""
        QMessageBox.warning(parent, "QI Desk", message)

    def confirm_action(
        self, parent: QWidget | None, title: str, question: str, info: str, action: str
    ) -> bool:
        """Ask before a change that is easy to make by mistake; the default answer is Cancel."""
        box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
        box.setInformativeText(info)
        go = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is go

    def confirm_delete(self, parent: QWidget | None, what: str, consequence: str = "") -> bool:
        """Ask before deleting ``what``; the default answer is Cancel."""
        info = (consequence + " " if consequence else "") + (
            "You can restore it from Recently deleted."
        )
        box = QMessageBox(QMessageBox.Icon.Question, "Delete", f"Delete {what}?", parent=parent)
        box.setInformativeText(info)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is delete
