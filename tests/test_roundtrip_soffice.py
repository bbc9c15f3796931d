"""Round trips through a real spreadsheet program: LibreOffice Calc re-saves our workbooks."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from qidesk.services.export_service import ExportService
from qidesk.services.import_service import ImportService
from qidesk.store.engine import Database
from qidesk.sync.preflight import check_file
from qidesk.sync.workbook_reader import read_workbook
from test_pack import fill_pack, first_team
from test_sync_io import _edit, _normalised
from test_sync_io_support import (  # noqa: F401  (fixtures are found by their name)
    demo_copy_fixture,
    source_fixture,
    team_export_fixture,
)

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.soffice,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
]


def resave(path: Path, folder: Path) -> Path:
    """Open ``path`` in LibreOffice Calc (headless) and save it again as .xlsx in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = folder / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(folder),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    out = folder / (path.stem + ".xlsx")
    assert out.exists(), f"LibreOffice did not write {out}"
    return out


def test_full_export_resaved_by_libreoffice_reads_the_same(
    demo_copy: Database, team_export: Path, tmp_path: Path
) -> None:
    demo_db = demo_copy
    original = team_export
    resaved = resave(original, tmp_path / "lo")
    before = read_workbook(original, check_file(original))
    after = read_workbook(resaved, check_file(resaved))
    assert after.problems == [], [str(p) for p in after.problems]
    assert after.edited_rows == 0
    assert _normalised(after.versions) == _normalised(before.versions)
    result = ImportService(demo_db.unit_of_work, demo_db.path).apply([resaved])
    assert result.totals.changes == 0 and not result.applied


def test_an_edit_survives_libreoffice_and_is_imported_once(
    demo_copy: Database, team_export: Path, tmp_path: Path
) -> None:
    demo_db = demo_copy
    original = team_export
    _edit(original, "Cohorts", "notes", 2, "Corrected in the spreadsheet")
    resaved = resave(original, tmp_path / "lo")
    service = ImportService(demo_db.unit_of_work, demo_db.path)
    first = service.apply([resaved])
    assert first.totals.updated == 1 and first.totals.conflicts == 0
    again = resave(resaved, tmp_path / "lo2")
    assert service.apply([again, original]).totals.changes == 0


def test_a_pack_filled_and_saved_in_libreoffice_imports_its_answers(
    db: Database, tmp_path: Path
) -> None:
    from qidesk.store.models import Cohort, Member, Team

    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 9")
        team = Team(cohort=cohort, name="Ward 7")
        session.add_all([cohort, team])
        for name in ("Aled Jones", "Bethan Evans"):
            session.add(Member(team=team, name=name, role="Nurse"))
    _team_uuid, name, members = first_team(db)
    pack = tmp_path / "pack.xlsx"
    ExportService(db.unit_of_work).export_pack(pack, team_name=name, stage="start")
    fill_pack(
        pack,
        {
            (members[0], "MFI"): "4 – Can apply it independently",
            (members[1], "PDSA"): 2,
            ("consensus", "MFI"): "3 – Can apply it with support",
        },
        {"MFI": "-agreed on 12 May"},
    )
    filled = resave(pack, tmp_path / "lo")
    service = ImportService(db.unit_of_work, db.path)
    result = service.apply([filled])
    assert result.applied and result.totals.created == 3, result.as_json()["files"]
    from sqlalchemy import select

    from qidesk.store.models.assessment import AssessmentResponse

    with db.unit_of_work() as session:
        got = {
            (r.respondent, r.item_code): (r.score, r.comment)
            for r in session.scalars(select(AssessmentResponse))
        }
    assert got == {
        (members[0], "MFI"): (4, ""),
        (members[1], "PDSA"): (2, ""),
        ("consensus", "MFI"): (3, "-agreed on 12 May"),
    }
    # The same filled pack again, and once more re-saved: nothing changes.
    again = resave(filled, tmp_path / "lo2")
    assert service.apply([pack, filled, again]).totals.changes == 0
