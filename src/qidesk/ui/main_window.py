"""The main window: navigator on the left, the selected page on the right, menus, status bar."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from qidesk import APP_NAME
from qidesk.services.activity_service import UnexportedChanges
from qidesk.services.record_names import record_noun, type_name
from qidesk.ui.context import UiContext
from qidesk.ui.navigator import Navigator, Selection
from qidesk.ui.pages.welcome_page import WelcomePage
from qidesk.ui.widgets import firm_splitter

if TYPE_CHECKING:  # the pages are imported when first shown
    from qidesk.ui.pages.cohort_page import CohortPage
    from qidesk.ui.pages.team_page import TeamPage

#: Modules that add fixed pages, menu entries or toolbar actions: each has
#: ``register(window: MainWindow)``, called once per window. Keep them light to import
#: (import heavy things inside the factories), start-up time depends on it.
log = logging.getLogger(__name__)

WINDOW_EXTENSIONS: tuple[str, ...] = (
    "qidesk.ui.pages.conflicts_page",
    "qidesk.ui.pages.import_log_page",
    "qidesk.ui.dialogs.import_dialog",
)

WidgetFactory = Callable[[UiContext], QWidget]

#: Milliseconds after the window is built before :meth:`MainWindow.warm_up` imports what the
#: chart tabs need (pyqtgraph alone takes about 0.35 s to import, once per process).
WARM_UP_DELAY_MS = 600


def warm_up_modules() -> list[str]:
    """Modules the first chart tab would otherwise import on a click: pyqtgraph and the
    modules of the team and cohort pages' extra tabs."""
    from qidesk.ui.pages.cohort_page import COHORT_TABS
    from qidesk.ui.pages.team_page import TEAM_TABS

    tabs = [factory for _title, factory in (*TEAM_TABS, *COHORT_TABS)]
    modules = [f.partition(":")[0] for f in tabs if isinstance(f, str)]
    return ["pyqtgraph", *dict.fromkeys(modules)]


class DatabaseHost(Protocol):
    """What the File menu asks of the application (implemented by ``qidesk.app``)."""

    def new_database(self) -> None: ...
    def open_database_dialog(self) -> None: ...
    def open_database(self, path: str) -> None: ...
    def recent_databases(self) -> list[str]: ...
    def quit(self) -> None: ...


@dataclass
class FixedPage:
    key: str
    title: str
    factory: WidgetFactory
    count: Callable[[], int] | None = None


HELP_TEXT = """
<h3>QI Desk shortcuts</h3>
<table cellspacing="4">
<tr><td><b>Ctrl+F</b></td><td>Filter teams by name, service or coach</td></tr>
<tr><td><b>Ctrl+N</b></td><td>New: a team on a cohort page, a member on a team page
(a cycle on its PDSA tab), a coach on the coaches page</td></tr>
<tr><td><b>Ctrl+Shift+N</b></td><td>New cohort</td></tr>
<tr><td><b>Ctrl+P</b></td><td>Team report (PDF) of the selected team</td></tr>
<tr><td><b>Delete</b></td><td>Delete what is selected (asks first; undo from Recently
deleted)</td></tr>
<tr><td><b>Ctrl+Z</b></td><td>Undo the deletion just made</td></tr>
<tr><td><b>Ctrl+I</b> / <b>Ctrl+E</b></td><td>Import / export workbooks</td></tr>
<tr><td><b>Ctrl+O</b></td><td>Open another database</td></tr>
<tr><td><b>F1</b></td><td>This help</td></tr>
</table>
<p>Edits save by themselves when you leave a field or press Enter; the status bar shows
<i>Saved</i>.</p>
"""


def unexported_tooltip(changes: UnexportedChanges) -> str:
    """What the status bar's count means, with what it holds now."""
    parts = [type_name(record_type, n) for record_type, n in changes.by_type]
    if parts:
        held = f"Not yet exported: {', '.join(parts)}."
    else:
        held = "Nothing changed here is waiting to be exported."
    if changes.last_export_at is not None:
        when = changes.last_export_at.replace(tzinfo=UTC).astimezone()
        since = f"Last export from this database: {when:%d %b %Y at %H:%M}."
    elif changes.demo:
        since = (
            "Nothing exported yet: counted since the demo data was built (the demo's own "
            "records are the starting point)."
        )
    else:
        since = "Nothing exported yet: counted since this database was made."
    return (
        f"<p>{held}</p>"
        "<p>Counts the records (teams, members, answers, PDSA cycles, …) changed or deleted on "
        "this computer since a full export last included them; each record counts once however "
        "often it was edited. Changes received by importing workbooks are not counted.</p>"
        "<p>A full export (Ctrl+E) clears the records it includes: exporting one cohort leaves "
        "changes to other cohorts counted. Self-assessment packs are not exports.</p>"
        f"<p>{since}</p>"
    )


