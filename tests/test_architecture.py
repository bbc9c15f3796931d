"""House rules that keep the layers apart, checked on the source itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "qidesk"


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py")) if (PACKAGE / layer).is_dir() else []


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offenders(layers: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for layer in layers:
        for path in _modules(layer):
            for name in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    found.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return found


def test_core_is_pure() -> None:
    assert (
        _offenders(
            ("core",),
            (
                "PySide6",
                "sqlalchemy",
                "pyqtgraph",
                "qidesk.store",
                "qidesk.services",
                "qidesk.sync",
                "qidesk.ui",
            ),
        )
        == []
    )


def test_nothing_below_ui_imports_widgets_or_the_ui() -> None:
    assert (
        _offenders(
            ("core", "store", "sync", "services"),
            ("PySide6.QtWidgets", "pyqtgraph", "qidesk.ui", "qidesk.app"),
        )
        == []
    )


def test_store_and_sync_do_not_reach_up_into_services() -> None:
    assert _offenders(("store",), ("qidesk.services", "qidesk.sync", "PySide6")) == []
    assert _offenders(("sync",), ("qidesk.services", "PySide6")) == []


def test_widgets_never_hold_a_session() -> None:
    assert _offenders(("ui",), ("sqlalchemy", "qidesk.store.engine", "qidesk.store.models")) == []


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_every_module_starts_with_a_docstring(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree)
    assert docstring, f"{path} has no module docstring"
