"""Find the files in ``resources/`` the same way from source, from a wheel and frozen."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resources_root() -> Path:
    """The folder holding icons, templates and translations.

    In a wheel or a frozen build it is ``qidesk/resources`` inside the package; in a source
    checkout it is the repository's top-level ``resources/``.
    """
    packaged = Path(str(files("qidesk"))) / "resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file below ``resources/``, for example ``resource_path("icons", "qidesk.svg")``."""
    return resources_root().joinpath(*parts)
