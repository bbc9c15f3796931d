"""Copy a live SQLite database with the SQLite backup API before anything risky touches it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from qidesk.store.errors import StoreError

#: Suffix of a copy being written: it becomes a backup (renamed) only once it is complete, so
#: a copy cut short (the app killed, the disk full) never passes for a backup.
PARTIAL_SUFFIX = ".part"


def sqlite_uri(path: Path, **params: str) -> str:
    """An SQLite ``file:`` URI for ``path`` with query ``params`` (``mode="ro"``).

    Only '%', '?' and '#' are escaped: unescaped they end the path ('Cohort #2.sqlite' opened
    'Cohort '). The path is otherwise left as it is, with no '//' authority, so a Windows
    network path (\\\\server\\share\\qi.sqlite) stays one: SQLite refuses a URI naming a host."""
    text = str(Path(path).resolve())
    for char, escaped in (("%", "%25"), ("?", "%3f"), ("#", "%23")):
        text = text.replace(char, escaped)
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"file:{text}" + (f"?{query}" if query else "")


def backup_folder(db_path: Path) -> Path:
    """Where backups of ``db_path`` go: a folder beside it, named after it."""
    return db_path.parent / f"{db_path.stem}-backups"


def backup_database(db_path: Path, reason: str, *, keep: int | None = None) -> Path:
    """Copy ``db_path`` (consistently, even while open in WAL mode) and return the copy's path.

    ``reason`` becomes part of the file name (for example ``before-migration-0001-0004``).
    With ``keep``, only the ``keep`` newest backups made for the same reason stay (older ones
    are removed once the new copy is complete); without it, every backup stays.
    The copy is written under a temporary name and renamed when complete.
    Raises StoreError when the copy cannot be written (full disk, read-only folder).
    """
    folder = backup_folder(db_path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{db_path.stem}-{stamp}-{reason}.sqlite"
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _remove_cut_short(folder, db_path.stem)
        source = sqlite3.connect(sqlite_uri(db_path, mode="ro"), uri=True)
        try:
            dest = sqlite3.connect(partial)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        for leftover in (partial, Path(f"{partial}-journal"), target):
            with contextlib.suppress(OSError):
                leftover.unlink()
        text = str(exc).lower()
        if "full" in text or getattr(exc, "errno", None) == 28:  # ENOSPC
            raise StoreError(
                f"Could not back up the database to {folder}: the disk is full. Free some "
                "space on that disk and try again (nothing was changed)."
            ) from exc
        raise StoreError(f"Could not back up the database to {target}: {exc}") from exc
    if keep is not None:
        _prune(folder, db_path.stem, reason, keep)
    return target


def newest_backup(db_path: Path) -> Path | None:
    """The most recent complete backup of ``db_path``, or None."""
    folder = backup_folder(db_path)
    try:
        made = [
            p
            for p in folder.glob(f"{db_path.stem}-*.sqlite")
            if p.name[len(db_path.stem) + 1 :].split("-", 1)[0].endswith("Z")
        ]
    except OSError:
        return None
    return max(made, key=lambda p: p.name[len(db_path.stem) + 1 :], default=None)


def _remove_cut_short(folder: Path, stem: str) -> None:
    """Remove copies of ``stem`` a killed process left unfinished. (Only the process holding
    the database's lock makes backups of it, so no other copy is being written now.)"""
    for partial in folder.glob(f"{stem}-*.sqlite{PARTIAL_SUFFIX}*"):
        with contextlib.suppress(OSError):
            partial.unlink()


def _prune(folder: Path, stem: str, reason: str, keep: int) -> None:
    """Remove all but the ``keep`` newest backups of ``stem`` made for ``reason`` (their names
    start with a sortable time stamp). A backup that cannot be removed is left."""
    made = sorted(
        p
        for p in folder.glob(f"{stem}-*-{reason}.sqlite")
        if p.name[len(stem) + 1 :].split("-", 1)[0].endswith("Z")
    )
    for old in made[: max(len(made) - max(keep, 1), 0)]:
        with contextlib.suppress(OSError):
            old.unlink()
