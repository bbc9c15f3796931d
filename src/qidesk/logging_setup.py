"""Logging to a rotating file in the user log folder (and optionally the console)."""

from __future__ import annotations

import logging
import logging.handlers

from qidesk.paths import log_file


def setup_logging(*, console: bool = False, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_qidesk", False) for h in root.handlers):
        return
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        path = log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(fmt)
    handler._qidesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        stream._qidesk = True  # type: ignore[attr-defined]
        root.addHandler(stream)
