"""The desktop application: opens the database, builds the window, handles what goes wrong."""

# ruff: noqa: I001 (import order matters here, see below)
from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

# Everything opening the database needs is imported before PySide6 on purpose: once PySide6 is
# imported, its import hook inspects the source of every module imported after it, which makes
# importing SQLAlchemy's ~200 modules (and logging's, and the SQLite dialect that the engine
# loads on first use) markedly slower, and start-up with them.
import sqlalchemy.dialects.sqlite  # noqa: F401  (loaded by create_engine otherwise)

from qidesk import APP_NAME, ORG_NAME, __version__
from qidesk.logging_setup import setup_logging
from qidesk.paths import config_dir, default_database, log_file
from qidesk.services.registry import Services
from qidesk.store import migrate  # noqa: F401  (imported by Database.open otherwise)
from qidesk.store.engine import Database
from qidesk.store.errors import DatabaseUnreadable, StoreError

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGridLayout,
    QMessageBox,
    QSizePolicy,
    QSpacerItem,
    QWidget,
)

if TYPE_CHECKING:
    from qidesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

RECENT_KEY = "recent_databases"
RECENT_LIMIT = 8
#: When set, the window prints "first-paint <unix time>" on its first paint and quits
#: (used by bench/startup.py to time a real start-up).
BENCH_FIRST_PAINT_ENV = "QIDESK_BENCH_FIRST_PAINT"

OPEN_ANOTHER, NEW, QUIT = "open", "new", "quit"
#: Width (px) of the box saying why a database could not be opened.
OPEN_FAILURE_WIDTH = 560


def app_settings() -> QSettings:
    """Settings in an ini file in the config folder (so tests and portable use stay private)."""
    return QSettings(str(config_dir() / "qidesk.ini"), QSettings.Format.IniFormat)


def ask_after_open_failure(parent: QWidget | None, message: str, *, initial: bool) -> str:
    """Say why the database could not be opened; returns OPEN_ANOTHER, NEW or QUIT."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"{APP_NAME}: cannot open the database")
    box.setText("The database could not be opened.")
    box.setInformativeText(message)
    # The message names files by their whole path: selectable (to copy a backup's path) and
    # in a box wide enough that a path is not broken over every line.
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout = box.layout()
    if isinstance(layout, QGridLayout):
        width = QSpacerItem(OPEN_FAILURE_WIDTH, 0, QSizePolicy.Policy.Minimum)
        layout.addItem(width, layout.rowCount(), 0, 1, layout.columnCount())
    open_button = box.addButton("Open another…", QMessageBox.ButtonRole.AcceptRole)
    new_button = box.addButton("New…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit" if initial else "Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(open_button)
    box.exec()
    clicked = box.clickedButton()
    if clicked is open_button:
        return OPEN_ANOTHER
    if clicked is new_button:
        return NEW
    return QUIT


def choose_database_file(parent: QWidget | None, *, new: bool) -> Path | None:
    """Ask for a database file to open (or, with ``new``, to create)."""
    filters = "QI Desk databases (*.sqlite *.db);;All files (*)"
    start = str(default_database().parent)
    if new:
        path, _ = QFileDialog.getSaveFileName(
            parent,
            "New QI Desk database",
            str(Path(start) / "qidesk-new.sqlite"),
            filters,
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path and not Path(path).suffix:
            path += ".sqlite"
    else:
        path, _ = QFileDialog.getOpenFileName(parent, "Open a QI Desk database", start, filters)
    return Path(path) if path else None


def show_unexpected_error(parent: QWidget | None, exc: BaseException) -> None:
    QMessageBox.critical(
        parent,
        f"{APP_NAME}: something went wrong",
        f"Something unexpected went wrong: {exc}\n\n"
        f"Nothing you saved is lost; QI Desk keeps running. The details are in the log file:\n"
        f"{log_file()}",
    )


class FirstPaintProbe(QObject):
    """Prints the time of the window's first paint and quits (start-up benchmark)."""

    def __init__(self, app: QApplication):
        super().__init__()
        self._app = app
        self._done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._done:
            self._done = True
            QTimer.singleShot(0, self._painted)  # after the whole window's paint pass
        return False

    def _painted(self) -> None:
        print(f"first-paint {time.time():.6f}", flush=True)
        self._app.quit()


