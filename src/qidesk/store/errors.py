"""Errors the store raises with a message fit to show a user."""


class StoreError(Exception):
    """A database problem described in words a user can act on."""


class DatabaseLocked(StoreError):
    """Another QI Desk process has this database open."""


class DatabaseTooNew(StoreError):
    """The database was written by a newer QI Desk than this one."""


class DatabaseUnreadable(StoreError):
    """The file is not a QI Desk database, or it is damaged."""


class DatabaseReadOnly(StoreError):
    """The database file or its folder cannot be written."""


class DatabaseFull(StoreError):
    """The disk holding the database (or its journal) is full."""


class TextTooLong(StoreError):
    """A text longer than one field keeps (what a spreadsheet cell holds); nothing saved."""


def restore_advice(path: object) -> str:
    """What to do about a damaged database: where its backups are, newest first named."""
    from pathlib import Path

    from qidesk.store.backup import backup_folder, newest_backup

    db_path = Path(str(path))
    newest = newest_backup(db_path)
    if newest is None:
        return (
            f"QI Desk has no copy of it (none in {backup_folder(db_path)}): open a copy you "
            "keep, or make a new database and import a full export from another installation."
        )
    return (
        f"QI Desk keeps copies of it in {backup_folder(db_path)}; the newest is {newest.name}: "
        "copy it out of that folder and open the copy."
    )


#: Free bytes below which the disk holding a database counts as full: SQLite needs room for
#: its journal (``-wal``) and shared-memory file (``-shm``, 32 KB) beside the database.
FULL_DISK_BYTES = 4 * 1024 * 1024


def disk_is_full(path: object) -> bool:
    """Whether the disk holding ``path`` (a database file) has next to no room left. A full
    disk often reaches SQLite as a 'disk I/O error' (it cannot extend its -shm file), which
    on its own reads like a failing disk or a damaged file."""
    import shutil
    from pathlib import Path

    folder = Path(str(path)).parent
    try:
        return shutil.disk_usage(folder).free < FULL_DISK_BYTES
    except OSError:
        return False


def from_sqlite_error(message: str, path: object) -> StoreError | None:
    """A user-facing error for an SQLite failure met while writing ``path`` (its message as
    the driver gives it), or None when it is not one a user can act on. The transaction it
    happened in was rolled back: nothing was saved."""
    text = message.lower()
    if "database or disk is full" in text or ("disk i/o error" in text and disk_is_full(path)):
        return DatabaseFull(
            f"The disk holding {path} is full, so nothing was saved (the change was undone "
            "completely). Free some space on that disk and try again."
        )
    if "database is locked" in text or "database is busy" in text:
        return DatabaseLocked(
            f"{path} is busy: another program kept it locked for too long, so nothing was "
            "saved. Try again in a moment."
        )
    if "readonly database" in text or "read-only" in text:
        return DatabaseReadOnly(
            f"{path} cannot be written (it or its folder is read-only), so nothing was saved."
        )
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return DatabaseUnreadable(
            f"{path} is damaged ({message}), so QI Desk cannot use it. {restore_advice(path)}"
        )
    if "unable to open database file" in text:
        return StoreError(
            f"{path} cannot be opened (SQLite: {message}). Check that its drive is connected "
            "and that you may read and write it and the folder it is in."
        )
    if "locking protocol" in text:
        return StoreError(
            f"{path} cannot be locked where it is (SQLite: {message}), as happens on some "
            "network drives. Copy it to a folder on this computer and open the copy."
        )
    if "disk i/o error" in text:
        return StoreError(
            f"Reading or writing {path} failed (a disk error), so nothing was saved. Check "
            "the disk or the network drive it is on, then try again."
        )
    return None
