"""History rows that SQLite copies from the rows a merge wrote hold the JSON Python would write."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qidesk.store.engine import Database
from qidesk.store.models import Coach, RecordVersion
from qidesk.sync import merge as merge_module
from test_merge_support import export, fresh_database, merge

ODD_TEXTS = (
    'Zoë "Q" O\'Neil',
    "line one\nline two\ttab\r",
    "=SUM(A1:A2)",
    "\x01\x1f control \\ back/slash",
    "emoji 😀 and \u2028 separator",
    "",
)


def _python_data(session: Any, record_type: str, uuid: str) -> str:
    """The history JSON the Python path writes for the record's current row."""
    spec = merge_module.record_spec(record_type)
    row = session.execute(select(spec.table).where(spec.table.c.uuid == uuid)).mappings().one()
    return merge_module._data(merge_module._from_row(spec, row))


def test_history_of_a_first_merge_is_the_json_python_writes(
    demo_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with demo_db.unit_of_work() as session:
        for i, name in enumerate(ODD_TEXTS):
            session.add(
                Coach(
                    name=name or f"Coach {i}",
                    email=name,
                    active=bool(i % 2),
                    iip_accredited_on=date(2026, 1, i + 1) if i % 3 else None,
                )
            )
    versions = export(demo_db)
    assert {v.record_type for v in versions} >= {"Coach", "ProgressScore", "PdsaCycle", "Member"}
    python_rows = []
    original = merge_module._history_params
    monkeypatch.setattr(
        merge_module,
        "_history_params",
        lambda v, origin: python_rows.append(v) or original(v, origin),
    )
    target = fresh_database(tmp_path, "target", "tttt")
    try:
        merge(target, versions, import_id="first-merge")
        live = {v.uuid: v for v in export(target)}
        assert python_rows == []  # every history row was copied by SQLite
        with target.unit_of_work() as session:
            stored = session.execute(
                select(RecordVersion.record_type, RecordVersion.record_uuid, RecordVersion.data)
            ).all()
            assert len(stored) == len(versions)
            for record_type, uuid, data in stored:
                assert data == _python_data(session, record_type, uuid), (record_type, uuid)
            rows = session.execute(select(RecordVersion)).scalars().all()
            assert {r.origin for r in rows} == {"first-merge"}
            for r in rows:
                assert (r.vv, r.updated_at, r.updated_by, r.deleted_at) == (
                    live[r.record_uuid].vv,
                    live[r.record_uuid].updated_at,
                    live[r.record_uuid].updated_by,
                    live[r.record_uuid].deleted_at,
                )
    finally:
        target.close()


def test_versions_the_row_does_not_hold_still_reach_the_history(
    pair: tuple[Database, Database], tmp_path: Path
) -> None:
    a, b = pair
    with a.unit_of_work() as session:
        coach = Coach(name="Ann", email="", active=True)
        session.add(coach)
        session.flush()
        uuid = coach.uuid
    first = export(a)
    with a.unit_of_work() as session:
        obj = session.get(Coach, uuid)
        assert obj is not None
        obj.name = "Ann Lee"
    second = export(a)
    # Both versions in one merge: the older one is history only, the newer one is the row.
    merge(b, first + second, import_id="both")
    with b.unit_of_work() as session:
        rows = (
            session.execute(select(RecordVersion).where(RecordVersion.record_uuid == uuid))
            .scalars()
            .all()
        )
        names = sorted(merge_module.json.loads(r.data)["name"] for r in rows)
        assert names == ["Ann", "Ann Lee"]
        assert session.get(Coach, uuid).name == "Ann Lee"  # type: ignore[union-attr]
