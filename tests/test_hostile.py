"""The hostile corpus: every file is refused with its location and the database is unchanged."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from make_hostile_corpus import HostileCase, build_corpus, build_xlsm, export_small_base
from qidesk.cli import main
from qidesk.services.demo import build_demo
from qidesk.services.import_service import REJECTED, UNCHANGED, ImportService
from qidesk.store.engine import Database


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[HostileCase]]:
    folder = tmp_path_factory.mktemp("hostile")
    db_path = folder / "demo.sqlite"
    with Database.open(db_path) as db:
        build_demo(db.unit_of_work, seed=1)
        base = folder / "base.xlsx"
        export_small_base(db, base)
    return db_path, base, build_corpus(base, folder / "corpus")


def test_every_hostile_file_is_rejected_with_its_location(corpus) -> None:
    db_path, _base, cases = corpus
    before = dump(db_path)
    with Database.open(db_path) as db:
        service = ImportService(db.unit_of_work, db.path)
        for case in cases:
            result = service.apply([case.path])
            (report,) = result.files
            assert report.status == REJECTED, case.name
            assert not result.applied
            matching = [p for p in report.problems if case.phrase in p.message]
            assert matching, f"{case.name}: {[str(p) for p in report.problems]}"
            problem = matching[0]
            assert (problem.sheet, problem.row, problem.column) == (
                case.sheet,
                case.row,
                case.column,
            ), f"{case.name}: {problem}"
            assert problem.file == case.path.name
    assert dump(db_path) == before


def test_merge_of_the_whole_corpus_exits_2_and_changes_nothing(corpus, capsys) -> None:
    db_path, base, cases = corpus
    before = dump(db_path)
    files = [str(c.path) for c in cases]
    status = main(["merge", "--db", str(db_path), "--json", str(base), *files])
    out = json.loads(capsys.readouterr().out)
    assert status == 2
    by_path = {f["path"]: f for f in out["files"]}
    assert by_path[str(base)]["status"] == "unchanged"  # valid, held back: nothing applied
    for case in cases:
        entry = by_path[str(case.path)]
        assert entry["status"] == "rejected"
        assert entry["errors"] and all(
            set(e) == {"sheet", "row", "column", "message"} for e in entry["errors"]
        )
    assert dump(db_path) == before


def test_skip_invalid_applies_the_valid_files_only(corpus, tmp_path, capsys) -> None:
    _db_path, base, cases = corpus
    empty = tmp_path / "empty.sqlite"
    Database.open(empty).close()
    bad = [str(c.path) for c in cases[:3]]
    status = main(["merge", "--db", str(empty), "--json", "--skip-invalid", str(base), *bad])
    out = json.loads(capsys.readouterr().out)
    assert status == 2
    assert out["created"] > 10
    statuses = {f["path"]: f["status"] for f in out["files"]}
    assert statuses[str(base)] == "applied"
    assert [statuses[b] for b in bad] == ["rejected"] * 3


def test_macro_enabled_workbook_is_read_with_a_warning(corpus, tmp_path) -> None:
    db_path, base, _cases = corpus
    xlsm = build_xlsm(base, tmp_path / "macro.xlsm")
    with Database.open(db_path) as db:
        result = ImportService(db.unit_of_work, db.path).preview([xlsm])
    (report,) = result.files
    assert report.status == UNCHANGED
    assert any("never runs macros" in w for w in report.warnings)


def test_a_lying_dimension_reads_only_the_real_cells(corpus, tmp_path) -> None:
    import re
    import zipfile

    db_path, base, _cases = corpus
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(lying, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(
                    rb"<dimension ref=\"[^\"]*\"", b'<dimension ref="A1:XFD1048576"', data
                )
                if b"<dimension" not in data:
                    data = data.replace(
                        b"<sheetViews>", b'<dimension ref="A1:XFD1048576"/><sheetViews>', 1
                    )
            dst.writestr(info.filename, data)
    with Database.open(db_path) as db:
        result = ImportService(db.unit_of_work, db.path).preview([lying])
    (report,) = result.files
    assert report.status == UNCHANGED, [str(p) for p in report.problems]
    assert result.totals.unchanged > 10 and result.totals.changes == 0