class Application:
    """Holds the open database and its window; File → New/Open replaces both."""

    def __init__(self, app: QApplication, settings: QSettings):
        self.app = app
        self.settings = settings
        self.db: Database | None = None
        self.window: MainWindow | None = None
        self._previous_hook = sys.excepthook
        self._in_hook = False
        self._probe: FirstPaintProbe | None = None

    # opening --------------------------------------------------------------------------------
    def open_path(self, path: Path, *, initial: bool, must_exist: bool = False) -> bool:
        """Open ``path``; when that fails, offer another, a new one, or quit/cancel.
        With ``must_exist`` (a recent database), a file no longer there is not made anew.
        Returns False when the user gave up (nothing open for ``initial``)."""
        while True:
            if self.db is not None and self.db.is_file(path):
                return True  # already open here (perhaps by another spelling of its path)
            try:
                if must_exist and not path.exists():
                    raise DatabaseUnreadable(
                        f"{path} is no longer there: it was moved, renamed or deleted, or the "
                        "drive it is on is not connected. Open it where it is now."
                    )
                db = Database.open(path)
                self._show(db)
                return True
            except StoreError as exc:
                log.warning("cannot open %s: %s", path, exc)
                choice = ask_after_open_failure(self.window, str(exc), initial=initial)
                if choice == QUIT:
                    return False
                chosen = choose_database_file(self.window, new=choice == NEW)
                if chosen is None:
                    continue
                path, must_exist = chosen, False

    def _show(self, db: Database) -> None:
        """Show a window on ``db`` in place of the current one. When building it fails (a
        database damaged past its first pages fails only when read), ``db`` is closed and the
        current window and database stay."""
        from qidesk.ui.context import UiContext
        from qidesk.ui.main_window import MainWindow

        old_window, old_db = self.window, self.db
        self.db = db
        try:
            context = UiContext(Services.create(db))
            window = MainWindow(context, host=self)
        except BaseException:
            self.db = old_db
            db.close()
            raise
        self.window = window
        self._remember(db.path)
        if old_window is not None:
            old_window.close()
            old_window.deleteLater()
        if old_db is not None:
            old_db.close()
        if os.environ.get(BENCH_FIRST_PAINT_ENV):
            self._probe = FirstPaintProbe(self.app)
            self.app.installEventFilter(self._probe)
        window.show()
        log.info("opened %s", db.path)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        sys.excepthook = self._previous_hook

    # DatabaseHost ---------------------------------------------------------------------------
    def new_database(self) -> None:
        path = choose_database_file(self.window, new=True)
        if path is not None:
            self.open_path(path, initial=False)

    def open_database_dialog(self) -> None:
        path = choose_database_file(self.window, new=False)
        if path is not None:
            self.open_path(path, initial=False)

    def open_database(self, path: str) -> None:
        """Open ``path`` (File → Open recent). A recent database that is no longer there is
        said to be gone, not made anew and empty in its place."""
        self.open_path(Path(path), initial=False, must_exist=path in self.recent_databases())

    def recent_databases(self) -> list[str]:
        value = self.settings.value(RECENT_KEY, [])
        if isinstance(value, str):
            return [value]
        return [str(p) for p in value] if isinstance(value, list) else []

    def quit(self) -> None:
        if self.window is not None:
            self.window.close()
        self.app.quit()

    def _remember(self, path: Path) -> None:
        paths = [str(path), *(p for p in self.recent_databases() if p != str(path))]
        self.settings.setValue(RECENT_KEY, paths[:RECENT_LIMIT])
        self.settings.sync()

    # errors ---------------------------------------------------------------------------------
    def install_excepthook(self) -> None:
        sys.excepthook = self.handle_exception

    def handle_exception(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        """Log an unexpected exception and tell the user; the app keeps running."""
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_hook(exc_type, exc, tb)
            return
        log.error("unexpected error\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if self._in_hook:
            return
        self._in_hook = True
        try:
            if isinstance(exc, StoreError):
                # A database problem met outside a guarded action (a page reading a damaged
                # table, a database gone busy): its message says what to do, and "something
                # unexpected ... nothing you saved is lost" would not be true of it.
                QMessageBox.warning(self.window, APP_NAME, str(exc))
            else:
                show_unexpected_error(self.window, exc)
        finally:
            self._in_hook = False


def make_qapplication() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    app.setStyle("Fusion")
    from PySide6.QtGui import QIcon

    from qidesk.resources import resource_path

    app.setWindowIcon(QIcon(str(resource_path("icons", "qidesk.svg"))))
    app.setDesktopFileName("qidesk")  # matches resources/linux/qidesk.desktop (Wayland icon)
    return app


def run_gui(db_path: str | None) -> int:
    """Open the window on ``db_path`` (default: the database in the data folder)."""
    setup_logging()
    app = make_qapplication()
    application = Application(app, app_settings())
    application.install_excepthook()
    try:
        path = Path(db_path).expanduser() if db_path else default_database()
        if not application.open_path(path, initial=True):
            return 1
    except Exception as exc:
        # A fault while building the first window: said in a box (a desktop start has no
        # terminal to show a traceback in), logged, and the process ends.
        log.exception("QI Desk could not start")
        QMessageBox.critical(
            None,
            f"{APP_NAME}: could not start",
            f"QI Desk could not start: {exc}\n\nYour data in the database is as it was. The "
            f"details are in the log file:\n{log_file()}",
        )
        application.close()
        return 1
    try:
        return int(app.exec())
    finally:
        application.close()
