"""What the reader fork server imports once: the reader, and nothing of SQLAlchemy or the ORM.

Every worker forked from the server starts with the reader loaded; each gets the record-type
registry as plain data from the parent (``record_types.reader_specs``), so none imports the ORM
models (about 0.45 s of CPU that the fork server, or each spawned worker, would spend)."""

from __future__ import annotations

from qidesk.sync import parallel_read  # noqa: F401  (the reader, preloaded)
