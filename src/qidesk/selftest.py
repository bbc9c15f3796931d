"""``qidesk selftest``: open the window, draw the charts, export and re-import, all offscreen."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from qidesk import __version__


class StepFailed(Exception):
    """A self-test step found something wrong (its message is the one-line reason)."""


class NotInThisBuild(StepFailed):
    """A module a step needs is missing from this build (or not written yet)."""


@dataclass(frozen=True)
class StepResult:
    name: str
    ok: bool
    seconds: float
    detail: str


@dataclass
class SelfTestContext:
    """What the steps hand each other: folders, open databases, the Qt application, files."""

    workdir: Path
    keep: bool
    values: dict[str, Any] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)


Step = Callable[[SelfTestContext], str]


def _require(module: str) -> Any:
    """Import ``module``; a missing module fails the step with a clear message."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise NotInThisBuild(f"{module} is not in this build") from exc
        raise


def _attribute(module: Any, *names: str) -> Any:
    """The first of ``names`` that ``module`` defines; fails the step if none is there."""
    for name in names:
        if hasattr(module, name):
            return getattr(module, name)
    raise NotInThisBuild(f"{module.__name__} has none of {', '.join(names)}")


def use_offscreen_platform_if_needed() -> str:
    """Use Qt's offscreen platform unless one was chosen; returns the platform name in use.

    The self-test never needs a screen: it opens the window offscreen on every system, so it
    runs the same on a coach's laptop, over SSH and in CI.
    """
    return os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


# ---------------------------------------------------------------------------------------------
# Steps. Each returns a short description of what it checked, or raises StepFailed.


def step_demo_database(ctx: SelfTestContext) -> str:
    from qidesk.services.demo import build_demo
    from qidesk.store.engine import Database

    path = ctx.workdir / "selftest-demo.sqlite"
    db = Database.open(path)
    ctx.closers.append(db.close)
    summary = build_demo(db.unit_of_work, seed=1)
    if summary.teams == 0:
        raise StepFailed("the demo database holds no teams")
    ctx.values["db"] = db
    ctx.values["record_counts"] = travelling_records(db)
    return f"{summary.cohorts} cohorts, {summary.teams} teams, {summary.members} members"


def step_main_window(ctx: SelfTestContext) -> str:
    raise NotInThisBuild("qidesk.app (the main window) is not in this build")


def step_spider_chart(ctx: SelfTestContext) -> str:
    _require("qidesk.ui.charts.spider_chart")
    raise NotInThisBuild("the spider chart step is not written yet")


def step_timeline_chart(ctx: SelfTestContext) -> str:
    _require("qidesk.ui.charts.timeline_chart")
    raise NotInThisBuild("the timeline step is not written yet")


def step_export_workbook(ctx: SelfTestContext) -> str:
    _require("qidesk.services.export_service")
    raise NotInThisBuild("the export step is not written yet")


def step_import_workbook(ctx: SelfTestContext) -> str:
    _require("qidesk.services.import_service")
    raise NotInThisBuild("the import step is not written yet")


def step_check_databases(ctx: SelfTestContext) -> str:
    from qidesk.services.check_service import check_database

    checked = []
    for key in ("db", "fresh_db"):
        db = ctx.values.get(key)
        if db is None:
            continue
        report = check_database(db.path)
        if not report.ok:
            problems = "; ".join(line for line in report.lines if line.startswith("PROBLEM"))
            raise StepFailed(f"{db.path.name}: {problems}")
        checked.append(db.path.name)
    if not checked:
        raise StepFailed("no database to check")
    return "integrity, foreign keys and schema of " + " and ".join(checked)


#: The steps in order, with the names of earlier steps each one needs.
STEPS: tuple[tuple[str, Step, tuple[str, ...]], ...] = (
    ("demo database", step_demo_database, ()),
    ("main window", step_main_window, ("demo database",)),
    ("spider chart", step_spider_chart, ("demo database",)),
    ("timeline chart", step_timeline_chart, ("demo database",)),
    ("export workbook", step_export_workbook, ("demo database",)),
    ("import workbook", step_import_workbook, ("export workbook",)),
    ("check databases", step_check_databases, ("demo database",)),
)


# ---------------------------------------------------------------------------------------------
# Helpers the steps share.


