"""Records planned in bulk (new here, one version each) are written exactly as when every
record is planned one by one: same rows, same history, same counts, same reports."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from qidesk.services.base import tombstone
from qidesk.services.export_service import ExportService
from qidesk.services.import_service import ImportResult, ImportService
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.sync import merge as merge_module
from qidesk.sync.versions import VersionColumns
from test_sync_io_support import (  # noqa: F401  (fixtures are found by their name)
    Source,
    copy_database,
    source_fixture,
)


def _one_by_one(
    session: Any, runs: list[VersionColumns], objects: list[Any]
) -> tuple[list[merge_module.NewRecords], dict[str, set[str]]]:
    for run in runs:
        objects.extend(run.versions())
    return [], {}


def _dump(path: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Every table's rows in storage order (the import log's times left out)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        out = []
        for table in tables:
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            kept = [c for c in columns if c != "imported_at"]
            quoted = ", ".join(f'"{c}"' for c in kept)
            out.append((table, conn.execute(f'SELECT {quoted} FROM "{table}"').fetchall()))
        return out
    finally:
        conn.close()


def _report(result: ImportResult) -> Any:
    return (
        result.totals,
        result.by_type,
        [(Path(f.path).name, f.status, f.rows, f.problems) for f in result.files],
    )


@pytest.fixture(scope="module")
def workbooks(source: Source, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's full export; another installation's, which shares most records, edits and
    deletes some and adds its own; and one from an unrelated installation."""
    folder = tmp_path_factory.mktemp("bulk")
    other = copy_database(source.db_path, folder / "other.sqlite")
    with Database.open(other, installation_id="other-installation") as db:
        with db.unit_of_work() as session:
            team = session.query(Team).order_by(Team.name).first()
            assert team is not None
            team.name = team.name + " (renamed)"
            member = session.query(Member).filter(Member.deleted_at.is_(None)).first()
            assert member is not None
            tombstone(member)
            session.add(Member(team=team, name="New starter", role="Nurse"))
            session.add(Cohort(name="Cohort 10", status="planned"))
        ExportService(db.unit_of_work).export_full(folder / "other.xlsx")
    with Database.open(folder / "fresh.sqlite", installation_id="fresh-one") as db:
        with db.unit_of_work() as session:
            cohort = Cohort(name="Elsewhere", status="running")
            session.add(cohort)
            session.add(Team(cohort=cohort, name="Ward 1", status="active"))
        ExportService(db.unit_of_work).export_full(folder / "fresh.xlsx")
    return {"full": source.full, "other": folder / "other.xlsx", "fresh": folder / "fresh.xlsx"}


class _Spy:
    """What the bulk lane planned in one import: new records and unchanged uuids."""

    def __init__(self) -> None:
        self.new: list[merge_module.NewRecords] = []
        self.unchanged = 0

    @property
    def new_count(self) -> int:
        return sum(len(n.uuids) for n in self.new)


def _merge(
    folder: Path,
    name: str,
    before: list[Path],
    files: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    *,
    bulk: bool,
) -> tuple[Path, Any, _Spy]:
    spy = _Spy()
    path = folder / f"{name}.sqlite"
    with Database.open(path, installation_id="lead") as db:
        if before:
            ImportService(db.unit_of_work, None).apply(before)
        with monkeypatch.context() as patch:
            real = merge_module._plan_in_bulk if bulk else _one_by_one

            def spying(session: Any, runs: Any, objects: Any) -> Any:
                new, unchanged = real(session, runs, objects)
                spy.new.extend(new)
                spy.unchanged += sum(len(u) for u in unchanged.values())
                return new, unchanged

            patch.setattr(merge_module, "_plan_in_bulk", spying)
            # No database path: every sheet is read (none skipped as known).
            result = ImportService(db.unit_of_work, None).apply(files)
    return path, _report(result), spy


