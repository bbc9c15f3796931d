"""``qidesk selftest``: open the window, draw the charts, export and re-import, all offscreen."""

from __future__ import annotations

import importlib
import itertools
import os
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
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
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise NotInThisBuild(f"{module} is not in this build") from exc
        raise


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
    ctx.values["records"] = travelling_records(db)
    return f"{summary.cohorts} cohorts, {summary.teams} teams, {summary.members} members"


def step_resources(ctx: SelfTestContext) -> str:
    from PySide6.QtGui import QIcon

    from qidesk.resources import resource_path, resources_root

    _qt_application(ctx)
    svg = resource_path("icons", "qidesk.svg")
    if not svg.is_file():
        raise StepFailed(f"the application icon is missing ({svg})")
    icon = QIcon(str(svg))
    if icon.pixmap(32, 32).isNull():
        raise StepFailed("the SVG icon cannot be drawn (Qt's SVG icon plug-in is missing)")
    migrations = sorted(p.name for p in _migrations_dir().glob("versions/*.py"))
    if not migrations:
        raise StepFailed(f"no migration scripts in {_migrations_dir()}")
    return f"icon in {resources_root()}, {len(migrations)} migration scripts"


def step_main_window(ctx: SelfTestContext) -> str:
    _require("qidesk.app")
    main_window = _require("qidesk.ui.main_window")
    ui_context = _require("qidesk.ui.context")
    navigator = _require("qidesk.ui.navigator")
    from qidesk.services.registry import Services

    app = _qt_application(ctx)
    services = Services.create(ctx.values["db"])
    ctx.values["services"] = services
    if app.windowIcon().isNull():
        raise StepFailed("the application has no window icon (qidesk.app does not set one)")
    with _collect_qt_errors() as errors:
        window = main_window.MainWindow(ui_context.UiContext(services))
        ctx.closers.append(window.close)
        ctx.values["window"] = window
        window.resize(1366, 768)
        seconds = _show_until_painted(app, window)
        pages, tabs = _visit_every_page(
            app, window, services, navigator.Selection, ctx.workdir if ctx.keep else None
        )
    if errors:
        raise StepFailed(f"{len(errors)} error(s) while showing pages; first: {errors[0]}")
    image = window.grab()
    if image.isNull() or image.width() < 100:
        raise StepFailed("the window could not be drawn")
    image.save(str(ctx.workdir / "main-window.png"))
    return f"painted in {seconds:.2f} s; showed {pages} pages and {tabs} tabs without an error"


def step_spider_chart(ctx: SelfTestContext) -> str:
    spider = _require("qidesk.ui.charts.spider_chart")

    def drawn(chart: Any) -> bool:
        data = chart.data()
        return data is not None and any(xs for xs, _ys in chart.series_curves().values())

    chart, where = _find_chart_in_window(ctx, spider.SpiderChart, drawn, kinds=("team",))
    data = chart.data()
    png = chart.export_png(ctx.workdir / "spider-chart.png")
    _check_picture(png)
    chart.grab().save(str(ctx.workdir / "spider-chart-on-screen.png"))
    return (
        f"{where}: {len(data.series)} stage(s) on {len(data.axes)} axes; "
        f"exported {png.name} ({png.stat().st_size} bytes)"
    )


def step_timeline_chart(ctx: SelfTestContext) -> str:
    timeline = _require("qidesk.ui.charts.timeline_chart")

    def drawn(chart: Any) -> bool:
        return bool(chart.chart_layout.bars)

    chart, where = _find_chart_in_window(
        ctx, timeline.TimelineChart, drawn, kinds=("cohort", "team")
    )
    layout = chart.chart_layout
    png = chart.export(ctx.workdir / "timeline-chart.png")
    _check_picture(png)
    chart.grab().save(str(ctx.workdir / "timeline-chart-on-screen.png"))
    return (
        f"{where}: {len(layout.bars)} bars in {len(layout.lanes)} lanes; "
        f"exported {png.name} ({png.stat().st_size} bytes)"
    )


def step_team_report(ctx: SelfTestContext) -> str:
    report = _require("qidesk.ui.reports.team_report")
    assessment_service = _require("qidesk.services.assessment_service")
    from qidesk.services.registry import Services

    _qt_application(ctx)
    db = ctx.values["db"]
    service = assessment_service.AssessmentService(db.unit_of_work)
    teams = [team for cohort in Services.create(db).teams.navigator() for team in cohort.teams]
    results = next(
        (r for r in (service.team_results(t.uuid) for t in teams[:10]) if r.stages), None
    )
    if results is None:
        raise StepFailed("no demo team has a self-assessment to report on")
    path = report.write_team_report(results, ctx.workdir / "team-report.pdf")
    data = Path(path).read_bytes()
    if not data.startswith(b"%PDF") or len(data) < 2000:
        raise StepFailed(f"{Path(path).name} is not a PDF ({len(data)} bytes)")
    return f"{results.team_name}: {Path(path).name} ({len(data)} bytes)"


