"""Entry point of the frozen QI Desk: the same command line as ``python -m qidesk``."""

from qidesk.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
