"""Shared fixtures of the sync I/O tests: one demo database built once per session, cheap copies
of it, and workbooks exported from it (the whole database, or one small team)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from qidesk.services.base import tombstone
from qidesk.services.export_service import ExportService
from qidesk.store.engine import Database
from qidesk.store.models import Coach, Cohort, Member, Team

RISKY_TEXTS = [
    "=1+1",
    "+44 1267 000",
    "-5 minus",
    "@admin",
    "\tTabbed",
    "\rCR",
    "#N/A",
    " pad ",
    "bell\x07 and _x0041_",
]
TRICKY_TEAM = "-Team"


def add_tricky_records(db: Database) -> None:
    """A cohort, coach and team whose texts look like formulas, errors or escapes, members with
    each risky text, and a tombstone."""
    with db.unit_of_work() as session:
        cohort = Cohort(name='=HYPERLINK("http://x")', start_date=None, notes="line 1\nline 2")
        coach = Coach(name="@Coach", role="coach", iip_accredited_on=date(2020, 2, 29))
        team = Team(cohort=cohort, name=TRICKY_TEAM, coach=coach, status="active")
        session.add_all([cohort, coach, team])
        for index, text in enumerate(RISKY_TEXTS):
            session.add(Member(team=team, name=f"Member {index}", role=text, active=index % 2 == 0))
        gone = Member(team=team, name="Gone", role="")
        session.add(gone)
        session.flush()
        tombstone(gone)


def copy_database(source: Path, target: Path) -> Path:
    """A consistent copy of an SQLite database (the backup API copies the WAL's content too)."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target


@dataclass(frozen=True)
class Source:
    """The session's demo database (never changed by tests) and its exports."""

    db_path: Path
    full: Path
    team: Path  # one demo team plus the tricky team: small enough to edit quickly
    team_names: tuple[str, ...]


@pytest.fixture(scope="session", name="source")
def source_fixture(tmp_path_factory: pytest.TempPathFactory) -> Source:
    from sqlalchemy import select

    from qidesk.services.demo import build_demo

    folder = tmp_path_factory.mktemp("sync-source")
    path = folder / "demo.sqlite"
    with Database.open(path) as db:
        build_demo(db.unit_of_work, seed=1)
        add_tricky_records(db)
        with db.unit_of_work() as session:
            demo_team = session.scalars(
                select(Team.name).where(Team.name != TRICKY_TEAM).order_by(Team.name)
            ).first()
    # Export from a copy, so the source's app_meta stays as built.
    work = copy_database(path, folder / "work.sqlite")
    names = (demo_team, TRICKY_TEAM)
    with Database.open(work) as db:
        service = ExportService(db.unit_of_work)
        service.export_full(folder / "full.xlsx")
        service.export_full(folder / "team.xlsx", team_names=list(names))
    return Source(path, folder / "full.xlsx", folder / "team.xlsx", names)


@pytest.fixture(name="demo_copy")
def demo_copy_fixture(source: Source, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the session's demo database, open."""
    db = Database.open(copy_database(source.db_path, tmp_path / "demo-copy.sqlite"))
    try:
        yield db
    finally:
        db.close()


@pytest.fixture(name="team_export")
def team_export_fixture(source: Source, tmp_path: Path) -> Path:
    """A private copy of the small export (tests edit it)."""
    target = tmp_path / "team.xlsx"
    target.write_bytes(source.team.read_bytes())
    return target


def cell_samples(uuid: str) -> list[Any]:
    """Awkward cell values a reader must type (or refuse) the same way on every path: empty and
    padded texts, a huge text, ``uuid`` well and badly written, floats (inf, nan), ints,
    booleans, dates and times (one with a zone) and texts that look like them."""
    return [
        None,
        "",
        "  ",
        "text",
        " padded ",
        "x" * 40000,
        uuid,
        uuid.upper(),
        f" {uuid}",
        "not-a-uuid",
        0.0,
        1.0,
        2.5,
        -3.0,
        float("inf"),
        float("nan"),
        0,
        7,
        True,
        False,
        date(2026, 11, 26),
        datetime(2026, 11, 26, 9, 30),
        datetime(2026, 11, 26),
        datetime(2026, 11, 26, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        "2026-11-26",
        "2026-11-26 09:30:00",
        "TRUE",
        "1;2",
    ]


def edited_copy(source: Path, target: Path, sheet: str, column: str, value: Any) -> Path:
    """``source`` re-saved (with openpyxl) as ``target`` with the first data row's cell in
    ``column`` of ``sheet`` set to ``value``: a workbook edited in a spreadsheet."""
    import openpyxl

    book = openpyxl.load_workbook(source)
    rows = book[sheet]
    index = [c.value for c in rows[1]].index(column) + 1
    rows.cell(2, index).value = value
    book.save(target)
    return target
