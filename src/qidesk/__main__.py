"""Run QI Desk with ``python -m qidesk``."""

import sys

from qidesk.cli import main

if __name__ == "__main__":
    if getattr(sys, "frozen", False):
        # Workbooks are read in worker processes (sync/parallel_read.py). In a frozen program a
        # worker is this executable started again: freeze_support() makes it the worker instead
        # of a second QI Desk. A no-op otherwise, and importing multiprocessing costs start-up
        # time, so only then. (The PyInstaller build starts in installer/qidesk_entry.py, which
        # calls it too.)
        import multiprocessing

        multiprocessing.freeze_support()
    raise SystemExit(main())
