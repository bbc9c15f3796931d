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


def from_sqlite_error(message: str, path: object) -> StoreError | None:
    """A user-facing error for an SQLite failure met while writing ``path`` (its message as
    the driver gives it), or None when it is not one a user can act on. The transaction it
    happened in was rolled back: nothing was saved."""
    text = message.lower()
    if "database or disk is full" in text:
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
    if "disk i/o error" in text:
        return StoreError(
            f"Reading or writing {path} failed (a disk error), so nothing was saved. Check "
            "the disk or the network drive it is on, then try again."
        )
    return None