def step_export_workbook(ctx: SelfTestContext) -> str:
    export_service = _require("qidesk.services.export_service")
    db = ctx.values["db"]
    path = ctx.workdir / "selftest-export.xlsx"
    summary = export_service.ExportService(db.unit_of_work).export_full(path)
    if not path.is_file() or path.stat().st_size == 0:
        raise StepFailed(f"no workbook was written at {path}")
    if not zipfile.is_zipfile(path):
        raise StepFailed(f"{path.name} is not an .xlsx (zip) file")
    if summary.rows == 0:
        raise StepFailed("the workbook holds no rows")
    ctx.values["workbook"] = path
    return (
        f"{summary.rows} rows in {len(summary.rows_by_sheet)} sheets, {path.stat().st_size} bytes"
    )


def step_import_workbook(ctx: SelfTestContext) -> str:
    import_service = _require("qidesk.services.import_service")
    from qidesk.store.engine import Database

    fresh_path = ctx.workdir / "selftest-fresh.sqlite"
    fresh = Database.open(fresh_path)
    ctx.closers.append(fresh.close)
    ctx.values["fresh_db"] = fresh
    service = import_service.ImportService(fresh.unit_of_work, fresh_path)
    result = service.apply([ctx.values["workbook"]])
    if result.rejected:
        first = result.rejected[0]
        problem = first.problems[0] if first.problems else first.status
        raise StepFailed(f"the workbook was rejected: {problem}")
    if not result.applied:
        raise StepFailed("nothing was applied")
    expected = ctx.values["records"]
    got = travelling_records(fresh)
    differences = [
        f"{kind}: {len(expected.get(kind, set()))} exported, {len(got.get(kind, set()))} imported"
        for kind in sorted(set(expected) | set(got))
        if expected.get(kind, set()) != got.get(kind, set())
    ]
    if differences:
        raise StepFailed("the fresh database differs: " + "; ".join(differences))
    total = sum(len(uuids) for uuids in got.values())
    return f"{total} records of {len(got)} types arrived unchanged in a fresh database"


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
    ("resources", step_resources, ()),
    ("main window", step_main_window, ("demo database",)),
    ("spider chart", step_spider_chart, ("main window",)),
    ("timeline chart", step_timeline_chart, ("main window",)),
    ("team report", step_team_report, ("demo database",)),
    ("export workbook", step_export_workbook, ("demo database",)),
    ("import workbook", step_import_workbook, ("export workbook",)),
    ("check databases", step_check_databases, ("demo database",)),
)


# ---------------------------------------------------------------------------------------------
# Helpers the steps share.


def travelling_records(db: Any) -> dict[str, set[str]]:
    """The uuids of the live (not deleted) records of each travelling type in ``db``."""
    from sqlalchemy import select

    from qidesk.store.base import Base

    records: dict[str, set[str]] = {}
    with db.unit_of_work() as session:
        for mapper in Base.registry.mappers:
            cls = mapper.class_
            record_type = getattr(cls, "record_type", None)
            if not isinstance(record_type, str) or not hasattr(cls, "deleted_at"):
                continue
            query = select(cls.uuid).where(cls.deleted_at.is_(None))
            records[record_type] = set(session.scalars(query))
    return records


def _migrations_dir() -> Path:
    from qidesk.store.migrate import MIGRATIONS_DIR

    return MIGRATIONS_DIR


def _qt_application(ctx: SelfTestContext) -> Any:
    """The QApplication, made as the app makes it (qidesk.app) or, failing that, plainly."""
    if "qapp" not in ctx.values:
        try:
            from qidesk.app import make_qapplication

            ctx.values["qapp"] = make_qapplication()
        except ImportError:
            from PySide6.QtWidgets import QApplication

            existing = QApplication.instance()
            ctx.values["qapp"] = existing or QApplication(sys.argv[:1])
    return ctx.values["qapp"]


@contextmanager
def _collect_qt_errors() -> Iterator[list[str]]:
    """Collect exceptions raised in Qt slots and event handlers (PySide6 hands them to
    sys.excepthook and carries on), so a page that fails to draw fails the step."""
    errors: list[str] = []
    previous = sys.excepthook

    def hook(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        errors.append(f"{exc_type.__name__}: {exc}")
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)

    sys.excepthook = hook
    try:
        yield errors
    finally:
        sys.excepthook = previous


def _show_until_painted(app: Any, widget: Any, timeout: float = 20.0) -> float:
    """Show ``widget`` and process events until it has been painted; returns the seconds."""
    from PySide6.QtCore import QEvent, QObject

    class PaintProbe(QObject):
        painted = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.painted = True
            return False

    probe = PaintProbe()
    widget.installEventFilter(probe)
    start = time.perf_counter()
    widget.show()
    try:
        while not probe.painted:
            if time.perf_counter() - start > timeout:
                raise StepFailed(f"the window was not painted within {timeout:.0f} s")
            app.processEvents()
            time.sleep(0.005)
    finally:
        widget.removeEventFilter(probe)
    return time.perf_counter() - start


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def _settle(app: Any, rounds: int = 3) -> None:
    for _ in range(rounds):
        app.processEvents()


