"""Re-importing skips sheets that are as exported and hold only versions merged before, with
exactly the result of reading them."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import python_calamine
from sqlalchemy import select

from qidesk.services.export_service import ExportService
from qidesk.services.import_service import APPLIED, UNCHANGED, ImportService
from qidesk.store.engine import Database
from qidesk.store.models import Member, Team
from qidesk.sync.merge import winning_versions
from qidesk.sync.preflight import check_file
from qidesk.sync.received import ReceivedSheets
from qidesk.sync.record_types import META_SHEET, META_SHEET_DIGESTS, ROWS_SHEET, spec_for
from qidesk.sync.versions import version_fingerprint, versions_digest
from qidesk.sync.workbook_reader import _sheet_parts, read_workbook
from test_sync_io_support import (  # noqa: F401  (fixtures are found by their name)
    Source,
    copy_database,
    demo_copy_fixture,
    source_fixture,
    team_export_fixture,
)


def _state(db: Database) -> dict:
    with db.unit_of_work() as session:
        return {
            (v.record_type, v.uuid): (v.vv, v.updated_at, v.updated_by, v.deleted_at, v.values)
            for v in winning_versions(session)
        }


def _full_path_service(db: Database) -> ImportService:
    """An import service that reads every sheet (the reference for the skipping one)."""
    service = ImportService(db.unit_of_work, db.path)
    service._received = None
    return service


def _rewrite_sheet(path: Path, sheet: str, change: Callable[[bytes], bytes]) -> None:
    """Change one sheet's XML in place, leaving every other zip member byte for byte as it was."""
    with zipfile.ZipFile(path) as archive:
        member = _sheet_parts(archive)[sheet]
        items = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in items:
            if info.filename == member:
                changed = change(data)
                assert changed != data
                data = changed
            archive.writestr(info, data)


def _data_sheets(path: Path) -> set[str]:
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return {n for n in workbook.sheet_names if not n.startswith("_")}
    finally:
        workbook.close()


