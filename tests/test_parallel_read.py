"""Reading several workbooks in worker processes gives exactly what reading them one by one gives:
the same versions, problems, warnings, order and names; cancelling stops the workers; a pool that
cannot start or breaks falls back to reading here."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qidesk.services.import_service import ImportCancelled, ImportService
from qidesk.store.engine import Database
from qidesk.store.models import Team
from qidesk.sync import parallel_read
from qidesk.sync.parallel_read import (
    ReadJob,
    pack_versions,
    pool_pays,
    read_workbooks,
    unpack_versions,
)
from qidesk.sync.versions import CellRef, IncomingVersion, incoming_version
from qidesk.sync.workbook_reader import ReadCancelled
from test_sync_io_support import (  # noqa: F401  (source_fixture: a fixture, by name)
    Source,
    cell_samples,
    edited_copy,
    source_fixture,
)


@pytest.fixture(scope="module")
def workbooks(source: Source, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real exports (the whole demo database, two teams), one edited in a spreadsheet, one with
    a formula cell, and files pre-flight refuses (a CSV, a truncated workbook)."""
    folder = tmp_path_factory.mktemp("parallel-read")
    full = folder / "full.xlsx"
    shutil.copyfile(source.full, full)
    team = folder / "team.xlsx"
    shutil.copyfile(source.team, team)
    edited = edited_copy(
        source.team, folder / "edited.xlsx", "Teams", "site", "Tenby Cottage Hospital (Ward 3)"
    )
    formula = edited_copy(source.team, folder / "formula.xlsx", "Members", "role", "=1+1")
    csv = folder / "not-a-workbook.xlsx"
    csv.write_text("name,role\nAnn,lead\n")
    truncated = folder / "truncated.xlsx"
    truncated.write_bytes(source.team.read_bytes()[:5000])
    return {
        "full": full,
        "team": team,
        "edited": edited,
        "formula": formula,
        "csv": csv,
        "truncated": truncated,
    }


def _jobs(paths: list[Path]) -> list[ReadJob]:
    return [ReadJob(path, path.name) for path in paths]


def _facts(outcomes: list[parallel_read.ReadOutcome]) -> list[tuple[object, ...]]:
    """Everything an outcome holds, values with their exact types (1, 1.0 and True are ==)."""
    out = []
    for outcome in outcomes:
        parsed = outcome.parsed
        typed = [
            (v.record_type, v.uuid, tuple((k, type(x), x) for k, x in v.values.items()))
            for v in parsed.versions
        ]
        out.append((outcome.preflight_error, parsed.__dict__, typed))
    return out


@pytest.mark.parametrize("parent_helps", [False, True], ids=["workers-only", "parent-helps"])
def test_a_pool_reads_exactly_what_reading_here_reads(
    workbooks: dict[str, Path], monkeypatch: pytest.MonkeyPatch, parent_helps: bool
) -> None:
    monkeypatch.setattr(parallel_read, "PARENT_HELPS", parent_helps)
    paths = [workbooks[k] for k in ("team", "csv", "full", "formula", "edited", "truncated")]
    here = read_workbooks(_jobs(paths), workers=0)
    announced: list[tuple[int, str]] = []
    pooled = read_workbooks(
        _jobs(paths), workers=2, announce=lambda done, job: announced.append((done, job.path.name))
    )
    assert _facts(pooled) == _facts(here)
    assert [o.parsed.path for o in pooled] == paths
    # The files really are what the test says they are.
    by_name = {o.parsed.path.name: o for o in pooled}
    assert len(by_name["full.xlsx"].parsed.versions) > 5000
    assert by_name["full.xlsx"].parsed.problems == []
    assert by_name["edited.xlsx"].parsed.edited_rows == 1
    assert "formula" in by_name["formula.xlsx"].parsed.problems[0].message
    assert "text or CSV" in (by_name["not-a-workbook.xlsx"].preflight_error or "")
    assert "damaged" in (by_name["truncated.xlsx"].preflight_error or "")
    # Each file announced once, as its result arrived, with the count of files done before it.
    assert [done for done, _ in announced] == list(range(len(paths)))
    assert sorted(name for _, name in announced) == sorted(p.name for p in paths)