@pytest.mark.parametrize(
    ("before", "files"),
    [
        ([], ["full", "other", "fresh"]),
        (["full"], ["other", "fresh"]),
        (["fresh"], ["other", "full"]),
        (["full", "other"], ["full", "other", "fresh"]),
    ],
)
def test_bulk_and_one_by_one_write_the_same_database(
    workbooks: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    before: list[str],
    files: list[str],
) -> None:
    first = [workbooks[n] for n in before]
    paths = [workbooks[n] for n in files]
    bulk_db, bulk_report, spy = _merge(tmp_path, "bulk", first, paths, monkeypatch, bulk=True)
    plain_db, plain_report, none = _merge(tmp_path, "plain", first, paths, monkeypatch, bulk=False)
    assert none.new_count == none.unchanged == 0
    assert spy.new_count + spy.unchanged > 0  # the bulk lane was taken
    assert bulk_report == plain_report
    assert _dump(bulk_db) == _dump(plain_db)


def test_merging_what_the_database_holds_is_unchanged_in_bulk(
    workbooks: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = workbooks["full"]
    _db, report, spy = _merge(tmp_path, "again", [full], [full], monkeypatch, bulk=True)
    totals = report[0]
    assert spy.new_count == 0
    assert totals.unchanged == spy.unchanged > 0
    assert totals.created == totals.updated == totals.deleted == totals.conflicts == 0
    assert report[2][0][1] == "unchanged"


def test_a_first_merge_plans_every_record_of_one_file_in_bulk(
    workbooks: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _db, report, spy = _merge(tmp_path, "first", [], [workbooks["full"]], monkeypatch, bulk=True)
    totals = report[0]
    assert spy.new_count == totals.created + totals.deleted
    assert any(n.deleted for n in spy.new)  # the tombstones too


def _columns(record_type: str, rows: list[dict[str, Any]]) -> VersionColumns:
    keys = tuple(rows[0]["values"])
    return VersionColumns(
        record_type,
        "hand.xlsx",
        "Sheet",
        keys,
        list(range(2, 2 + len(rows))),
        [[r["values"][k] for r in rows] for k in keys],
        [r["uuid"] for r in rows],
        [r.get("vv", "x:1") for r in rows],
        [datetime(2026, 11, 26, 9, i) for i in range(len(rows))],
        ["x"] * len(rows),
        [r.get("deleted_at") for r in rows],
        [""] * len(rows),
    )


@pytest.mark.parametrize(
    ("record_type", "values"),
    [
        # Empty and missing texts, dates given as datetimes and text, booleans as text and ints.
        (
            "Coach",
            {"name": "", "role": None, "email": "a@b", "iip_accredited_on": None, "active": "yes"},
        ),
        (
            "Coach",
            {
                "name": "Ann",
                "role": "coach",
                "email": "",
                "iip_accredited_on": datetime(2026, 2, 1, 10),
                "active": 0,
            },
        ),
        (
            "Coach",
            {
                "name": "=1+1",
                "role": "buddy",
                "email": None,
                "iip_accredited_on": "2026-03-04",
                "active": True,
            },
        ),
        (
            "ProgressScore",
            {
                "team_uuid": "t",
                "month": date(2026, 1, 1),
                "rater": "coach",
                "score": 3,
                "notes": "",
            },
        ),
        # Empty text in nullable columns (NULL), and a reference given as empty text.
        ("PdsaCycle", {"act_decision": "", "previous_cycle_uuid": "", "planned_start": ""}),
        (
            "AssessmentResponse",
            {
                "assessment_uuid": "a",
                "respondent": "r",
                "item_code": "i",
                "score": 4.0,
                "comment": None,
            },
        ),
        (
            "AssessmentResponse",
            {
                "assessment_uuid": "a",
                "respondent": "r",
                "item_code": "i",
                "score": None,
                "comment": "",
            },
        ),
    ],
)
def test_bulk_parameters_equal_the_one_by_one_parameters(
    record_type: str, values: dict[str, Any]
) -> None:
    spec = merge_module.record_spec(record_type)
    plain = {"str": "x", "int": 1, "float": 1.5, "bool": True, "date": None, "datetime": None}
    values = {c.key: values.get(c.key, plain[c.kind]) for c in spec.columns}
    rows = [
        {"uuid": "u1", "values": values},
        {"uuid": "u2", "values": values, "vv": "y:2;x:1", "deleted_at": datetime(2026, 11, 27)},
    ]
    run = _columns(record_type, rows)
    params = merge_module._new_record_params(spec, run, [0, 1])
    assert params is not None
    problems: list[Any] = []
    known = merge_module._incoming_versions(run.versions(), problems)
    assert problems == []
    versions = [known[record_type][u][0] for u in ("u1", "u2")]
    names, expected = merge_module._live_params(spec, versions)
    assert tuple(names) == tuple(merge_module._live_names(spec))
    assert params == expected


@pytest.mark.parametrize("vv", ["", "nonsense", "x:-1"])
def test_a_bad_vector_leaves_the_run_to_the_one_by_one_plan(vv: str) -> None:
    spec = merge_module.record_spec("Cohort")
    values = {c.key: None if c.kind != "str" else "c" for c in spec.columns}
    run = _columns(
        "Cohort", [{"uuid": "u1", "values": values}, {"uuid": "u2", "values": values, "vv": vv}]
    )
    assert merge_module._new_record_params(spec, run, [0, 1]) is None
    assert merge_module._new_record_params(spec, run, [0]) is not None


def test_the_checks_find_the_same_problems_in_columns_and_in_objects() -> None:
    from qidesk.sync.validate import check_ranges, check_references

    response = merge_module.record_spec("AssessmentResponse")
    values = {c.key: "x" for c in response.columns}
    rows = [
        {"uuid": "r1", "values": {**values, "assessment_uuid": "a1", "score": 9}},
        {"uuid": "r2", "values": {**values, "assessment_uuid": "nowhere", "score": 2}},
        {"uuid": "r5", "values": {**values, "assessment_uuid": "gone", "score": 2}},
        {"uuid": "r3", "values": {**values, "assessment_uuid": "a1", "score": None}},
        {"uuid": "r4", "values": {**values, "assessment_uuid": "a1", "score": 3}},
    ]
    template = merge_module.record_spec("AssessmentTemplate")
    assessment = merge_module.record_spec("Assessment")
    others = [
        _columns(
            "AssessmentTemplate",
            [
                {
                    "uuid": "t1",
                    "values": {
                        **{c.key: "x" for c in template.columns},
                        "scale_min": 1,
                        "scale_max": 5,
                    },
                }
            ],
        ),
        _columns(
            "Assessment",
            [
                {
                    "uuid": "a1",
                    "values": {
                        **{c.key: None for c in assessment.columns},
                        "template_uuid": "t1",
                        "team_uuid": "team",
                    },
                }
            ],
        ),
    ]
    runs = [_columns("AssessmentResponse", rows), *others]
    objects = [v for run in runs for v in run.versions()]
    for check in (check_references, check_ranges):
        found = check(None, runs)
        assert found == check(None, objects)
        assert found  # something to find
    # Teams carry three references: problems come row by row, as for objects.
    team = merge_module.record_spec("Team")
    team_rows = [
        {"uuid": f"team{n}", "values": {c.key: f"ref{n}" for c in team.columns}} for n in range(3)
    ]
    teams = _columns("Team", team_rows)
    found_refs = check_references(None, [teams])
    assert len(found_refs) == 9
    assert found_refs == check_references(None, teams.versions())
    messages = [(p.row, p.column) for p in check_ranges(None, runs)]
    assert messages == [(2, "score")]
    dangling = {(p.row, p.column) for p in check_references(None, runs)}
    assert (3, "assessment_uuid") in dangling
