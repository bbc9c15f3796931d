"""``qidesk check``: integrity, foreign keys and schema version of a database file."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from qidesk import __version__
from qidesk.store.migrate import HEAD_REVISION, KNOWN_REVISIONS


@dataclass
class CheckReport:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.ok = False
        self.lines.append(f"PROBLEM: {text}")

    def fine(self, text: str) -> None:
        self.lines.append(f"ok: {text}")


def check_database(path: Path) -> CheckReport:
    """Run SQLite's integrity and foreign-key checks and compare the schema version.

    Opens the file read-only and never changes it.
    """
    report = CheckReport()
    try:
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                report.problem(f"{path} is not an SQLite database")
                return report
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except (OSError, sqlite3.Error) as exc:
        report.problem(f"cannot open {path}: {exc}")
        return report
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if rows == ["ok"]:
            report.fine("integrity_check")
        else:
            for row in rows[:20]:
                report.problem(f"integrity_check: {row}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if not fk:
            report.fine("foreign_key_check")
        else:
            for table, rowid, parent, _ in fk[:20]:
                report.problem(f"foreign_key_check: {table} row {rowid} points to missing {parent}")
        try:
            version = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            version = None
        if version is None:
            report.problem("no schema version: not a QI Desk database, or never opened by it")
        elif version[0] == HEAD_REVISION:
            report.fine(f"schema version {version[0]} (current for QI Desk {__version__})")
        elif version[0] in KNOWN_REVISIONS:
            report.fine(f"schema version {version[0]}: older; QI Desk upgrades it when it opens it")
        else:
            report.problem(
                f"schema version {version[0]} is newer than this QI Desk {__version__} "
                f"knows (up to {HEAD_REVISION})"
            )
    except sqlite3.DatabaseError as exc:
        report.problem(f"the file is damaged: {exc}")
    finally:
        conn.close()
    return report
