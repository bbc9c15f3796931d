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


def cell_ref(file: str, sheet: str, row: int | None, column: str | None = None) -> CellRef:
    """``CellRef(file, sheet, row, column)`` without the frozen dataclass's per-field
    ``object.__setattr__`` (readers make one per row: hundreds of thousands per merge)."""
    ref = object.__new__(CellRef)
    ref.__dict__.update(file=file, sheet=sheet, row=row, column=column)
    return ref


def incoming_version(
    record_type: str,
    uuid: str,
    vv: str,
    updated_at: datetime,
    updated_by: str,
    deleted_at: datetime | None,
    values: dict[str, Any],
    source: CellRef,
) -> IncomingVersion:
    """``IncomingVersion(...)`` (not a conflict head, no extra) built the same way as
    :func:`cell_ref`: an equal object, made several times faster."""
    version = object.__new__(IncomingVersion)
    version.__dict__.update(
        record_type=record_type,
        uuid=uuid,
        vv=vv,
        updated_at=updated_at,
        updated_by=updated_by,
        deleted_at=deleted_at,
        values=values,
        source=source,
        is_conflict_head=False,
        extra={},
    )
    return version
