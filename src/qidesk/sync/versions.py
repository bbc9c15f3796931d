"""The hand-over between reading a workbook and merging it: one incoming version of one record."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from itertools import repeat
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


def version_fingerprints(
    record_type: str,
    uuids: Sequence[str],
    vvs: Sequence[str],
    updated_at: Sequence[datetime],
    updated_by: Sequence[str],
    row_hashes: Sequence[str],
) -> list[str]:
    """:func:`version_fingerprint` of each row of a sheet given as columns, the same texts
    hashed with less work per row (each distinct time written out once)."""
    count = len(uuids)
    if not count == len(vvs) == len(updated_at) == len(updated_by) == len(row_hashes):
        raise ValueError("version_fingerprints: columns of different lengths")
    time_keys = list(map(_time_key, updated_at))
    times = {key: key[1].isoformat() for key in set(time_keys)}
    texts = map(
        "\x1f".join,
        zip(
            repeat(record_type, count),
            uuids,
            vvs,
            map(times.__getitem__, time_keys),
            updated_by,
            row_hashes,
            strict=True,
        ),
    )
    sha256 = hashlib.sha256
    return [sha256(text.encode("utf-8")).hexdigest()[:32] for text in texts]


def versions_digest(fingerprints: Iterable[str]) -> str:
    """One digest for a set of versions (a data sheet's rows): of their sorted fingerprints.

    An export records each data sheet's digest in its metadata; a database remembers the digest
    of each sheet it has merged. Merging versions a database has merged before changes nothing
    (a database only ever grows past what it has merged), so a re-import may skip a sheet that is
    byte for byte as exported when its digest is remembered.
    """
    return hashlib.sha256("\n".join(sorted(fingerprints)).encode("ascii")).hexdigest()[:32]


class VersionColumns:
    """Plain versions of one sheet (not conflict heads, no ``extra``, no column in their source),
    column by column: what a reader makes of a data sheet before anyone needs the objects.

    :meth:`versions` makes the equal :class:`IncomingVersion` objects, in row order. A worker
    process sends these columns (lists of values and a few shared texts), not the objects:
    they pickle and unpickle in a fraction of the time (bench/parallel_read.py).
    """

    __slots__ = (
        "deleted_at",
        "file",
        "fingerprints",
        "keys",
        "record_type",
        "rows",
        "sheet",
        "updated_at",
        "updated_by",
        "uuids",
        "values",
        "vvs",
    )

    def __init__(
        self,
        record_type: str,
        file: str,
        sheet: str,
        keys: tuple[str, ...],
        rows: list[int | None],
        values: list[list[Any]],
        uuids: list[str],
        vvs: list[str],
        updated_at: list[datetime],
        updated_by: list[str],
        deleted_at: list[datetime | None],
        fingerprints: list[str],
    ) -> None:
        #: ``values`` holds one list per key (a column), each as long as ``rows``.
        self.record_type = record_type
        self.file = file
        self.sheet = sheet
        self.keys = keys
        self.rows = rows
        self.values = values
        self.uuids = uuids
        self.vvs = vvs
        self.updated_at = updated_at
        self.updated_by = updated_by
        self.deleted_at = deleted_at
        self.fingerprints = fingerprints

    def _columns(self) -> list[list[Any]]:
        """Every per-row list but ``rows``."""
        columns: list[list[Any]] = [self.uuids, self.vvs, self.updated_at, self.updated_by]
        return [*columns, self.deleted_at, self.fingerprints, *self.values]

    def __len__(self) -> int:
        return len(self.rows)

    def __reduce__(self) -> tuple[Any, ...]:
        return (VersionColumns, tuple(getattr(self, name) for name in _COLUMNS_ARGS))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VersionColumns):
            return NotImplemented
        return self.versions() == other.versions()

    __hash__ = None  # type: ignore[assignment]

    def versions(self) -> list[IncomingVersion]:
        """The versions as objects (new ones at each call), equal to what reading row by row
        makes."""
        count = len(self.rows)
        if not all(len(column) == count for column in self._columns()):
            raise ValueError("VersionColumns: columns of different lengths")
        # What cell_ref() and incoming_version() do, inlined: this makes every version a
        # parent process receives from the readers.
        new = object.__new__
        refs = list(map(new, repeat(CellRef, count)))
        for ref, row in zip(refs, self.rows, strict=True):
            ref.__dict__.update(file=self.file, sheet=self.sheet, row=row, column=None)
        values: Iterable[dict[str, Any]]
        if self.keys:
            values = map(dict, map(zip, repeat(self.keys, count), zip(*self.values, strict=True)))
        else:
            values = ({} for _ in range(count))
        record_type = self.record_type
        versions = list(map(new, repeat(IncomingVersion, count)))
        for version, uuid, vv, at, by, deleted, row_values, ref, fingerprint in zip(
            versions,
            self.uuids,
            self.vvs,
            self.updated_at,
            self.updated_by,
            self.deleted_at,
            values,
            refs,
            self.fingerprints,
            strict=True,
        ):
            version.__dict__.update(
                record_type=record_type,
                uuid=uuid,
                vv=vv,
                updated_at=at,
                updated_by=by,
                deleted_at=deleted,
                values=row_values,
                source=ref,
                is_conflict_head=False,
                extra={},
                fingerprint=fingerprint,
            )
        return versions


#: The arguments of ``VersionColumns(...)``, in order.
_COLUMNS_ARGS = (
    "record_type",
    "file",
    "sheet",
    "keys",
    "rows",
    "values",
    "uuids",
    "vvs",
    "updated_at",
    "updated_by",
    "deleted_at",
    "fingerprints",
)
assert sorted(_COLUMNS_ARGS) == sorted(VersionColumns.__slots__)

#: The fields :class:`VersionColumns` carries, by name (a new field must be added there too).
_COLUMN_FIELDS = frozenset(
    {"record_type", "uuid", "vv", "updated_at", "updated_by", "deleted_at", "values", "source"}
    | {"is_conflict_head", "extra", "fingerprint"}
)
assert {f.name for f in fields(IncomingVersion)} == _COLUMN_FIELDS, "update VersionColumns"

#: Versions in order: runs of plain versions as columns, any other version as the object.
PackedVersions = list[VersionColumns | IncomingVersion]


def pack_versions(versions: Sequence[IncomingVersion]) -> PackedVersions:
    """The compact, quickly pickled form of ``versions`` (see :func:`unpack_versions`): each
    run of plain versions of one record type, one set of value keys, one file and one sheet
    as :class:`VersionColumns`; conflict heads, versions with ``extra`` or with a column in
    their source as themselves.

    Repeated vectors, authors, times and value texts become one shared object each (equal values
    of the same type: the result compares equal), which halves the bytes to send."""
    packed: PackedVersions = []
    shared: dict[Any, Any] = {}
    share = shared.setdefault
    run: VersionColumns | None = None
    run_key: tuple[Any, ...] | None = None
    for version in versions:
        source = version.source
        if version.is_conflict_head or version.extra or source.column is not None:
            packed.append(version)
            run_key = None
            continue
        values = version.values
        keys = tuple(values)
        key = (version.record_type, keys, source.file, source.sheet)
        if key != run_key or run is None:
            run = VersionColumns(
                version.record_type,
                source.file,
                source.sheet,
                keys,
                [],
                [[] for _ in keys],
                [],
                [],
                [],
                [],
                [],
                [],
            )
            packed.append(run)
            run_key = key
        run.rows.append(source.row)
        for column, value in zip(run.values, values.values(), strict=True):
            column.append(_shared_value(value, share))
        run.uuids.append(version.uuid)
        run.vvs.append(share(version.vv, version.vv))
        run.updated_at.append(_shared_value(version.updated_at, share))
        run.updated_by.append(share(version.updated_by, version.updated_by))
        run.deleted_at.append(_shared_value(version.deleted_at, share))
        run.fingerprints.append(version.fingerprint)
    return packed


def _time_key(value: datetime) -> tuple[Any, ...]:
    # Equal datetimes may differ in zone or fold: share only truly identical ones.
    return (datetime, value, value.tzinfo, value.fold)


def _shared_value(value: Any, share: Callable[[Any, Any], Any]) -> Any:
    kind = type(value)
    if kind is str:
        return share(value, value)
    if kind is date:
        return share((date, value), value)
    if kind is datetime:
        return share(_time_key(value), value)
    return value


def unpack_versions(packed: Iterable[VersionColumns | IncomingVersion]) -> list[IncomingVersion]:
    """The versions :func:`pack_versions` packed, equal to the originals and in their order."""
    out: list[IncomingVersion] = []
    for item in packed:
        if isinstance(item, VersionColumns):
            out.extend(item.versions())
        else:
            out.append(item)
    return out
