"""What the reader fork server imports once: the reader, and the record-type registry built.

Every worker forked from the server then starts with both (building the registry imports the ORM
models: about 0.15 s that each worker would otherwise spend again)."""

from __future__ import annotations

from qidesk.sync import parallel_read  # noqa: F401  (the reader, preloaded)
from qidesk.sync.record_types import all_specs

all_specs()
