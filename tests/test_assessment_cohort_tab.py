"""The cohort page's Capability tab on demo data: stages, band, table, empty cohort."""

from __future__ import annotations

from sqlalchemy import select

from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.store.models import Cohort
from qidesk.ui.pages.cohort_capability_tab import CohortCapabilityTab


def test_cohort_capability_tab(qtbot, demo_db: Database) -> None:
    tab = CohortCapabilityTab(Services.create(demo_db))
    qtbot.addWidget(tab)
    tab.resize(1100, 700)
    tab.show()
    with demo_db.unit_of_work() as session:
        cohorts = {c.status: c.uuid for c in session.scalars(select(Cohort))}
    tab.show_cohort(cohorts["completed"])
    assert list(tab.chart.series_curves()) == ["start", "mid", "end"]
    assert tab.band_combo.currentData() == "end"
    assert len(tab.chart.band_items()) == 1
    assert tab.table.rowCount() == 12 and tab.table.columnCount() == 4
    capability = tab.capability
    assert capability is not None
    cell = capability.cells[(capability.items[0][0], "end")]
    assert tab.table.item(0, 3).text() == f"{cell.mean:.1f}\n({cell.min:.1f}–{cell.max:.1f})"
    tab.stage_checks["mid"].setChecked(False)
    assert list(tab.chart.series_curves()) == ["start", "end"]
    tab.band_combo.setCurrentIndex(0)  # no band
    assert tab.chart.band_items() == []
    tab.show_cohort(cohorts["running"])
    assert not tab.stage_checks["end"].isEnabled()
    assert "end" not in tab.chart.series_curves()


def test_cohort_without_assessments_says_what_to_do(qtbot, db: Database) -> None:
    with db.unit_of_work() as session:
        cohort = Cohort(name="New cohort")
        session.add(cohort)
        session.flush()
        uuid = cohort.uuid
    tab = CohortCapabilityTab(Services.create(db))
    qtbot.addWidget(tab)
    tab.show()
    tab.show_cohort(uuid)
    assert "No team in this cohort has a self-assessment yet" in tab.empty_label.text()
    assert tab.chart.series_curves() == {}
