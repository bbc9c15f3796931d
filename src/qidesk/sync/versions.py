"""The hand-over between reading a workbook and merging it: one incoming version of one record."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
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
    #: :func:`version_fingerprint` of the version as read from a data sheet ("" otherwise).
    fingerprint: str = ""


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
    fingerprint: str = "",
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
        fingerprint=fingerprint,
    )
    return version


def version_fingerprint(
    record_type: str,
    uuid: str,
    vv: str,
    updated_at: datetime,
    updated_by: str,
    row_hash: str,
) -> str:
    """A version exactly as a workbook row carries it: type, uuid, vector, time, author and the
    row hash of its values and deletion mark (see ``cells.row_hash``). Computed alike by an
    export from the database and by a reader from an unedited row; see :func:`versions_digest`.
    """
    text = "\x1f".join((record_type, uuid, vv, updated_at.isoformat(), updated_by, row_hash))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def versions_digest(fingerprints: Iterable[str]) -> str:
    """One digest for a set of versions (a data sheet's rows): of their sorted fingerprints.

    An export records each data sheet's digest in its metadata; a database remembers the digest
    of each sheet it has merged. Merging versions a database has merged before changes nothing
    (a database only ever grows past what it has merged), so a re-import may skip a sheet that is
    byte for byte as exported when its digest is remembered.
    """
    return hashlib.sha256("\n".join(sorted(fingerprints)).encode("ascii")).hexdigest()[:32]
