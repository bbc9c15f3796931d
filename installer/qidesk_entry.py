"""Entry point of the frozen QI Desk: the same command line as ``python -m qidesk``."""

import multiprocessing

from qidesk.cli import main

if __name__ == "__main__":
    # Imports and merges read workbooks in worker processes (qidesk/sync/parallel_read.py): a
    # worker, or the fork server, is this executable started again; freeze_support() turns it
    # into that process instead of letting it run main(). It must stay the first call.
    multiprocessing.freeze_support()
    raise SystemExit(main())