def test_spawned_workers_as_on_windows_read_the_same(workbooks: dict[str, Path]) -> None:
    paths = [workbooks["team"], workbooks["edited"], workbooks["csv"]]
    here = read_workbooks(_jobs(paths), workers=0)
    assert _facts(read_workbooks(_jobs(paths), workers=2, start_method="spawn")) == _facts(here)


def test_readers_never_fork() -> None:
    with pytest.raises(ValueError, match="never fork"):
        read_workbooks(_jobs([Path("x.xlsx"), Path("y.xlsx")]), workers=2, start_method="fork")


def test_reader_options_reach_read_workbook_in_the_workers(workbooks: dict[str, Path]) -> None:
    paths = [workbooks["team"], workbooks["edited"]]
    for workers in (0, 2):
        with pytest.raises(TypeError, match="no_such_option"):
            read_workbooks(_jobs(paths), workers=workers, options={"no_such_option": 1})


def test_the_service_gives_the_same_preview_with_a_pool(
    workbooks: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two files named alike: problems and sources then name files by their whole path.
    other = tmp_path / "elsewhere"
    other.mkdir()
    twin = other / "team.xlsx"
    shutil.copyfile(workbooks["team"], twin)
    paths = [workbooks["full"], workbooks["team"], workbooks["csv"], workbooks["formula"], twin]
    results = {}
    with Database.open(tmp_path / "empty.sqlite") as db:
        service = ImportService(db.unit_of_work, db.path)
        for way, seconds in (("here", float("inf")), ("pool", 0.0)):
            # A pool at once after the first file, or never.
            monkeypatch.setattr(
                parallel_read, "POOL_MIN_SECONDS", {"forkserver": seconds, "spawn": seconds}
            )
            messages: list[tuple[int, int, str]] = []
            preview = service.preview(
                paths,
                skip_invalid=True,
                progress=lambda done, total, text, m=messages: m.append((done, total, text)),
            )
            results[way] = (preview, messages)
    (here, here_messages), (pooled, pooled_messages) = results["here"], results["pool"]
    assert pooled == here
    assert [f.status for f in pooled.files] == ["valid", "valid", "rejected", "rejected", "valid"]
    assert pooled.rejected[1].problems[0].file == str(workbooks["formula"])
    assert pooled.totals.created > 5000
    assert sorted(m[2] for m in pooled_messages) == sorted(m[2] for m in here_messages)
    assert [m[0] for m in pooled_messages] == [m[0] for m in here_messages]
    assert pooled_messages[-1] == (5, 5, "Checking references")


def test_cancelling_stops_the_workers_and_applies_nothing(
    workbooks: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel_read, "POOL_MIN_SECONDS", {"forkserver": 0.0, "spawn": 0.0})
    stopped: list[multiprocessing.process.BaseProcess] = []
    real_stop = parallel_read._stop

    def spy_stop(executor):  # type: ignore[no-untyped-def]
        stopped.extend(executor._processes.values())
        real_stop(executor)

    monkeypatch.setattr(parallel_read, "_stop", spy_stop)
    paths = [workbooks[k] for k in ("full", "team", "edited", "formula")] * 2
    paths = [shutil.copyfile(p, tmp_path / f"{i}-{p.name}") for i, p in enumerate(paths)]
    messages: list[str] = []
    with Database.open(tmp_path / "empty.sqlite") as db:
        service = ImportService(db.unit_of_work, db.path)
        with pytest.raises(ImportCancelled):
            service.apply(
                paths,
                progress=lambda done, total, text: messages.append(text),
                # Cancel pressed once two files are in (the first is read here, then the pool
                # starts).
                cancelled=lambda: len(messages) >= 2,
            )
        with db.unit_of_work() as session:
            assert session.scalars(select(Team)).first() is None
    assert len(messages) == 2 and messages[1].startswith("Reading ")  # none after Cancel
    assert stopped, "the pool was not stopped"
    assert not [p for p in stopped if p.is_alive()]


def test_cancelled_before_reading_starts_no_pool(workbooks: dict[str, Path]) -> None:
    with pytest.raises(ReadCancelled):
        read_workbooks(_jobs([workbooks["team"]] * 3), workers=2, cancelled=lambda: True)


def test_a_pool_that_cannot_start_falls_back_to_reading_here(
    workbooks: dict[str, Path], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_processes(*args: object, **kwargs: object) -> None:
        raise PermissionError("processes are not allowed here")

    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", no_processes)
    paths = [workbooks["team"], workbooks["csv"], workbooks["edited"]]
    announced: list[int] = []
    with caplog.at_level(logging.WARNING, logger="qidesk.sync.parallel_read"):
        got = read_workbooks(_jobs(paths), workers=2, announce=lambda d, j: announced.append(d))
    assert _facts(got) == _facts(read_workbooks(_jobs(paths), workers=0))
    assert announced == [0, 1, 2]
    assert "cannot start reader processes" in caplog.text


class RecordingExecutor(ProcessPoolExecutor):
    """The real pool, remembered so that a test can kill its workers."""

    made: list[ProcessPoolExecutor] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordingExecutor.made.append(self)


def test_a_worker_that_dies_leaves_its_files_to_be_read_here(
    workbooks: dict[str, Path], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", RecordingExecutor)
    RecordingExecutor.made.clear()
    paths = [workbooks["full"], workbooks["team"], workbooks["edited"], workbooks["csv"]]
    killed: list[int] = []

    def kill_the_workers() -> bool:
        """Called while the workers read (before any result): kill them."""
        if RecordingExecutor.made and not killed:
            for process in RecordingExecutor.made[0]._processes.values():  # type: ignore[attr-defined]
                killed.append(process.pid or 0)
                process.kill()
        return False

    announced: list[int] = []
    with caplog.at_level(logging.WARNING, logger="qidesk.sync.parallel_read"):
        got = read_workbooks(
            _jobs(paths),
            workers=2,
            cancelled=kill_the_workers,
            announce=lambda done, job: announced.append(done),
        )
    assert len(killed) == 2
    assert "reader processes failed" in caplog.text
    assert announced == [0, 1, 2, 3]
    assert _facts(got) == _facts(read_workbooks(_jobs(paths), workers=0))


def test_a_pool_is_used_only_when_it_pays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel_read.os, "cpu_count", lambda: 8)
    slow = parallel_read.POOL_MIN_SECONDS["forkserver"]
    assert pool_pays(slow * 10, 1, "forkserver") == 0  # one file: always here
    assert pool_pays(slow / 2, 20, "forkserver") == 0  # too quick to pay for the pool
    assert pool_pays(slow, 2, "forkserver") == 2
    assert pool_pays(slow, 20, "forkserver") == 8
    assert pool_pays(slow, 20, "spawn") == 0  # spawned workers start slower
    monkeypatch.setattr(parallel_read.os, "cpu_count", lambda: 1)
    assert pool_pays(slow * 10, 20, "forkserver") == 0


def test_reading_decides_on_a_pool_from_the_time_the_first_files_took(
    workbooks: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quick files (a re-import whose sheets are skipped) stay here; slow ones get a pool."""
    made: list[int] = []
    real_pool = parallel_read._read_in_pool

    def spy(jobs, indices, *args):  # type: ignore[no-untyped-def]
        made.append(len(indices))
        return real_pool(jobs, indices, *args)

    monkeypatch.setattr(parallel_read, "_read_in_pool", spy)
    paths = [workbooks["team"], workbooks["edited"], workbooks["formula"], workbooks["full"]]
    monkeypatch.setattr(parallel_read, "POOL_MIN_SECONDS", {"forkserver": 1e9, "spawn": 1e9})
    here = read_workbooks(_jobs(paths))
    assert made == []
    monkeypatch.setattr(parallel_read, "POOL_MIN_SECONDS", {"forkserver": 1e-9, "spawn": 1e-9})
    pooled = read_workbooks(_jobs(paths))
    assert made == [3]  # the first file read here, the rest in a pool
    assert _facts(pooled) == _facts(here)


def test_the_compact_form_rebuilds_equal_versions_of_the_same_types() -> None:
    london = timezone(timedelta(hours=1))
    noon_utc = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    one_pm_london = datetime(2026, 5, 1, 13, 0, tzinfo=london)  # == noon_utc, another zone
    at = datetime(2026, 5, 1, 9, 30)

    def plain(uuid: str, vv: str, by: str, gone: datetime | None, values: dict, row: int = 2):
        return incoming_version("Team", uuid, vv, at, by, gone, values, CellRef("f", "T", row))

    versions = [
        plain("u1", "a:1", "ann", None, {"n": 1, "b": True, "f": 1.0}),
        plain("u2", "a:1", "ann", noon_utc, {"n": True, "b": 1, "f": 1}, 3),
        plain("u3", "a:2", "bob", one_pm_london, {"n": date(2026, 1, 1), "b": "x", "f": None}, 4),
        # Another key order, another sheet, a conflict head, extras, a column: all kept.
        plain("u4", "a:1", "ann", None, {"f": 2, "n": 1}, 5),
        incoming_version("Coach", "c1", "a:1", at, "a", None, {"name": "x"}, CellRef("f", "C", 2)),
        IncomingVersion(
            "Team", "u5", "b:1", at, "cy", None, {"n": 1}, CellRef("f", "Conflicts", 2), True
        ),
        IncomingVersion("Team", "u6", "b:1", at, "cy", None, {}, CellRef("f", "T", 9, "n")),
        IncomingVersion(
            "Team", "u7", "b:1", at, "cy", None, {}, CellRef("f", "T", 9), extra={1: 2}
        ),
        plain("u8", "a:1", "ann", None, {"when": one_pm_london}, 6),
        plain("u9", "a:1", "ann", None, {"when": noon_utc}, 7),
        incoming_version("Team", "u10", "a:1", at, "a", None, {}, CellRef("f", "T", 8), "fp"),
    ]
    import pickle

    rebuilt = unpack_versions(pickle.loads(pickle.dumps(pack_versions(versions))))
    assert rebuilt == versions

    def exact(v: IncomingVersion) -> tuple[object, ...]:
        times = (
            v.updated_at,
            v.deleted_at,
            *[x for x in v.values.values() if isinstance(x, datetime)],
        )
        return (
            tuple((k, type(x), x) for k, x in v.values.items()),
            tuple(list(v.values)),
            tuple((t.tzinfo if t else None) for t in times),
            type(v.source),
        )

    assert [exact(v) for v in rebuilt] == [exact(v) for v in versions]


def _fresh_interpreter(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter that finds only the project's source."""
    src = Path(__file__).resolve().parents[1] / "src"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return done.stdout.strip()


def test_a_worker_imports_neither_qt_nor_the_database_engine() -> None:
    """The worker's code (the fork server preloads it) pulls in no Qt, no database engine, no
    SQLAlchemy or ORM models (the registry comes as plain data: 0.45 s of CPU saved in every
    cold start) and no openpyxl (the writer's library: a fifth of a second for nothing)."""
    assert parallel_read.WORKER_PRELOAD == ("qidesk.sync.reader_preload",)
    code = (
        "import sys; import qidesk.sync.reader_preload; "
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'pyqtgraph',"
        " 'qidesk.ui', 'qidesk.services', 'qidesk.store', 'sqlite3', 'openpyxl', 'sqlalchemy'))); "
        "print(bad)"
    )
    assert _fresh_interpreter(code) == "[]"


@pytest.mark.frozen
@pytest.mark.skipif(
    os.environ.get("QIDESK_RUN_FROZEN") != "1",
    reason="frozen-build tests run only with QIDESK_RUN_FROZEN=1 (see test_frozen.py)",
)
def test_the_frozen_program_merges_with_reader_processes(
    workbooks: dict[str, Path], tmp_path: Path
) -> None:
    """A frozen merge of enough bytes starts reader processes (freeze_support at the entry
    point), and reads what the source-tree program reads."""
    from test_frozen import DEFAULT_DIST, frozen_exe, run_frozen

    folder = Path(os.environ.get("QIDESK_FROZEN_DIST") or DEFAULT_DIST).resolve()
    if not frozen_exe(folder).exists():  # test_frozen.py (run before this file) builds it
        pytest.skip(f"no frozen build in {folder}")
    # Enough files that the rest outweighs the pool's break-even by far on any machine (the
    # decision is made from the time the first file takes).
    copies = 24
    paths = [tmp_path / f"copy-{i}.xlsx" for i in range(copies)]
    for path in paths:
        shutil.copyfile(workbooks["full"], path)
    paths.append(workbooks["csv"])
    data = tmp_path / "data"
    data.mkdir()
    args = ["merge", "--db", str(tmp_path / "m.sqlite"), "--dry-run", "--json", "--skip-invalid"]
    done = run_frozen(folder, *args, *map(str, paths), data_dir=data)
    assert done.returncode == 2, done.stderr  # input rejected: the CSV
    frozen = json.loads(done.stdout)
    source = subprocess.run(
        [sys.executable, "-m", "qidesk", "merge", "--db", str(tmp_path / "s.sqlite"), *args[3:]]
        + [str(p) for p in paths],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
    )
    assert source.returncode == 2, source.stderr
    assert frozen == json.loads(source.stdout)
    assert [f["status"] for f in frozen["files"]][-1] == "rejected"
    logs = "".join(p.read_text(errors="replace") for p in data.rglob("*.log"))
    assert "reader processes" not in logs  # neither "cannot start" nor "failed"
    assert "worker process(es)" in logs or (os.cpu_count() or 1) < 2


def test_the_error_values_written_out_are_openpyxls() -> None:
    from openpyxl.cell.cell import ERROR_CODES

    from qidesk.sync import cells

    assert cells.ERROR_CODES == ERROR_CODES


def test_a_worker_reads_with_the_registry_sent_as_plain_data(
    workbooks: dict[str, Path], tmp_path: Path
) -> None:
    """What a worker does, in a fresh interpreter: the preloaded reader, the parent's registry
    as plain data (no model in it), then a file read exactly as here, without SQLAlchemy."""
    import pickle

    from qidesk.sync.record_types import reader_specs

    path = workbooks["full"]
    (tmp_path / "specs.pickle").write_bytes(pickle.dumps(reader_specs()))
    code = (
        "import pickle, sys; import qidesk.sync.reader_preload; "
        "from qidesk.sync import parallel_read as p; "
        f"specs = pickle.loads(open({str(tmp_path / 'specs.pickle')!r}, 'rb').read()); "
        "p._worker_start({}, specs); "
        f"out = p._worker_read(p.ReadJob(__import__('pathlib').Path({str(path)!r}), 'f.xlsx')); "
        f"open({str(tmp_path / 'out.pickle')!r}, 'wb').write(pickle.dumps(out)); "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'qidesk.store'))))"
    )
    assert _fresh_interpreter(code) == "[]"
    there = pickle.loads((tmp_path / "out.pickle").read_bytes())
    here = parallel_read.read_one(ReadJob(path, "f.xlsx"), {})
    assert _facts([there]) == _facts([here])
    assert len(there.parsed.versions) > 5000 and not there.parsed.problems
