"""Entry point of the frozen QI Desk: the same command line as ``python -m qidesk``."""

import multiprocessing

from qidesk.cli import main

if __name__ == "__main__":
    # Nothing uses multiprocessing today; should anything, a frozen child must not rerun main().
    multiprocessing.freeze_support()
    raise SystemExit(main())
