"""Run QI Desk with ``python -m qidesk``."""

from qidesk.cli import main

raise SystemExit(main())