def travelling_records(db: Any) -> dict[str, int]:
    """How many live (not deleted) records of each travelling type the database holds."""
    from sqlalchemy import func, select

    from qidesk.store.base import Base

    counts: dict[str, int] = {}
    with db.unit_of_work() as session:
        for mapper in Base.registry.mappers:
            cls = mapper.class_
            record_type = getattr(cls, "record_type", None)
            if not isinstance(record_type, str) or not hasattr(cls, "deleted_at"):
                continue
            query = select(func.count()).select_from(cls).where(cls.deleted_at.is_(None))
            counts[record_type] = int(session.scalar(query) or 0)
    return counts


def describe_platform() -> str:
    frozen = "frozen" if getattr(sys, "frozen", False) else "from source"
    try:
        from PySide6 import QtCore

        qt = f"Qt {QtCore.qVersion()}"
    except ImportError:
        qt = "no Qt"
    return f"QI Desk {__version__} selftest ({frozen}, Python {sys.version.split()[0]}, {qt})"


@contextmanager
def _private_data_dir(workdir: Path) -> Iterator[None]:
    """Point QI Desk's data, log and settings folders into the work folder while testing."""
    saved = os.environ.get("QIDESK_DATA_DIR")
    os.environ["QIDESK_DATA_DIR"] = str(workdir / "data")
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("QIDESK_DATA_DIR", None)
        else:
            os.environ["QIDESK_DATA_DIR"] = saved


def run_steps(
    ctx: SelfTestContext,
    out: TextIO,
    steps: tuple[tuple[str, Step, tuple[str, ...]], ...] = STEPS,
) -> list[StepResult]:
    """Run the steps in order, printing one PASS/FAIL line per step as it finishes."""
    results: list[StepResult] = []
    passed: set[str] = set()
    width = max(len(name) for name, _, _ in steps)
    for name, step, needs in steps:
        missing = [need for need in needs if need not in passed]
        start = time.perf_counter()
        if missing:
            ok, detail = False, f"not run: needs '{missing[0]}', which failed"
        else:
            try:
                ok, detail = True, step(ctx)
            except StepFailed as exc:
                ok, detail = False, str(exc)
            except Exception as exc:
                ok, detail = False, f"{type(exc).__name__}: {exc}"
                (ctx.workdir / f"traceback-{name.replace(' ', '-')}.txt").write_text(
                    traceback.format_exc(), encoding="utf-8"
                )
        seconds = time.perf_counter() - start
        result = StepResult(name, ok, seconds, detail)
        results.append(result)
        if ok:
            passed.add(name)
        mark = "PASS" if ok else "FAIL"
        print(f"{mark}  {name:<{width}}  {seconds:6.2f} s  {detail}", file=out, flush=True)
    return results


def run_selftest(*, out: TextIO | None = None, keep: Path | None = None) -> int:
    """Run every step on a temporary demo database; 0 only if every step passed.

    With ``keep``, the databases, workbook and screenshots are left in that folder.
    """
    out = out or sys.stdout
    platform = use_offscreen_platform_if_needed()
    print(describe_platform() + f", Qt platform {platform}", file=out, flush=True)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        workdir_cm: Any = _KeptFolder(keep)
    else:
        workdir_cm = tempfile.TemporaryDirectory(prefix="qidesk-selftest-")
    total_start = time.perf_counter()
    with workdir_cm as workdir_name:
        workdir = Path(workdir_name)
        ctx = SelfTestContext(workdir=workdir, keep=keep is not None)
        with _private_data_dir(workdir):
            try:
                results = run_steps(ctx, out)
            finally:
                for close in reversed(ctx.closers):
                    try:
                        close()
                    except Exception as exc:
                        print(f"warning: cleaning up: {exc}", file=out)
    failed = [r.name for r in results if not r.ok]
    total = time.perf_counter() - total_start
    if failed:
        print(
            f"selftest FAILED: {len(failed)} of {len(results)} steps failed "
            f"({', '.join(failed)}) in {total:.1f} s",
            file=out,
        )
        if keep is not None:
            print(f"details kept in {keep}", file=out)
        return 1
    print(f"selftest passed: {len(results)} steps in {total:.1f} s", file=out)
    return 0


class _KeptFolder:
    """A context manager yielding a folder that is kept afterwards (``--keep``)."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> str:
        return str(self.path)

    def __exit__(self, *exc: object) -> None:
        return None
