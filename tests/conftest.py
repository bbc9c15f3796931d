"""Test set-up: headless Qt, a private data folder, and a fresh database per test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

from collections.abc import Iterator
from pathlib import Path

import pytest

from qidesk.store.engine import Database


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """QI Desk never opens a network connection: any attempt in any test fails it."""
    import socket

    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"QI Desk tried to open a network connection to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own data, log and config folders: nothing touches the user's."""
    folder = tmp_path_factory.mktemp("qidesk-data")
    monkeypatch.setenv("QIDESK_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.sqlite"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """A freshly migrated database of this test's own."""
    database = Database.open(db_path)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The standard demo database (seed 1), built once for the whole run."""
    from qidesk.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite"
    with Database.open(path) as database:
        build_demo(database.unit_of_work, seed=1)
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    """This test's own copy of the standard demo database (seed 1)."""
    import shutil

    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    database = Database.open(path)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def application(qtbot, monkeypatch):  # type: ignore[no-untyped-def]
    """The application object without a window yet; what it would ask after a failed open
    is collected in ``application.messages`` (and answered with Quit)."""
    from qidesk import app as app_module

    application = app_module.Application(app_module.make_qapplication(), app_module.app_settings())
    messages: list[str] = []
    monkeypatch.setattr(
        app_module,
        "ask_after_open_failure",
        lambda _parent, message, *, initial: messages.append(message) or app_module.QUIT,
    )
    application.messages = messages
    yield application
    if application.window is not None:
        application.window.close()
    application.close()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two installations' databases (installation ids aaaa1111 and bbbb2222) for merge tests."""
    from test_merge_support import fresh_database

    a = fresh_database(tmp_path, "a", "aaaa1111")
    b = fresh_database(tmp_path, "b", "bbbb2222")
    try:
        yield a, b
    finally:
        a.close()
        b.close()


@pytest.fixture
def demo_window(qtbot, demo_db: Database):  # type: ignore[no-untyped-def]
    """The main window on its own copy of the demo database, 1366 x 768, shown."""
    from qidesk.services.registry import Services
    from qidesk.ui.context import UiContext
    from qidesk.ui.main_window import MainWindow

    win = MainWindow(UiContext(Services.create(demo_db)))
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.close()
