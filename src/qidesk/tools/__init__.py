"""Developer tools run with ``python -m qidesk.tools.NAME``."""
