"""The Conflicts and Import log pages as a user meets them: lists, side-by-side values, Keep."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Team
from qidesk.ui.context import UiContext
from qidesk.ui.pages.conflicts_page import ConflictsPage
from qidesk.ui.pages.import_log_page import ImportLogPage
from qidesk.ui.widgets import DIFFERS_COLOUR
from test_conflict_service import team_conflict
from test_merge import row, team_tree
from test_merge_support import merge_and_log

SHOTS = Path("/tmp/qidesk-syncmerge-shots")


def _conflict(a: Database, b: Database) -> str:
    return team_conflict(a, b, site="Glangwili General Hospital")


def _logged_full_import(a: Database, b: Database) -> None:
    """``a``'s export merged into ``b`` and logged as the full export coach-rhian.xlsx."""
    merge_and_log(
        a,
        b,
        file_name="coach-rhian.xlsx",
        file_hash="ab" * 32,
        summary_of=lambda plan: {"merge": plan.summary(), "kind": "full", "files_in_merge": 1},
    )


def _save(widget, name: str) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        widget.grab().save(str(SHOTS / f"{name}.png"))


def test_conflicts_page_shows_versions_side_by_side_and_keeps_one(qtbot, pair) -> None:
    a, b = pair
    team = _conflict(a, b)
    context = UiContext(Services.create(a))
    page = ConflictsPage(context)
    qtbot.addWidget(page)
    page.resize(1100, 640)
    page.show()
    page.refresh()
    assert page.list_model.rowCount() == 1
    assert page.list_model.display(page.list_model.row_at(0), 1) == "ED Carmarthen (B)"
    assert page.record_title.text() == "Team: ED Carmarthen (B)"
    assert "changed in 2 places" in page.summary.text()
    table = page.versions
    assert table.columnCount() == 2
    labels = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    name_row = labels.index("≠ Name")
    assert [table.item(name_row, c).text() for c in range(2)] == [
        "ED Carmarthen (B)",
        "ED Carmarthen (A)",
    ]
    assert table.item(name_row, 0).background().color() == DIFFERS_COLOUR
    same_row = labels.index("Service")
    assert table.item(same_row, 0).background().style() == Qt.BrushStyle.NoBrush
    assert "shown now" in table.horizontalHeaderItem(0).text()
    _save(page, "conflicts")

    page.only_differences.setChecked(True)
    assert table.isRowHidden(same_row) and not table.isRowHidden(name_row)

    assert [bt.text() for bt in page.keep_buttons] == ["Keep version 1", "Keep version 2"]
    with qtbot.waitSignal(context.saved):
        qtbot.mouseClick(page.keep_buttons[1], Qt.MouseButton.LeftButton)
    assert row(a, Team, team).name == "ED Carmarthen (A)"
    assert page.list_model.rowCount() == 0
    assert page.empty.isVisible() and not page.splitter.isVisible()
    _save(page, "conflicts-empty")


def test_conflict_count_shows_in_the_navigator(qtbot, pair) -> None:
    from qidesk.ui.main_window import MainWindow

    a, b = pair
    _conflict(a, b)
    window = MainWindow(UiContext(Services.create(a)))
    qtbot.addWidget(window)
    titles = [window.navigator.fixed.item(r).text() for r in range(window.navigator.fixed.count())]
    assert "Conflicts (1)" in titles
    assert "Import log" in titles
    assert titles[-1] == "Recently deleted"


def test_import_log_page_lists_imports_and_what_they_brought(qtbot, pair) -> None:
    a, b = pair
    team_tree(a)
    _logged_full_import(a, b)
    page = ImportLogPage(UiContext(Services.create(b)))
    qtbot.addWidget(page)
    page.resize(1100, 640)
    page.show()
    page.refresh()
    assert page.imports_model.rowCount() == 1
    entry = page.imports_model.row_at(0)
    assert page.imports_model.display(entry, 1) == "coach-rhian.xlsx"
    assert page.imports_model.display(entry, 3) == "3 created"
    assert "brought 3 new versions" in page.detail_title.text()
    assert "The list shows" not in page.detail_title.text()  # all three are listed
    log = page.context.services.import_log
    real = log.versions_received
    log.versions_received = lambda import_id: real(import_id, limit=2)  # type: ignore[method-assign]
    page.refresh()
    assert "The list shows 2 of them." in page.detail_title.text()
    log.versions_received = real  # type: ignore[method-assign]
    page.refresh()
    # Record types as a coach names them, parents first; the kind in words.
    shown = [page.counts_model.data(page.counts_model.index(r, 0)) for r in range(3)]
    assert shown == ["Cohorts", "Teams", "Members"]
    assert page.imports_model.display(entry, 2) == "Full export"
    assert page.received_model.rowCount() == 3
    whats = {page.received_model.data(page.received_model.index(r, 0)) for r in range(3)}
    assert whats == {"Cohort", "Team", "Member"}
    _save(page, "import-log")


def test_import_log_page_says_what_to_do_when_empty(qtbot, pair) -> None:
    a, _ = pair
    page = ImportLogPage(UiContext(Services.create(a)))
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    assert page.empty.isVisible()
    assert "Import" in page.empty.text()


def test_import_log_reads_what_an_import_brought_once_per_refresh(qtbot, pair) -> None:
    """Opening the page read the newest import's versions twice (the row's selection showed it,
    then refresh showed it again): on a lead's database that doubled the wait."""
    a, b = pair
    team_tree(a)
    _logged_full_import(a, b)
    page = ImportLogPage(UiContext(Services.create(b)))
    qtbot.addWidget(page)
    page.show()
    log = page.context.services.import_log
    real = log.versions_received
    reads: list[str] = []

    def counted(import_id: str) -> list:
        reads.append(import_id)
        return real(import_id)

    log.versions_received = counted  # type: ignore[method-assign]
    page.refresh()
    assert reads == ["imp-1"]
    assert page.received_model.rowCount() == 3
    page.refresh()  # a refresh reads again (once)
    assert reads == ["imp-1", "imp-1"]


def test_the_history_is_indexed_by_origin_for_the_import_log(db: Database) -> None:
    """Listing what one import brought must not read the whole history."""
    with db.unit_of_work() as session:
        plan = session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT record_type, record_uuid, data FROM record_version "
            "WHERE origin = ? ORDER BY id LIMIT 2000",
            ("imp-1",),
        )
        details = " ".join(str(row[-1]) for row in plan)
    assert "ix_record_version_origin" in details
    assert "SCAN record_version" not in details.replace("USING INDEX", "")