class MainWindow(QMainWindow):
    def __init__(self, context: UiContext, host: DatabaseHost | None = None):
        super().__init__()
        self.context = context
        self.host = host
        self.setWindowTitle(f"{context.database_path.name} – {APP_NAME}")
        self.resize(1366, 768)
        self.setMinimumSize(QSize(960, 600))
        self._fixed: list[FixedPage] = []
        self._pages: dict[str, QWidget] = {}

        self.navigator = Navigator(context)
        self.navigator.setMinimumWidth(240)
        self.stack = QStackedWidget()
        self.welcome = WelcomePage(
            self.new_cohort, host.open_database_dialog if host is not None else None
        )
        self.stack.addWidget(self.welcome)
        splitter = firm_splitter(
            Qt.Orientation.Horizontal, [self.navigator, self.stack], stretch=(0, 1)
        )
        splitter.setSizes([300, 1066])
        self.setCentralWidget(splitter)

        self._build_actions()
        self._build_status_bar()
        self.add_fixed_page(
            "programme",
            "Programme",
            self._make_programme_page,
            # Teams no cohort lists (see ProgrammePage): found there.
            lambda: len(self.context.services.cohorts.stranded_teams()),
        )
        self.add_fixed_page("coaches", "Coaches", self._make_coaches_page)
        self.add_fixed_page("deleted", "Recently deleted", self._make_deleted_page)

        self.navigator.selection_changed.connect(self._show_selection)
        context.saved.connect(self._after_save)
        context.structure_changed.connect(self._after_structure_change)
        context.deleted.connect(self._offer_undo)
        context.data_replaced.connect(self._refresh_current_page)
        context.open_team_requested.connect(lambda uuid: self.select(Selection("team", uuid)))
        context.open_cohort_requested.connect(lambda uuid: self.select(Selection("cohort", uuid)))
        for module_name in WINDOW_EXTENSIONS:
            importlib.import_module(module_name).register(self)

        self.navigator.reload()
        self._update_unexported()
        self._select_first()
        if self.navigator.model.rowCount():
            self.navigator.tree.setFocus()
        else:
            self.welcome.new_button.setFocus()
        QTimer.singleShot(WARM_UP_DELAY_MS, self, self.warm_up)

    def warm_up(self) -> None:
        """Import the chart tabs' modules while the window waits for the user, so that the
        first Self-assessment, PDSA or Progress tab opens without a half-second freeze (they
        are not imported before the first paint: start-up time depends on it)."""
        for name in warm_up_modules():
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except Exception:  # the tab will say what is wrong when it is opened
                log.exception("could not import %s ahead of time", name)

    # extension points -----------------------------------------------------------------------
    def add_fixed_page(
        self,
        key: str,
        title: str,
        widget_factory: WidgetFactory,
        count: Callable[[], int] | None = None,
    ) -> None:
        """Add an entry below the navigator's tree (before Recently deleted) that shows the
        page ``widget_factory(context)`` builds the first time it is opened. ``count`` gives a
        number shown beside the title when it is not zero (for example open conflicts).
        A page's ``refresh()``, if it has one, is called each time it is shown."""
        page = FixedPage(key, title, widget_factory, count)
        position = len(self._fixed)
        if self._fixed and self._fixed[-1].key == "deleted":
            position -= 1
        self._fixed.insert(position, page)
        self._update_fixed_entries()

    def add_toolbar_action(self, action: QAction) -> None:
        self.toolbar.addAction(action)

    def menu(self, title: str) -> QMenu:
        """The menu called ``title`` ("File", "Edit", "Go", "Help"), for extensions."""
        return self._menus[title]

    def current_team_uuid(self) -> str | None:
        current = self.navigator.current()
        return current.key if current and current.kind == "team" else None

    def current_cohort_uuid(self) -> str | None:
        current = self.navigator.current()
        if current and current.kind == "cohort":
            return current.key
        if current and current.kind == "team" and "team" in self._pages:
            detail = self._team_page().overview.detail
            return detail.cohort_uuid if detail else None
        return None

    def refresh_counts(self) -> None:
        """Call after an action that may have changed anything (an import, an export):
        recounts the unexported changes and the fixed entries' numbers, and re-reads the
        navigator and the page shown."""
        self._update_counts()
        self.navigator.reload()
        self._refresh_current_page()

    def _update_counts(self) -> None:
        self._update_unexported()
        self._update_fixed_entries()

    # pages ----------------------------------------------------------------------------------
    def _page(self, key: str, factory: Callable[[], QWidget]) -> QWidget:
        if key not in self._pages:
            widget = factory()
            self._pages[key] = widget
            self.stack.addWidget(widget)
        return self._pages[key]

    def _cohort_page(self) -> CohortPage:
        from qidesk.ui.pages.cohort_page import CohortPage

        page = self._page("cohort", lambda: CohortPage(self.context))
        assert isinstance(page, CohortPage)
        return page

    def _team_page(self) -> TeamPage:
        from qidesk.ui.pages.team_page import TeamPage

        created = "team" not in self._pages
        page = self._page("team", lambda: TeamPage(self.context))
        assert isinstance(page, TeamPage)
        if created:  # Ctrl+N makes what the open tab holds: its name follows the tab
            page.tabs.currentChanged.connect(lambda _index: self._update_new_action())
        return page

    def _make_programme_page(self, context: UiContext) -> QWidget:
        from qidesk.ui.pages.programme_page import ProgrammePage

        return ProgrammePage(context)

    def _make_coaches_page(self, context: UiContext) -> QWidget:
        from qidesk.ui.pages.coaches_page import CoachesPage

        return CoachesPage(context)

    def _make_deleted_page(self, context: UiContext) -> QWidget:
        from qidesk.ui.pages.deleted_page import DeletedPage

        return DeletedPage(context)

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def select(self, selection: Selection) -> None:
        self.navigator.select(selection)

    def _select_first(self) -> None:
        model = self.navigator.model
        if model.rowCount():
            self.navigator.tree.setCurrentIndex(model.index(0, 0))
        else:
            self.stack.setCurrentWidget(self.welcome)
            self._update_new_action()

    def _show_selection(self, selection: Selection | None) -> None:
        if selection is None:
            self._select_first()
            return
        page: QWidget
        if selection.kind == "cohort":
            cohort_page = self._cohort_page()
            cohort_page.show_cohort(selection.key)
            page = cohort_page
        elif selection.kind == "team":
            team_page = self._team_page()
            team_page.show_team(selection.key)
            page = team_page
        else:
            fixed = next((f for f in self._fixed if f.key == selection.key), None)
            if fixed is None:
                return
            page = self._page(f"fixed:{fixed.key}", lambda: fixed.factory(self.context))
            refresh = getattr(page, "refresh", None)
            if callable(refresh):
                refresh()
        self.stack.setCurrentWidget(page)
        self._update_new_action()

    def _update_fixed_entries(self) -> None:
        entries = []
        for page in self._fixed:
            n = page.count() if page.count else 0
            entries.append((page.key, f"{page.title} ({n})" if n else page.title))
        if self.navigator.fixed.count() == len(entries):
            for key, title in entries:
                self.navigator.set_fixed_title(key, title)
        else:
            self.navigator.set_fixed_entries(entries)

    # actions --------------------------------------------------------------------------------
    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        self._menus: dict[str, QMenu] = {}
        file_menu = bar.addMenu("&File")
        self._menus["File"] = file_menu
        self.new_cohort_action = self._action("New &cohort…", self.new_cohort, "Ctrl+Shift+N")
        file_menu.addAction(self.new_cohort_action)
        file_menu.addSeparator()
        host = self.host
        file_menu.addAction(
            self._action("&New database…", lambda: host.new_database() if host else None)
        )
        file_menu.addAction(
            self._action(
                "&Open database…",
                lambda: host.open_database_dialog() if host else None,
                QKeySequence.StandardKey.Open,
            )
        )
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("&Quit", lambda: host.quit() if host else self.close(), "Ctrl+Q")
        )
        for action in file_menu.actions()[2:5]:
            action.setEnabled(host is not None)

        edit_menu = bar.addMenu("&Edit")
        self._menus["Edit"] = edit_menu
        # The status bar's Undo button, from the keyboard (a text field keeps its own Ctrl+Z).
        self.undo_action = self._action(
            "&Undo delete", self.undo_delete, QKeySequence.StandardKey.Undo
        )
        self.undo_action.setEnabled(False)
        edit_menu.addAction(self.undo_action)
        edit_menu.addSeparator()
        self.new_action = self._action("&New", self.new_item, "Ctrl+N")
        self.delete_action = self._action(
            "&Delete…", self.delete_item, QKeySequence.StandardKey.Delete
        )
        self.filter_action = self._action(
            "&Filter teams", self.focus_filter, QKeySequence.StandardKey.Find
        )
        for action in (self.new_action, self.delete_action, self.filter_action):
            edit_menu.addAction(action)

        self.team_report_action = self._action("Team &report (PDF)…", self.team_report, "Ctrl+P")
        self.team_report_action.setToolTip(
            "Save the selected team's self-assessment summary as PDF"
        )
        file_menu.insertAction(file_menu.actions()[1], self.team_report_action)

        go_menu = bar.addMenu("&Go")
        self._menus["Go"] = go_menu
        go_menu.addAction(
            self._action("&Programme", lambda: self.select(Selection("fixed", "programme")))
        )
        go_menu.addAction(
            self._action("&Coaches", lambda: self.select(Selection("fixed", "coaches")))
        )
        go_menu.addAction(
            self._action("Recently &deleted", lambda: self.select(Selection("fixed", "deleted")))
        )

        help_menu = bar.addMenu("&Help")
        self._menus["Help"] = help_menu
        help_menu.addAction(self._action("QI Desk &help", self.show_help, "F1"))
        help_menu.addAction(self._action("&About QI Desk", self.show_about))

        self.toolbar = QToolBar("Main")
        self.toolbar.setObjectName("main-toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.addAction(self.new_cohort_action)
        self.toolbar.addAction(self.new_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.team_report_action)
        self.toolbar.addSeparator()
        self.addToolBar(self.toolbar)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.host.recent_databases() if self.host else []
        current = str(self.context.database_path)
        for path in paths:
            action = self.recent_menu.addAction(path)
            action.setEnabled(path != current)
            action.triggered.connect(
                lambda _checked=False, p=path: self.host.open_database(p) if self.host else None
            )
        if not paths:
            self.recent_menu.addAction("No recent databases").setEnabled(False)

    def _update_new_action(self) -> None:
        """Ctrl+N makes what the page holds; pages that hold nothing to make hide it."""
        page = self.stack.currentWidget()
        new_label = getattr(page, "new_label", None)
        label = new_label() if callable(new_label) else getattr(page, "NEW_LABEL", None)
        can = bool(label) and callable(getattr(page, "new_item", None))
        self.new_action.setText(label or "New…")
        self.new_action.setVisible(can)
        # With nothing else to make (an empty database), Ctrl+N makes a cohort.
        shortcuts = ["Ctrl+Shift+N"] if page is not self.welcome else ["Ctrl+Shift+N", "Ctrl+N"]
        self.new_cohort_action.setShortcuts([QKeySequence(s) for s in shortcuts])

    def new_item(self) -> None:
        page = self.stack.currentWidget()
        new = getattr(page, "new_item", None)
        if page is self.welcome:
            self.new_cohort()
        elif callable(new):
            new()

    def team_report(self) -> Path | None:
        """Ctrl+P: the selected team's A4 self-assessment summary, saved where the user says."""
        team_uuid = self.current_team_uuid()
        if team_uuid is None:
            QMessageBox.information(
                self, "Team report", "Select a team in the navigator first, then press Ctrl+P."
            )
            return None
        from qidesk.ui.pages.team_assessment_tab import save_team_report

        return save_team_report(self, self.context.services, team_uuid)

    def delete_item(self) -> None:
        """Delete: what has the focus. In the navigator, the team or cohort selected there
        (not what the page's open tab holds, a PDSA cycle say); elsewhere the page decides."""
        current = self.navigator.current()
        if self.navigator.tree.hasFocus() and current is not None:
            if current.kind == "team" and "team" in self._pages:
                self._team_page().delete_team()
                return
            if current.kind == "cohort" and "cohort" in self._pages:
                self._cohort_page().delete_cohort()
                return
        delete = getattr(self.stack.currentWidget(), "delete_item", None)
        if callable(delete):
            delete()

    def focus_filter(self) -> None:
        self.navigator.filter_edit.setFocus()
        self.navigator.filter_edit.selectAll()

    def new_cohort(self) -> None:
        from qidesk.ui.dialogs.cohort_dialog import CohortDialog

        dialog = CohortDialog(
            self.context, lambda values: self.context.services.cohorts.create(**values), self
        )
        if dialog.exec():
            self.context.notify_saved(structure=True)
            self.select(Selection("cohort", dialog.saved_value.uuid))

    def show_help(self) -> None:
        QMessageBox.information(self, f"{APP_NAME} help", HELP_TEXT)

    def show_about(self) -> None:
        from qidesk.ui.dialogs.about_dialog import AboutDialog

        AboutDialog(self.context.database_path, self).exec()

    # status bar -----------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.database_label = QLabel(f"Database: {self.context.database_path.name}")
        self.database_label.setToolTip(str(self.context.database_path))
        self.saved_label = QLabel("")
        self.unexported_label = QLabel("")
        self.undo_label = QLabel("")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setFlat(True)
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_button.hide()
        self._undo: tuple[str, str] | None = None
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(15000)
        self._undo_timer.timeout.connect(self._forget_undo)
        status.addWidget(self.database_label)
        status.addWidget(self.saved_label)
        status.addWidget(self.undo_label)
        status.addWidget(self.undo_button)
        status.addPermanentWidget(self.unexported_label)
        self._saved_timer = QTimer(self)
        self._saved_timer.setSingleShot(True)
        self._saved_timer.setInterval(2500)
        self._saved_timer.timeout.connect(lambda: self.saved_label.setText(""))

    def _after_save(self) -> None:
        self.saved_label.setText("✓ Saved")
        self._saved_timer.start()
        self._update_counts()

    def _offer_undo(self, record_type: str, uuid: str, title: str) -> None:
        self._undo = (record_type, uuid)
        self.undo_label.setText(f"Deleted the {record_noun(record_type)} “{title}”.")
        self.undo_button.show()
        self.undo_button.setToolTip("Bring it back (Ctrl+Z)")
        self.undo_action.setText(f"&Undo delete of “{title}”")
        self.undo_action.setEnabled(True)
        self._undo_timer.start()

    def _forget_undo(self) -> None:
        self._undo = None
        self.undo_label.setText("")
        self.undo_button.hide()
        self.undo_action.setText("&Undo delete")
        self.undo_action.setEnabled(False)

    def undo_delete(self) -> None:
        """Restore what was just deleted (the same as restoring it from Recently deleted)."""
        if self._undo is None:
            return
        record_type, uuid = self._undo
        self._forget_undo()
        restore = self.context.services.deleted.restore
        if self.context.attempt(self, lambda: restore(record_type, uuid)):
            self.context.notify_saved(structure=True)
            if record_type in ("Cohort", "Team"):
                # Show what came back (the window had moved away from it).
                self.select(Selection(record_type.lower(), uuid))
            self._refresh_current_page()
            # The Undo button just hid: the focus goes back to the navigator, not to
            # whatever control came next.
            self.navigator.tree.setFocus()

    def _refresh_current_page(self) -> None:
        page = self.stack.currentWidget()
        refresh = getattr(page, "refresh", None)
        if callable(refresh):
            refresh()

    def _update_unexported(self) -> None:
        changes = self.context.services.activity.unexported()
        n = changes.records
        if n:
            text = f"{n} changed record{'s' if n != 1 else ''} not yet exported"
        elif changes.last_export_at is not None:
            text = "All changes exported"
        else:
            text = "No changes to export"
        self.unexported_label.setText(text)
        self.unexported_label.setToolTip(unexported_tooltip(changes))

    def _after_structure_change(self) -> None:
        self.navigator.reload()
        page = self.stack.currentWidget()
        if page is self.welcome and self.navigator.model.rowCount():
            self._select_first()

    def closeEvent(self, event: QCloseEvent) -> None:
        focus = self.focusWidget()
        if focus is not None:
            focus.clearFocus()  # commits the field being edited
        super().closeEvent(event)