def _page_targets(window: Any, services: Any, selection: Any) -> list[Any]:
    """The first cohort, the first team and every fixed page (Coaches, Recently deleted...)."""
    tree = services.teams.navigator()
    targets = []
    if tree:
        targets.append(selection("cohort", tree[0].uuid))
        teams = [team for cohort in tree for team in cohort.teams]
        if teams:
            targets.append(selection("team", teams[0].uuid))
    targets += [selection("fixed", page.key) for page in getattr(window, "_fixed", [])]
    return targets


def _outer_tab_widgets(root: Any) -> list[Any]:
    """The QTabWidgets inside ``root`` that are not themselves inside another one there."""
    from PySide6.QtWidgets import QTabWidget

    found = []
    for tabs in root.findChildren(QTabWidget):
        parent = tabs.parentWidget()
        while parent is not None and parent is not root and not isinstance(parent, QTabWidget):
            parent = parent.parentWidget()
        if parent is root or parent is None:
            found.append(tabs)
    return found


def _visit_tabs(app: Any, root: Any, path: str) -> Iterator[str]:
    """Make every tab inside ``root`` current in turn, nested tabs too; yields each tab's path."""
    for tabs in _outer_tab_widgets(root):
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            _settle(app)
            here = f"{path} › {tabs.tabText(index).replace('&', '')}"
            yield here
            yield from _visit_tabs(app, tabs.widget(index), here)


def _describe(target: Any, services: Any) -> str:
    for cohort in services.teams.navigator():
        if target.kind == "cohort" and cohort.uuid == target.key:
            return f"cohort {cohort.name}"
        for team in cohort.teams:
            if target.kind == "team" and team.uuid == target.key:
                return f"team {team.name}"
    return f"{target.kind} {target.key}"


def _visit_every_page(
    app: Any, window: Any, services: Any, selection: Any, shots: Path | None
) -> tuple[int, int]:
    """Show each fixed page, the first cohort and the first team, and every tab of those,
    nested tabs included (saving a PNG of each in ``shots``, if given)."""
    targets = _page_targets(window, services, selection)
    if not targets:
        raise StepFailed("the demo database shows no cohort, team or page")
    pages = tabs = 0
    for target in targets:
        window.select(target)
        _settle(app)
        pages += 1
        page = window.current_page()
        # Named by what the page shows ("team Pharmacy Llanelli"), not by a uuid.
        label = target.key if target.kind == "fixed" else _describe(target, services)
        if shots is not None:
            window.grab().save(str(shots / f"page-{pages:02d}-{_slug(label)}.png"))
        for where in _visit_tabs(app, page, label):
            tabs += 1
            if shots is not None:
                name = f"page-{pages:02d}-{_slug(where)}.png"
                window.grab().save(str(shots / name))
    return pages, tabs


def _find_chart_in_window(
    ctx: SelfTestContext, chart_class: type, drawn: Callable[[Any], bool], kinds: tuple[str, ...]
) -> tuple[Any, str]:
    """Open pages of ``kinds`` (and all their tabs) until one shows a ``chart_class`` with
    something drawn in it, as a coach would; returns the chart and where it was."""
    app, window, services = ctx.values["qapp"], ctx.values["window"], ctx.values["services"]
    selection = _require("qidesk.ui.navigator").Selection
    tree = services.teams.navigator()
    targets = []
    for kind in kinds:
        if kind == "cohort":
            targets += [selection("cohort", cohort.uuid) for cohort in tree]
        elif kind == "team":
            targets += [selection("team", t.uuid) for cohort in tree for t in cohort.teams[:4]]
    seen_empty = 0
    with _collect_qt_errors() as errors:
        for target in targets:
            window.select(target)
            _settle(app)
            page = window.current_page()
            for where in itertools.chain([""], _visit_tabs(app, page, "")):
                for chart in page.findChildren(chart_class):
                    if not chart.isVisible():
                        continue
                    if drawn(chart):
                        if errors:
                            raise StepFailed(f"error while drawing: {errors[0]}")
                        return chart, f"{_describe(target, services)}{where}"
                    seen_empty += 1
    if errors:
        raise StepFailed(f"error while looking for the chart: {errors[0]}")
    name = chart_class.__name__
    if seen_empty:
        raise StepFailed(f"the window shows a {name}, but nothing is drawn in it")
    raise StepFailed(f"no page of the window shows a {name} (its tab is not wired in)")


def _check_picture(path: Path) -> None:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    if image.isNull() or image.width() < 50:
        raise StepFailed(f"the exported picture {path.name} cannot be read back")


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
        workdir_cm: Any = nullcontext(str(keep))
    else:
        workdir_cm = tempfile.TemporaryDirectory(
            prefix="qidesk-selftest-", ignore_cleanup_errors=True
        )
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
        else:
            print("run `qidesk selftest --keep DIR` to keep the files and tracebacks", file=out)
        return 1
    print(f"selftest passed: {len(results)} steps in {total:.1f} s", file=out)
    return 0
