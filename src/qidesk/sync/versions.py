"""The hand-over between reading a workbook and merging it: one incoming version of one record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CellRef:
    """Where something came from, for messages: file, sheet, row (1-based), column key."""

    file: str
    sheet: str
    row: int | None = None
    column: str | None = None


@dataclass(frozen=True)
class IncomingVersion:
    """A version of a record as a workbook carries it, already typed and validated.

    ``values`` maps ORM column keys (not the sync columns) to Python values of the column's
    type. ``vv`` is the version vector text; for a row edited in a spreadsheet the reader has
    already made it the exported vector plus one for the workbook's export id, so re-importing
    the same edited workbook always yields the same version.
    """

    record_type: str
    uuid: str
    vv: str
    updated_at: datetime
    updated_by: str
    deleted_at: datetime | None
    values: dict[str, Any]
    source: CellRef
    #: True when this version is a non-winning head of a record in conflict (conflict sheet).
    is_conflict_head: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
