"""Logging to a rotating file in the user log folder (and optionally the console)."""

from __future__ import annotations

import logging
import logging.handlers

from qidesk.paths import log_file


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that several QI Desk processes may write at once (the window and a
    ``qidesk merge``). On Windows a file another process holds open cannot be renamed, so a
    rollover fails; logging would then print "--- Logging error ---" and a traceback on
    stderr for every record. Here a failed rollover keeps writing to the current file and
    tries again at the next record."""

    def doRollover(self) -> None:
        try:
            super().doRollover()
        except OSError:
            if self.stream is None:
                self.stream = self._open()


def setup_logging(*, console: bool = False, level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if any(getattr(h, "_qidesk", False) for h in root.handlers):
        return
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        path = log_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = SharedRotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError:
        # No log file (its folder cannot be made or written): records are dropped rather
        # than printed, so the command line's errors stay one line without a traceback.
        handler = logging.NullHandler()
    handler.setFormatter(fmt)
    handler._qidesk = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        stream._qidesk = True  # type: ignore[attr-defined]
        root.addHandler(stream)
