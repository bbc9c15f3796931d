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
