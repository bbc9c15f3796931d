"""Where QI Desk keeps its data, logs and settings (platformdirs), overridable for tests."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

from qidesk import APP_ID, ORG_NAME

_dirs = PlatformDirs(APP_ID, ORG_NAME, roaming=False)


def data_dir() -> Path:
    """The user data folder (``QIDESK_DATA_DIR`` overrides it, for tests and portable use)."""
    override = os.environ.get("QIDESK_DATA_DIR")
    return Path(override) if override else Path(_dirs.user_data_dir)


def log_dir() -> Path:
    override = os.environ.get("QIDESK_LOG_DIR")
    if override:
        return Path(override)
    if os.environ.get("QIDESK_DATA_DIR"):
        return Path(os.environ["QIDESK_DATA_DIR"]) / "logs"
    return Path(_dirs.user_log_dir)


def config_dir() -> Path:
    override = os.environ.get("QIDESK_DATA_DIR")
    return Path(override) / "config" if override else Path(_dirs.user_config_dir)


def default_database() -> Path:
    return data_dir() / "qidesk.sqlite"


def log_file() -> Path:
    return log_dir() / "qidesk.log"
