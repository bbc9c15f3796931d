"""Whether the window can open here: on Linux, Qt needs a display (X11 or Wayland) to draw on."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping


def missing_display(environ: Mapping[str, str] | None = None, platform: str = "") -> str | None:
    """Why the window cannot open (no display on Linux), or None. Without this, Qt aborts the
    process (a core dump) after a misleading hint about a missing xcb-cursor library."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is "
        "set, as over ssh): start QI Desk in a desktop session; the sub-commands work "
        "without one (qidesk --help)"
    )
