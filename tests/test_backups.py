"""Backups before imports and migrations: a consistent copy each time, the newest import
backups kept, every migration backup kept."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from qidesk.services import import_service
from qidesk.services.import_service import ImportService
from qidesk.store.backup import backup_database, backup_folder
from qidesk.store.engine import Database
from qidesk.store.models import Cohort


def test_the_newest_import_backups_are_kept_and_migration_backups_stay(tmp_path: Path) -> None:
    path = tmp_path / "lead.sqlite"
    Database.open(path).close()
    migration = backup_database(path, "before-migration-none-0006")
    made = []
    for _ in range(5):
        made.append(backup_database(path, "before-import", keep=3))
        time.sleep(0.002)  # distinct time stamps even on a coarse clock
    left = sorted(p.name for p in backup_folder(path).iterdir())
    assert left == sorted([migration.name, *(p.name for p in made[-3:])])
    # Each copy is a whole database.
    conn = sqlite3.connect(made[-1])
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_imports_keep_a_bounded_number_of_backups(tmp_path: Path, monkeypatch) -> None:
    from qidesk.services.export_service import ExportService

    monkeypatch.setattr(import_service, "IMPORT_BACKUPS_KEPT", 2)
    workbooks = []
    for n in range(4):  # four installations, a cohort each: every import changes something
        with Database.open(tmp_path / f"coach-{n}.sqlite") as other:
            with other.unit_of_work() as session:
                session.add(Cohort(name=f"Cohort {n}", status="planned"))
            workbooks.append(tmp_path / f"coach-{n}.xlsx")
            ExportService(other.unit_of_work).export_full(workbooks[-1])
    path = tmp_path / "lead.sqlite"
    backups = []
    with Database.open(path) as db:
        service = ImportService(db.unit_of_work, db.path)
        for workbook in workbooks:
            result = service.apply([workbook])
            assert result.applied and result.backup_path
            backups.append(Path(result.backup_path))
            time.sleep(0.002)  # distinct time stamps even on a coarse clock
    left = sorted(backup_folder(path).glob("*-before-import.sqlite"))
    assert left == backups[-2:]