def test_the_export_records_each_sheet_digest_and_the_reader_computes_the_same(
    team_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qidesk.sync import workbook_reader

    workbook = python_calamine.CalamineWorkbook.from_path(str(team_export))
    meta = dict(r[:2] for r in workbook.get_sheet_by_name(META_SHEET).to_python()[1:])
    hashes = {(r[0], r[1]): r[2] for r in workbook.get_sheet_by_name(ROWS_SHEET).to_python()[1:]}
    workbook.close()
    recorded = {}
    with zipfile.ZipFile(team_export) as archive:
        parts = _sheet_parts(archive)
        for entry in meta[META_SHEET_DIGESTS].split(";"):
            name, crc, size, versions = entry.split(":")
            info = archive.getinfo(parts[name])
            assert (int(crc, 16), int(size)) == (info.CRC, info.file_size), name
            recorded[name] = versions
    assert set(recorded) == set(parts) - {META_SHEET}
    assert all(recorded[s] == "" for s in (ROWS_SHEET, "_conflicts"))
    trusted = read_workbook(team_export, check_file(team_export))
    assert {d for d, _, _ in trusted.read_sheets} == {
        recorded[s] for s in _data_sheets(team_export)
    }
    # Read as if the sheets had been re-saved: every fingerprint computed from the cells.
    monkeypatch.setattr(workbook_reader, "_sheets_as_exported", lambda meta, digests: set())
    parsed = read_workbook(team_export, check_file(team_export))
    assert parsed.versions and not parsed.problems
    read = {spec_for(t).sheet: (d, uuids) for d, t, uuids in parsed.read_sheets}
    assert set(read) == _data_sheets(team_export)
    for sheet, (digest, uuids) in read.items():
        assert digest == recorded[sheet], sheet  # nothing edited: the export's digest
        mine = [v for v in parsed.versions if spec_for(v.record_type).sheet == sheet]
        assert uuids == [v.uuid for v in mine]
        assert digest == versions_digest(v.fingerprint for v in mine)
        for v in mine:
            assert v.fingerprint == version_fingerprint(
                v.record_type, v.uuid, v.vv, v.updated_at, v.updated_by, hashes[(sheet, v.uuid)]
            )


def test_reimport_skips_every_data_sheet_with_the_same_result(
    team_export: Path, tmp_path: Path
) -> None:
    with Database.open(tmp_path / "lead.sqlite") as db:
        first = ImportService(db.unit_of_work, db.path).apply([team_export])
        assert first.applied and first.files[0].status == APPLIED
        nothing_known = read_workbook(team_export, known_sheets=lambda digests: {})
        assert nothing_known.skipped_sheets == ()
        parsed = read_workbook(team_export, known_sheets=ReceivedSheets(db.path))
        assert set(parsed.skipped_sheets) == _data_sheets(team_export)
        assert parsed.versions == [] and not parsed.problems
        assert len(parsed.known_records) == first.files[0].rows
        before = _state(db)
        reference = _full_path_service(db).preview([team_export])
        again = ImportService(db.unit_of_work, db.path).apply([team_export])
        assert not again.applied and again.files[0].status == UNCHANGED
        assert again.as_json() == reference.as_json()
        assert again.totals.unchanged == first.totals.created + first.totals.deleted
        assert _state(db) == before


def test_an_edited_sheet_is_read_and_the_others_skipped(
    source: Source, team_export: Path, tmp_path: Path
) -> None:
    lead = copy_database(source.db_path, tmp_path / "lead.sqlite")
    with Database.open(lead) as db:
        ImportService(db.unit_of_work, db.path).apply([team_export])
    reference = copy_database(lead, tmp_path / "reference.sqlite")
    _rewrite_sheet(team_export, "Members", lambda xml: xml.replace(b">Member 0<", b">Member Zero<"))
    with Database.open(lead) as db:
        parsed = read_workbook(team_export, known_sheets=ReceivedSheets(db.path))
        assert "Members" not in parsed.skipped_sheets
        assert set(parsed.skipped_sheets) == _data_sheets(team_export) - {"Members"}
        assert parsed.edited_rows == 1
        result = ImportService(db.unit_of_work, db.path).apply([team_export])
        assert result.applied and result.totals.updated == 1
        with db.unit_of_work() as session:
            assert session.scalars(select(Member).where(Member.name == "Member Zero")).one()
        got = _state(db)
    with Database.open(reference) as db:
        expected = _full_path_service(db).apply([team_export])
        assert expected.as_json()["by_type"] == result.as_json()["by_type"]
        assert _state(db) == got


def test_a_changed_rows_sheet_means_nothing_is_skipped(team_export: Path, tmp_path: Path) -> None:
    with Database.open(tmp_path / "lead.sqlite") as db:
        ImportService(db.unit_of_work, db.path).apply([team_export])
        # A changed row hash makes its row read as edited: every sheet must be read to see it.
        workbook = python_calamine.CalamineWorkbook.from_path(str(team_export))
        row_hash = workbook.get_sheet_by_name(ROWS_SHEET).to_python()[1][2]
        workbook.close()
        _rewrite_sheet(
            team_export, ROWS_SHEET, lambda xml: xml.replace(row_hash.encode(), b"0" * 32)
        )
        parsed = read_workbook(team_export, known_sheets=ReceivedSheets(db.path))
        assert parsed.skipped_sheets == () and not parsed.problems
        assert parsed.edited_rows == 1


def test_merging_a_known_and_a_new_file_together_matches_the_full_path(
    source: Source, demo_copy: Database, team_export: Path, tmp_path: Path
) -> None:
    # A second installation renames one of the exported teams and exports the same scope.
    with demo_copy.unit_of_work() as session:
        team = session.scalars(select(Team).where(Team.name == source.team_names[0])).one()
        team.name = "Renamed on the second laptop"
    newer = tmp_path / "newer.xlsx"
    names = ["Renamed on the second laptop", source.team_names[1]]
    ExportService(demo_copy.unit_of_work).export_full(newer, team_names=names)
    lead = tmp_path / "lead.sqlite"
    with Database.open(lead) as db:
        ImportService(db.unit_of_work, db.path).apply([team_export])
    reference = copy_database(lead, tmp_path / "reference.sqlite")
    with Database.open(lead) as db:
        result = ImportService(db.unit_of_work, db.path).apply([team_export, newer])
        got = _state(db)
    with Database.open(reference) as db:
        expected = _full_path_service(db).apply([team_export, newer])
        assert _state(db) == got
    assert result.totals.updated == 1
    assert result.as_json() == expected.as_json()


def test_the_lookup_says_none_known_for_a_missing_or_foreign_database(tmp_path: Path) -> None:
    assert ReceivedSheets(tmp_path / "missing.sqlite")(["a" * 32]) == {}
    foreign = tmp_path / "foreign.sqlite"
    foreign.write_bytes(b"not a database at all" * 100)
    assert ReceivedSheets(foreign)(["a" * 32]) == {}


def test_a_dry_run_remembers_nothing(team_export: Path, tmp_path: Path) -> None:
    with Database.open(tmp_path / "lead.sqlite") as db:
        service = ImportService(db.unit_of_work, db.path)
        preview = service.preview([team_export])
        assert preview.totals.created > 0
        parsed = read_workbook(team_export, known_sheets=ReceivedSheets(db.path))
        assert parsed.skipped_sheets == ()
        assert len(parsed.versions) == preview.totals.created + preview.totals.deleted


def test_rows_of_a_sheet_as_exported_take_their_hash_from_rows_with_the_same_result(
    source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qidesk.sync import workbook_reader

    calls = []
    real_row_hash = workbook_reader.row_hash

    def counting_row_hash(values, deleted_at):
        calls.append(1)
        return real_row_hash(values, deleted_at)

    real_row_hashes = workbook_reader.row_hashes

    def counting_row_hashes(keys, columns, deleted_at):
        calls.extend([1] * len(deleted_at))
        return real_row_hashes(keys, columns, deleted_at)

    monkeypatch.setattr(workbook_reader, "row_hash", counting_row_hash)
    monkeypatch.setattr(workbook_reader, "row_hashes", counting_row_hashes)
    trusted = read_workbook(source.full, check_file(source.full))
    assert not trusted.problems and trusted.edited_rows == 0
    assert calls == []  # every row's hash came from _rows
    monkeypatch.setattr(workbook_reader, "_sheets_as_exported", lambda meta, digests: set())
    recomputed = read_workbook(source.full, check_file(source.full))
    assert len(calls) == len(recomputed.versions) > 5000
    assert [replace(v, fingerprint="") for v in recomputed.versions] == trusted.versions
    assert trusted.read_sheets == recomputed.read_sheets


def test_replacing_the_data_with_a_demo_forgets_the_merged_sheets(
    team_export: Path, tmp_path: Path
) -> None:
    """The cache is only right while the database keeps what it merged: ``demo --force``
    replaces everything, so a later import must read every sheet again."""
    from qidesk.services.demo import build_demo

    with Database.open(tmp_path / "lead.sqlite") as db:
        ImportService(db.unit_of_work, db.path).apply([team_export])
        assert read_workbook(team_export, known_sheets=ReceivedSheets(db.path)).skipped_sheets
        build_demo(db.unit_of_work, seed=3, force=True)
        parsed = read_workbook(team_export, known_sheets=ReceivedSheets(db.path))
        assert parsed.skipped_sheets == () and parsed.versions
