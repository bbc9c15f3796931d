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
