"""Which data sheets a database has merged before: a read-only lookup for workbook readers."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

#: Digests per query (below SQLite's default limit of bound parameters).
_CHUNK = 900


class ReceivedSheets:
    """``lookup(digests)`` → ``{digest: (record_type, uuids)}`` for the sheet digests the
    database at ``db_path`` has merged (table ``sync_received_sheet``). Opens its own read-only
    connection per call, so it can be handed to a worker process; any database error means
    "none known" (nothing is skipped)."""

    def __init__(self, db_path: Path | str):
        self.db_path = str(Path(db_path).resolve())

    def __call__(self, digests: list[str]) -> dict[str, tuple[str, list[str]]]:
        if not digests:
            return {}
        found: dict[str, tuple[str, list[str]]] = {}
        try:
            connection = sqlite3.connect(Path(self.db_path).as_uri() + "?mode=ro", uri=True)
        except sqlite3.Error as exc:
            log.info("received-sheet lookup unavailable: %s", exc)
            return {}
        try:
            for start in range(0, len(digests), _CHUNK):
                chunk = digests[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                for digest, record_type, uuids in connection.execute(
                    "SELECT digest, record_type, uuids FROM sync_received_sheet "
                    f"WHERE digest IN ({marks})",
                    chunk,
                ):
                    found[digest] = (record_type, uuids.split(",") if uuids else [])
        except sqlite3.Error as exc:
            log.info("received-sheet lookup failed: %s", exc)
            return {}
        finally:
            connection.close()
        return found
