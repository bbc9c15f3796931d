"""Save a PNG of every page of the window on demo data: ``python -m qidesk.tools.screenshots OUT``.

Runs offscreen. Without ``--db`` it builds a demo database in a temporary folder; with ``--db``
it works on a temporary copy, so the given database is never changed. Extra tabs and fixed pages
registered by features are captured too.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _settle(app: object, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()  # type: ignore[attr-defined]


def _copy_database(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        src.close()


def _dark_palette():  # type: ignore[no-untyped-def]
    """A dark palette like the one Fusion takes from a dark system theme (the offscreen
    platform has no theme, so ``--dark`` sets it by hand)."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, "#2b2b2b"),
        (role.WindowText, "#e6e6e6"),
        (role.Base, "#1e1e1e"),
        (role.AlternateBase, "#262626"),
        (role.Text, "#e6e6e6"),
        (role.Button, "#353535"),
        (role.ButtonText, "#e6e6e6"),
        (role.Highlight, "#2f6fad"),
        (role.HighlightedText, "#ffffff"),
        (role.PlaceholderText, "#9a9a9a"),
        (role.ToolTipBase, "#353535"),
        (role.ToolTipText, "#e6e6e6"),
        (role.Mid, "#444444"),
        (role.Dark, "#202020"),
        (role.Light, "#505050"),
    ):
        palette.setColor(r, QColor(colour))
    palette.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor("#7a7a7a"))
    palette.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor("#7a7a7a"))
    palette.setColor(QPalette.ColorGroup.Disabled, role.WindowText, QColor("#7a7a7a"))
    return palette


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qidesk.tools.screenshots")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--db", type=Path, help="database to show (a copy is used)")
    parser.add_argument("--size", default="1366x768", help="window size (default 1366x768)")
    parser.add_argument(
        "--readme", type=Path, help="also save the team page here (the README screenshot)"
    )
    parser.add_argument("--dark", action="store_true", help="use the dark colour scheme")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="qidesk-shots-"))
    os.environ.setdefault("QIDESK_DATA_DIR", str(work / "data"))
    try:
        return _run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> int:
    from qidesk.app import make_qapplication
    from qidesk.services.demo import build_demo
    from qidesk.services.registry import Services
    from qidesk.store.engine import Database
    from qidesk.ui.context import UiContext
    from qidesk.ui.main_window import MainWindow
    from qidesk.ui.navigator import Selection

    width, height = (int(v) for v in args.size.lower().split("x"))
    out: Path = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    db_path = work / (args.db.name if args.db else "demo.sqlite")
    if args.db:
        if not args.db.exists():
            print(f"no database at {args.db}", file=sys.stderr)
            return 2
        _copy_database(args.db, db_path)
    app = make_qapplication()
    if args.dark:
        app.setPalette(_dark_palette())
    db = Database.open(db_path)
    try:
        if not args.db:
            build_demo(db.unit_of_work, seed=1)
        services = Services.create(db)
        # Something to restore on the Recently deleted page.
        tree = services.teams.navigator()
        if not args.db and tree and tree[-1].teams:
            services.teams.delete(tree[-1].teams[-1].uuid)
            team = tree[0].teams[0]
            members = services.members.list_for_team(team.uuid)
            if members:
                services.members.delete(members[-1].uuid)
        window = MainWindow(UiContext(services))
        window.resize(width, height)
        window.show()
        _settle(app)
        saved: list[Path] = []

        def shot(name: str) -> None:
            _settle(app)
            path = out / f"{name}.png"
            window.grab().save(str(path))
            saved.append(path)

        tree = services.teams.navigator()
        if tree:
            window.select(Selection("cohort", tree[0].uuid))
            shot("cohort-teams")
            page = window.current_page()
            tabs = getattr(page, "tabs", None)
            if tabs is not None:
                for index in range(1, tabs.count()):
                    tabs.setCurrentIndex(index)
                    shot(f"cohort-{_slug(tabs.tabText(index))}")
                tabs.setCurrentIndex(0)
        teams = [t for c in tree for t in c.teams]
        if teams:
            window.select(Selection("team", teams[0].uuid))
            shot("team-overview")
            page = window.current_page()
            tabs = page.tabs  # type: ignore[attr-defined]
            for index in range(1, tabs.count()):
                tabs.setCurrentIndex(index)
                shot(f"team-{_slug(tabs.tabText(index))}")
            tabs.setCurrentIndex(0)
        if args.readme and teams:
            # The README shows what coaches show teams: a spider chart of all three stages,
            # so it uses a team of the oldest cohort (the one that has finished).
            window.select(Selection("team", tree[-1].teams[0].uuid))
            page = window.current_page()
            tabs = page.tabs  # type: ignore[attr-defined]
            titles = [tabs.tabText(i) for i in range(tabs.count())]
            tabs.setCurrentIndex(titles.index("Self-assessment"))
            _settle(app)
            args.readme.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(args.readme))
            saved.append(args.readme)
            tabs.setCurrentIndex(0)
        for row in range(window.navigator.fixed.count()):
            key = window.navigator.fixed.item(row).data(window.navigator.fixed_key_role)
            window.select(Selection("fixed", key))
            page = window.current_page()
            deadline = time.monotonic() + 60
            while getattr(page, "reading", lambda: False)() and time.monotonic() < deadline:
                app.processEvents()  # the page reads its figures in steps
            shot(f"page-{_slug(key)}")
        window.navigator.filter_edit.setText("emergency")
        window.navigator.reload()
        shot("navigator-filtered")
        saved += _dialog_shots(app, window, out)
        window.close()
        for path in saved:
            print(path)
    finally:
        db.close()
    return 0


def _dialog_shots(app: object, window: object, out: Path) -> list[Path]:
    """The dialogs, shown without blocking and grabbed."""
    from qidesk.ui.dialogs.about_dialog import AboutDialog
    from qidesk.ui.dialogs.coach_dialog import CoachDialog
    from qidesk.ui.dialogs.cohort_dialog import CohortDialog
    from qidesk.ui.dialogs.member_dialog import MemberDialog
    from qidesk.ui.dialogs.team_dialog import TeamDialog

    context = window.context  # type: ignore[attr-defined]

    def nothing(_values: dict[str, object]) -> None:
        return None

    dialogs = {
        "dialog-about": AboutDialog(context.database_path, window),  # type: ignore[arg-type]
        "dialog-cohort": CohortDialog(context, nothing, window),  # type: ignore[arg-type]
        "dialog-team": TeamDialog(context, "Cohort 9", nothing, window),  # type: ignore[arg-type]
        "dialog-member": MemberDialog(context, nothing, parent=window),  # type: ignore[arg-type]
        "dialog-coach": CoachDialog(context, nothing, parent=window),  # type: ignore[arg-type]
    }
    saved = []
    for name, dialog in dialogs.items():
        dialog.show()
        _settle(app)
        path = out / f"{name}.png"
        dialog.grab().save(str(path))
        dialog.close()
        saved.append(path)
    return saved


if __name__ == "__main__":
    raise SystemExit(main())
