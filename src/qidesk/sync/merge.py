"""Merge received versions into the database: plan first (no writes), then apply in one go.

Each record is a small replicated register (``docs``: shared/design/sync.md). Its *heads* are
the versions no other known version descends from; the winning head is the record's row, the
others are :class:`~qidesk.store.models.sync.ConflictHead` rows. Receiving versions is a set
union followed by "keep the maximal elements" (:mod:`qidesk.sync.winner`), so merging is
idempotent and independent of the order and grouping of the files.

Rules decided here (and tested in ``tests/test_merge*.py``):

- **Identity** of a version: its vector and a digest of its values and deletion flag. Equal
  vectors with different values (two copies of one database file) are concurrent: a conflict.
  Empty text and NULL are one value (a spreadsheet cell cannot tell them apart).
- **Made alike**: concurrent heads with the same values and deletion flag (a natural-key record
  created the same way on two installations) are not a conflict: they become their join, the
  same version everywhere (vector = pointwise maximum, no new counter), kept in the history.
- **Winner**: the largest ``(updated_at, updated_by, vv, digest)`` among the heads; the same on
  every installation. Deletions are versions like any other: a deletion concurrent with an edit
  is a conflict; an older version never brings a tombstone back (the tombstone descends from it).
- **rev** of a received version is the sum of its vector's counters (what the bump hook's
  ``+1`` gives for local edits too), so one version has one rev everywhere.
- **History**: every received version is written to ``record_version`` (origin = the import id)
  unless the record's history already holds it (same vector and digest), stale ones included.
- **Counts**: each record in the input gets one action: ``created`` (new here), ``deleted`` (its
  shown version became a tombstone), ``conflict`` (it has several heads and they changed),
  ``updated`` (anything else that changes what is stored for it: a new winner, a closed conflict,
  a restored record, newer metadata of the same version) or ``unchanged``.
- **Resolving** a conflict (:func:`resolve_conflict`) writes a new version with the chosen values
  whose vector is the pointwise maximum of all heads plus one for this installation: it descends
  from every head, so every installation that receives it sees the conflict closed.
- **Local edits** of a record in conflict supersede only the heads they have seen: see
  :mod:`qidesk.store.models.sync`.
"""

from __future__ import annotations

import functools
import json
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from qidesk.core.version_vector import VersionVector
from qidesk.store.base import (
    APPLYING_RECEIVED_VERSIONS,
    INSTALLATION_ID,
    SYNC_COLUMNS,
    Base,
    SyncMixin,
    utcnow,
)
from qidesk.store.models.history import RecordVersion
from qidesk.store.models.sync import (
    TIME_STEP,
    ConflictHead,
    ImportLog,
    ReceivedSheet,
    vector_rev,
)
from qidesk.sync.versions import CellRef, IncomingVersion, VersionColumns
from qidesk.sync.winner import (
    KnownVersion,
    join_identical,
    maximal,
    merged_vector,
    union,
    winner_key,
)

__all__ = [
    "ACTIONS",
    "Counts",
    "MergeError",
    "MergePlan",
    "MergeProblem",
    "RecordAction",
    "apply_plan",
    "conflict_heads",
    "history_versions",
    "log_import",
    "losing_heads",
    "model_for",
    "open_conflicts",
    "plan_merge",
    "record_spec",
    "record_specs",
    "resolve_conflict",
    "winning_versions",
]

ACTIONS = ("created", "updated", "unchanged", "deleted", "conflict")
#: Bound parameters per IN (...) query (SQLite allows more, but this keeps statements small).
CHUNK = 500
#: CellRef.file of versions read from this database rather than a workbook.
DATABASE_SOURCE = "(this database)"


class MergeError(Exception):
    """The plan has problems (listed in ``problems``); nothing was written."""

    def __init__(self, problems: Sequence[MergeProblem]):
        self.problems = tuple(problems)
        first = problems[0].message if problems else "merge refused"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first + more)


@dataclass(frozen=True)
class MergeProblem:
    """Why a version cannot be merged, with where it came from."""

    source: CellRef
    message: str


# --------------------------------------------------------------------------------------------
# Record types, their models and columns


@dataclass(frozen=True)
class ColumnSpec:
    """One value column of a travelling model: attribute key, column name and kind of value."""

    key: str
    name: str
    kind: str  # bool, int, float, date, datetime, str or other
    references: str | None  # table name of a foreign key target, if any
    nullable: bool = True


@dataclass(frozen=True)
class RecordSpec:
    """A travelling record type: its model, table, value columns and place in the FK order."""

    record_type: str
    model: type[SyncMixin]
    table: Table
    columns: tuple[ColumnSpec, ...]
    order: int


def _kind(column_type: Any) -> str:
    if isinstance(column_type, Boolean):
        return "bool"
    if isinstance(column_type, Integer):
        return "int"
    if isinstance(column_type, Float | Numeric):
        return "float"
    if isinstance(column_type, DateTime):
        return "datetime"
    if isinstance(column_type, Date):
        return "date"
    if isinstance(column_type, String | Text):
        return "str"
    return "other"


_SPECS: dict[str, RecordSpec] = {}
_SPECS_MAPPER_COUNT = -1


def _specs() -> dict[str, RecordSpec]:
    """Every travelling record type, found by scanning the mapped SyncMixin models (record types
    added by later features are covered without registering anything)."""
    global _SPECS_MAPPER_COUNT
    mappers = list(Base.registry.mappers)
    if len(mappers) == _SPECS_MAPPER_COUNT:
        return _SPECS
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    specs: dict[str, RecordSpec] = {}
    for mapper in mappers:
        cls = mapper.class_
        if not (isinstance(cls, type) and issubclass(cls, SyncMixin)) or not cls.record_type:
            continue
        table = mapper.local_table
        assert isinstance(table, Table)
        columns = []
        for attr in mapper.column_attrs:
            if attr.key in SYNC_COLUMNS:
                continue
            column = attr.columns[0]
            targets = [fk.column.table.name for fk in column.foreign_keys]
            target = targets[0] if targets else None
            columns.append(
                ColumnSpec(attr.key, column.name, _kind(column.type), target, bool(column.nullable))
            )
        specs[cls.record_type] = RecordSpec(
            cls.record_type, cls, table, tuple(columns), order.get(table.name, len(order))
        )
    _SPECS.clear()
    _SPECS.update(specs)
    _SPECS_MAPPER_COUNT = len(mappers)
    return _SPECS


def record_specs() -> list[RecordSpec]:
    """Every travelling record type, parents before children."""
    return sorted(_specs().values(), key=lambda s: (s.order, s.record_type))


def record_spec(record_type: str) -> RecordSpec:
    """The spec of ``record_type``; KeyError for a type no model declares."""
    return _specs()[record_type]


def model_for(record_type: str) -> type[SyncMixin]:
    """The ORM model whose ``record_type`` is ``record_type`` (KeyError if none)."""
    return record_spec(record_type).model


# --------------------------------------------------------------------------------------------
# Canonical values and digests


def _canon(column: ColumnSpec, value: Any) -> Any:
    """``value`` in the JSON-friendly form the history stores, normalised by column kind.

    An empty cell cannot tell ``""`` from NULL, so neither does a version: empty text is NULL
    in a nullable column (references included) and NULL is empty text in a required one.
    """
    kind = column.kind
    value_type = type(value)
    if value_type is str and kind == "str" and value:
        return value  # the common case first
    if (value_type is int and kind == "int") or (value_type is bool and kind == "bool"):
        return value
    if value is None or (isinstance(value, str) and value == "" and kind != "str"):
        return "" if kind == "str" and not column.nullable else None
    if kind == "str" and value == "" and column.nullable:
        return None
    if kind == "bool":
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes")
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        return date.fromisoformat(str(value)[:10]).isoformat()
    if kind == "datetime":
        if isinstance(value, datetime):
            return value.replace(tzinfo=None).isoformat(sep=" ")
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day).isoformat(sep=" ")
        return datetime.fromisoformat(str(value)).replace(tzinfo=None).isoformat(sep=" ")
    if kind == "str":
        return value if isinstance(value, str) else str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _typed(kind: str, value: Any) -> Any:
    """The Python value of the column's type for a canonical ``value``."""
    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        return datetime.fromisoformat(value)
    return value


#: Per column kind, the Python type whose (non-empty) values are already canonical.
_CANONICAL_TYPE: dict[str, type] = {"str": str, "int": int, "bool": bool, "float": float}


_CanonPlan = tuple[tuple[str, str, type | None, bool, bool, ColumnSpec], ...]
_CANON_PLANS: dict[str, tuple[RecordSpec, _CanonPlan]] = {}


def _canon_plan(spec: RecordSpec) -> _CanonPlan:
    """Per value column: attribute key, column name, already-canonical type, whether None is
    canonical (a nullable column), whether empty text is (a required text column), the column."""
    cached = _CANON_PLANS.get(spec.record_type)
    if cached is not None and cached[0] is spec:
        return cached[1]
    plan = tuple(
        (
            c.key,
            c.name,
            _CANONICAL_TYPE.get(c.kind),
            c.nullable,
            c.kind == "str" and not c.nullable,
            c,
        )
        for c in spec.columns
    )
    _CANON_PLANS[spec.record_type] = (spec, plan)
    return plan


def canonical_values(spec: RecordSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """The record's values normalised by column type (KeyError names a missing column)."""
    return _canonicalise(spec, values, by_name=False)


def _canonical_row(spec: RecordSpec, row: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical values of a row of the record's own table (by column name)."""
    return _canonicalise(spec, row, by_name=True)


def _canonicalise(spec: RecordSpec, source: Mapping[str, Any], *, by_name: bool) -> dict[str, Any]:
    """Values keyed by column key, read from ``source`` by key or by table column name."""
    canon: dict[str, Any] = {}
    for key, name, fast, none_ok, empty_ok, column in _canon_plan(spec):
        value = source[name if by_name else key]
        # A value of the column's own type is canonical as it is, empty text only in a required
        # text column; None only in a nullable column (see _canon).
        if type(value) is fast:
            if value != "" or fast is not str or empty_ok:
                canon[key] = value
                continue
        elif value is None and none_ok:
            canon[key] = None
            continue
        canon[key] = _canon(column, value)
    return canon


@functools.lru_cache(maxsize=1 << 16)
def _parse_vector(text: str) -> tuple[VersionVector, str]:
    """A vector and its canonical text (cached: many records share a vector; vectors are
    immutable)."""
    vector = VersionVector.parse(text)
    return vector, str(vector)


def typed_values(spec: RecordSpec, canon: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical values back as Python values of the columns' types."""
    return {c.key: _typed(c.kind, canon.get(c.key)) for c in spec.columns}


def _version(
    spec: RecordSpec,
    uuid: str,
    vv: str,
    updated_at: datetime,
    updated_by: str,
    deleted_at: datetime | None,
    canon: dict[str, Any],
    origin: str,
    source: Any = None,
    *,
    trusted: bool = False,
) -> KnownVersion:
    """A version; ``vv`` is parsed (ValueError if malformed) and written canonically unless
    ``trusted`` (text this module wrote itself, as in the record's own row)."""
    if trusted:
        vector = None
    else:
        vector, vv = _parse_vector(vv)
    # KnownVersion(...) without the dataclass __init__ (hundreds of thousands per merge).
    version = object.__new__(KnownVersion)
    fields = version.__dict__
    fields.update(
        record_type=spec.record_type,
        uuid=uuid,
        vv=vv,
        updated_at=updated_at,
        updated_by=updated_by,
        deleted_at=deleted_at,
        canon=canon,
        origin=origin,
        source=source,
        extra={},
    )
    if vector is not None:
        fields["vector"] = vector  # cached_property: no second parse
    return version


@functools.cache
def _database_source(record_type: str) -> CellRef:
    return CellRef(DATABASE_SOURCE, record_type)


def _from_row(spec: RecordSpec, row: Any) -> KnownVersion:
    """A version from a row of the record's own table (Core row mapping, by column name)."""
    canon = _canonical_row(spec, row)
    return _version(
        spec,
        row["uuid"],
        row["vv"],
        row["updated_at"],
        row["updated_by"],
        row["deleted_at"],
        canon,
        "live",
        _database_source(spec.record_type),
        trusted=True,
    )


def _from_stored(spec: RecordSpec, row: Any, origin: str) -> KnownVersion:
    """A version from a ConflictHead or RecordVersion row (values as JSON text)."""
    data = json.loads(row.data)
    canon = {c.key: _canon(c, data.get(c.key)) for c in spec.columns}
    return _version(
        spec,
        row.record_uuid,
        row.vv,
        row.updated_at,
        row.updated_by,
        row.deleted_at,
        canon,
        origin,
        _database_source(spec.record_type),
    )


def to_incoming(version: KnownVersion, *, is_conflict_head: bool = False) -> IncomingVersion:
    """The hand-over form of a version (values typed as the ORM columns)."""
    spec = record_spec(version.record_type)
    source = version.source if isinstance(version.source, CellRef) else None
    return IncomingVersion(
        record_type=version.record_type,
        uuid=version.uuid,
        vv=version.vv,
        updated_at=version.updated_at,
        updated_by=version.updated_by,
        deleted_at=version.deleted_at,
        values=typed_values(spec, version.canon),
        source=source or CellRef(DATABASE_SOURCE, version.record_type),
        is_conflict_head=is_conflict_head,
    )


# --------------------------------------------------------------------------------------------
# The plan


@dataclass(frozen=True)
class Counts:
    """How many records of one type (or of all) were created, updated, ... by a merge."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.deleted + other.deleted,
            self.conflicts + other.conflicts,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
        }


@dataclass(frozen=True)
class RecordAction:
    """What the merge does to one record."""

    record_type: str
    uuid: str
    #: One of ACTIONS.
    action: str
    #: The version the record's row holds after the merge.
    winner: KnownVersion
    #: The other heads after the merge (non-empty when the record is in conflict).
    losers: tuple[KnownVersion, ...]
    #: Received versions the record's history does not hold yet.
    history: tuple[KnownVersion, ...]
    #: Values that differ between the version shown before and after ("deleted" for deletion).
    changed_fields: tuple[str, ...]
    #: Where the received versions of this record came from.
    sources: tuple[CellRef, ...]
    write_live: bool
    write_heads: bool

    @property
    def in_conflict(self) -> bool:
        return bool(self.losers)


_ACTION_FIELDS = tuple(RecordAction.__dataclass_fields__)


def _quick_record_action(*values: Any) -> RecordAction:
    """``RecordAction(*values)`` without the frozen dataclass's per-field ``__setattr__`` (one per
    record of a merge): an equal object."""
    action = object.__new__(RecordAction)
    action.__dict__.update(zip(_ACTION_FIELDS, values, strict=True))
    return action


@dataclass(frozen=True)
class NewRecords:
    """Records of one type that a merge creates, each from its one received version, planned
    in bulk: their live rows as :func:`_live_params` makes them (in ``names`` order); their
    history rows are copied from those rows (:func:`_history_from_live_sql`)."""

    record_type: str
    uuids: tuple[str, ...]
    names: tuple[str, ...]
    params: tuple[tuple[Any, ...], ...]
    #: How many of them arrive deleted (counted as "deleted", as the one-by-one plan does).
    deleted: int


@dataclass(frozen=True)
class MergePlan:
    """Everything a merge would do, per record, with counts per record type. No writes yet.

    Records that arrive in one version and are new here (every record of a first merge) may be
    planned in bulk (:class:`NewRecords`) instead of one :class:`RecordAction` each: the same
    rows are written either way (``tests/test_merge_bulk.py``)."""

    actions: tuple[RecordAction, ...]
    problems: tuple[MergeProblem, ...] = ()
    by_type: Mapping[str, Counts] = field(default_factory=dict)
    new_records: tuple[NewRecords, ...] = ()

    @property
    def changed_records(self) -> set[tuple[str, str]]:
        """(type, uuid) of every record the plan changes."""
        touched = {(a.record_type, a.uuid) for a in self.actions if a.action != "unchanged"}
        for new in self.new_records:
            touched.update((new.record_type, uuid) for uuid in new.uuids)
        return touched

    @property
    def totals(self) -> Counts:
        total = Counts()
        for counts in self.by_type.values():
            total = total + counts
        return total

    @property
    def has_changes(self) -> bool:
        return bool(self.new_records) or any(
            a.write_live or a.write_heads or a.history for a in self.actions
        )

    def summary(self) -> dict[str, Any]:
        """Totals and per-type counts as a JSON-friendly dict."""
        result: dict[str, Any] = self.totals.as_dict()
        result["by_type"] = {t: c.as_dict() for t, c in sorted(self.by_type.items())}
        return result


def _incoming_versions(
    versions: Iterable[IncomingVersion], problems: list[MergeProblem]
) -> dict[str, dict[str, list[KnownVersion]]]:
    """Received versions as KnownVersions, by record type and uuid (bad ones become problems)."""
    by_type: dict[str, dict[str, list[KnownVersion]]] = defaultdict(lambda: defaultdict(list))
    specs = _specs()
    for incoming in versions:
        spec = specs.get(incoming.record_type)
        if spec is None:
            problems.append(
                MergeProblem(incoming.source, f"unknown record type {incoming.record_type!r}")
            )
            continue
        try:
            canon = canonical_values(spec, incoming.values)
        except KeyError as exc:
            problems.append(
                MergeProblem(
                    incoming.source,
                    f"{incoming.record_type} {incoming.uuid}: value of {exc.args[0]!r} missing",
                )
            )
            continue
        except (TypeError, ValueError) as exc:
            problems.append(
                MergeProblem(incoming.source, f"{incoming.record_type} {incoming.uuid}: {exc}")
            )
            continue
        try:
            version = _version(
                spec,
                incoming.uuid,
                incoming.vv,
                incoming.updated_at,
                incoming.updated_by,
                incoming.deleted_at,
                canon,
                "incoming",
                incoming.source,
            )
        except ValueError as exc:
            problems.append(
                MergeProblem(
                    incoming.source, f"{incoming.record_type} {incoming.uuid}: bad vector: {exc}"
                )
            )
            continue
        if not version.vector.counters:
            problems.append(
                MergeProblem(
                    incoming.source, f"{incoming.record_type} {incoming.uuid}: empty version vector"
                )
            )
            continue
        by_type[spec.record_type][incoming.uuid].append(version)
    return by_type


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


#: How SQLAlchemy's SQLite types read stored values back, by column kind (others as stored).
_SQLITE_READERS: dict[str, Callable[[Any], Any]] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "bool": bool,
}


def _load_live(session: Session, spec: RecordSpec, uuids: Sequence[str]) -> dict[str, KnownVersion]:
    live: dict[str, KnownVersion] = {}
    table = spec.table
    if _plain_columns(table):
        # The driver directly (tens of thousands of rows), values read as SQLAlchemy would.
        session.flush()
        names = [c.name for c in table.columns]
        readers = [
            (i, _SQLITE_READERS[_kind(c.type)])
            for i, c in enumerate(table.columns)
            if _kind(c.type) in _SQLITE_READERS
        ]
        columns = ", ".join(f'"{n}"' for n in names)
        cursor = session.connection().connection.cursor()  # the sqlite3 cursor itself
        try:
            for chunk in _chunks(uuids):
                sql = (
                    f'SELECT {columns} FROM "{table.name}" WHERE "uuid" IN '
                    f"({', '.join('?' * len(chunk))})"
                )
                cursor.execute(sql, tuple(chunk))
                for raw in cursor.fetchall():
                    values = list(raw)
                    for i, read in readers:
                        if values[i] is not None:
                            values[i] = read(values[i])
                    by_name = dict(zip(names, values, strict=True))
                    live[by_name["uuid"]] = _from_row(spec, by_name)
        finally:
            cursor.close()
        return live
    for chunk in _chunks(uuids):
        for row in session.execute(select(table).where(table.c.uuid.in_(chunk))).mappings():
            live[row["uuid"]] = _from_row(spec, row)
    return live


def _load_conflict_heads(
    session: Session, spec: RecordSpec, uuids: Sequence[str]
) -> dict[str, list[KnownVersion]]:
    heads: dict[str, list[KnownVersion]] = defaultdict(list)
    if not uuids:
        return heads
    for chunk in _chunks(uuids):
        rows = session.execute(
            select(ConflictHead).where(
                ConflictHead.record_type == spec.record_type, ConflictHead.record_uuid.in_(chunk)
            )
        ).scalars()
        for row in rows:
            version = _from_stored(spec, row, "conflict")
            version.extra["stored_origin"] = row.origin
            heads[row.record_uuid].append(version)
    return heads


def _load_history_identities(
    session: Session, spec: RecordSpec, uuids: Sequence[str]
) -> dict[str, set[tuple[str, str]]]:
    known: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for chunk in _chunks(uuids):
        rows = session.execute(
            select(
                RecordVersion.record_uuid,
                RecordVersion.vv,
                RecordVersion.updated_at,
                RecordVersion.updated_by,
                RecordVersion.deleted_at,
                RecordVersion.data,
            ).where(
                RecordVersion.record_type == spec.record_type, RecordVersion.record_uuid.in_(chunk)
            )
        )
        for row in rows:
            known[row.record_uuid].add(_from_stored(spec, row, "history").identity)
    return known


def _changed_fields(before: KnownVersion | None, after: KnownVersion) -> tuple[str, ...]:
    if before is None:
        return ()
    changed = [k for k in after.canon if before.canon.get(k) != after.canon.get(k)]
    if before.is_deleted != after.is_deleted:
        changed.append("deleted")
    return tuple(changed)


def _sources(received: list[KnownVersion]) -> tuple[CellRef, ...]:
    if len(received) == 1:
        source = received[0].source
        return (source,) if isinstance(source, CellRef) else ()
    return tuple(
        sorted(
            {v.source for v in received if isinstance(v.source, CellRef)},
            key=lambda c: (c.file, c.sheet, c.row or 0, c.column or ""),
        )
    )


def _same_version(a: KnownVersion, b: KnownVersion) -> bool:
    """Same vector and same values (canonical values compare as their digests would)."""
    return a.vv == b.vv and a.is_deleted == b.is_deleted and a.canon == b.canon


def _quick_action(
    spec: RecordSpec,
    uuid: str,
    received: list[KnownVersion],
    live: KnownVersion | None,
    stored_losers: list[KnownVersion],
) -> RecordAction | None:
    """The common cases without digests or history: every received version is the record's
    one stored version (unchanged), or one new record arrives in one version (created)."""
    if stored_losers:
        return None
    first = received[0]
    if len(received) == 1:
        newest = first
    elif all(_same_version(v, first) for v in received[1:]):
        newest = max(received, key=lambda v: v.meta)
    else:
        return None
    if live is not None:
        if not _same_version(first, live) or newest.meta > live.meta:
            return None
        return _quick_record_action(
            spec.record_type, uuid, "unchanged", live, (), (), (), _sources(received), False, False
        )
    action = "deleted" if newest.is_deleted else "created"
    return _quick_record_action(
        spec.record_type, uuid, action, newest, (), (newest,), (), _sources(received), True, False
    )


def _plan_record(
    spec: RecordSpec,
    uuid: str,
    received: list[KnownVersion],
    live: KnownVersion | None,
    stored_losers: list[KnownVersion],
    history: set[tuple[str, str]] | None,
) -> RecordAction:
    old_heads = ([live] if live is not None else []) + stored_losers
    candidates = union(old_heads + received)
    heads = join_identical(maximal(list(candidates.values())))
    winner, losers = heads[0], tuple(heads[1:])
    old_state = {(h.identity, h.meta) for h in old_heads}
    new_state = {(h.identity, h.meta) for h in heads}
    known = {h.identity for h in old_heads} | (history or set())
    fresh = union(
        [v for v in received if v.identity not in known]
        + [h for h in heads if h.origin == "joined" and h.identity not in known]
    )
    new_history = tuple(sorted(fresh.values(), key=winner_key))
    write_live = live is None or (winner.identity, winner.meta) != (live.identity, live.meta)
    old_loser_state = {(h.identity, h.meta) for h in stored_losers}
    write_heads = old_loser_state != {(h.identity, h.meta) for h in losers}
    if live is None:
        action = "conflict" if losers else ("deleted" if winner.is_deleted else "created")
    elif old_state == new_state:
        action = "unchanged"
    elif losers:
        action = "conflict"
    elif winner.is_deleted and not live.is_deleted:
        action = "deleted"
    else:
        action = "updated"
    return RecordAction(
        record_type=spec.record_type,
        uuid=uuid,
        action=action,
        winner=winner,
        losers=losers,
        history=new_history,
        changed_fields=_changed_fields(live, winner),
        sources=_sources(received),
        write_live=write_live,
        write_heads=write_heads,
    )


def _check_references(
    session: Session,
    received: Mapping[str, Mapping[str, list[KnownVersion]]],
    problems: list[MergeProblem],
) -> None:
    """Every reference of a received version must resolve in the database or in the batch."""
    specs = _specs()
    by_table = {s.table.name: s for s in specs.values()}
    in_batch: dict[str, set[str]] = {specs[t].table.name: set(r) for t, r in received.items()}
    wanted: dict[str, dict[str, list[tuple[KnownVersion, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for record_type, records in received.items():
        spec = specs[record_type]
        refs = [c for c in spec.columns if c.references]
        if not refs:
            continue
        for versions in records.values():
            for version in versions:
                for column in refs:
                    target = version.canon.get(column.key)
                    assert column.references is not None
                    if target is None or target in in_batch.get(column.references, ()):
                        continue
                    wanted[column.references][target].append((version, column.key))
    for table_name, targets in sorted(wanted.items()):
        table = by_table[table_name].table if table_name in by_table else None
        found: set[str] = set()
        if table is not None:
            keys = sorted(targets)
            for chunk in _chunks(keys):
                found.update(
                    session.execute(select(table.c.uuid).where(table.c.uuid.in_(chunk))).scalars()
                )
        for target, users in sorted(targets.items()):
            if target in found:
                continue
            for version, column_key in users:
                source = version.source if isinstance(version.source, CellRef) else None
                problems.append(
                    MergeProblem(
                        CellRef(source.file, source.sheet, source.row, column_key)
                        if source
                        else CellRef(DATABASE_SOURCE, version.record_type, None, column_key),
                        f"{version.record_type} {version.uuid}: {column_key} refers to "
                        f"{target}, which is neither in this database nor in the files",
                    )
                )


def _new_record_params(
    spec: RecordSpec, run: VersionColumns, chosen: Sequence[int]
) -> list[tuple[Any, ...]] | None:
    """Live-row parameters of the rows ``chosen`` of ``run``, as :func:`_live_params` makes
    them from their canonical values; None when a value or a vector is one the one-by-one path
    must look at (and word a problem for)."""
    columns: list[list[Any]] = []
    try:
        for key, _name, fast, none_ok, empty_ok, column in _canon_plan(spec):
            source = run.values[run.keys.index(key)]
            convert = _canon_to_sqlite(column.kind)
            out = []
            for index in chosen:
                value = source[index]
                # The rule of _canonicalise, value by value.
                if type(value) is fast:
                    if value == "" and fast is str and not empty_ok:
                        value = _canon(column, value)
                elif value is not None or not none_ok:
                    value = _canon(column, value)
                if convert is not None and value is not None:
                    value = convert(value)
                out.append(value)
            columns.append(out)
        vvs = []
        for index in chosen:
            vector, text = _parse_vector(run.vvs[index])
            if not vector.counters:
                return None
            vvs.append(text)
    except (TypeError, ValueError):
        return None
    deleted_at = [run.deleted_at[i] for i in chosen]
    return list(
        zip(
            *columns,
            [run.uuids[i] for i in chosen],
            map(_rev_of, vvs),
            vvs,
            [_stored_time(run.updated_at[i]) for i in chosen],
            [run.updated_by[i] for i in chosen],
            [None if d is None else _stored_time(d) for d in deleted_at],
            strict=True,
        )
    )


def _stored_rows(
    session: Session, spec: RecordSpec, uuids: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """The live rows of ``uuids`` that the table holds, as stored, in :func:`_live_names`
    order, by uuid (one statement, however many)."""
    if not uuids:
        return {}
    connection = session.connection()
    if connection.exec_driver_sql(f'SELECT 1 FROM "{spec.table.name}" LIMIT 1').first() is None:
        return {}  # an empty table (a first merge): nothing to look up
    names = _live_names(spec)
    columns = ", ".join(f'"{n}"' for n in names)
    rows = connection.exec_driver_sql(
        f'SELECT {columns} FROM "{spec.table.name}" '
        'WHERE "uuid" IN (SELECT value FROM json_each(?))',
        (json.dumps(list(uuids)),),
    )
    at = names.index("uuid")
    return {row[at]: tuple(row) for row in rows}


def _plan_in_bulk(
    session: Session, runs: Sequence[VersionColumns], objects: list[IncomingVersion]
) -> tuple[list[NewRecords], dict[str, set[str]]]:
    """Plan in bulk the rows of ``runs`` whose record arrives in this one version only and
    either is not in the database (a "created" or "deleted" action with nothing but that version
    in its history) or is stored exactly as that version would be written, metadata included
    (the one-by-one plan's "unchanged": merging a version a record holds changes nothing).
    Returns those new records and the uuids of those unchanged, by type; every other row is
    added to ``objects``."""
    specs = _specs()
    occurrences: dict[str, Counter[str]] = defaultdict(Counter)
    for version in objects:
        occurrences[version.record_type][version.uuid] += 1
    for run in runs:
        occurrences[run.record_type].update(run.uuids)
    usable: list[tuple[RecordSpec, VersionColumns]] = []
    candidates: dict[str, list[str]] = defaultdict(list)
    for run in runs:
        spec = specs.get(run.record_type)
        if (
            spec is None
            or _history_from_live_sql(spec) is None
            or not {c.key for c in spec.columns} <= set(run.keys)
        ):
            objects.extend(run.versions())
            continue
        usable.append((spec, run))
        counts = occurrences[run.record_type]
        candidates[run.record_type].extend(u for u in run.uuids if counts[u] == 1)
    # The stored rows of the records that arrive once (none at all in a first merge).
    stored = {t: _stored_rows(session, specs[t], u) for t, u in candidates.items()}
    # Per run: its new rows and their parameters, its stored rows and theirs.
    planned_runs: list[
        tuple[VersionColumns, list[int], list[tuple[Any, ...]], list[int], list[tuple[Any, ...]]]
    ] = []
    for spec, run in usable:
        counts = occurrences[run.record_type]
        single = [i for i, u in enumerate(run.uuids) if counts[u] == 1]
        planned = _new_record_params(spec, run, single) if single else None
        if planned is None:
            objects.extend(run.versions())
            continue
        known = stored[run.record_type]
        new_rows: list[int] = []
        new_params: list[tuple[Any, ...]] = []
        old_rows: list[int] = []
        old_params: list[tuple[Any, ...]] = []
        for index, row_params in zip(single, planned, strict=True):
            if run.uuids[index] in known:
                old_rows.append(index)
                old_params.append(row_params)
            else:
                new_rows.append(index)
                new_params.append(row_params)
        planned_runs.append((run, new_rows, new_params, old_rows, old_params))
    found: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    unchanged: dict[str, set[str]] = defaultdict(set)
    for run, new_rows, new_params, old_rows, old_params in planned_runs:
        record_type = run.record_type
        rows_here = stored.get(record_type, {})
        same = [
            i
            for i, row_params in zip(old_rows, old_params, strict=True)
            if rows_here.get(run.uuids[i]) == row_params
        ]
        taken = set(new_rows) | set(same)
        if len(taken) < len(run.uuids):
            objects.extend(v for i, v in enumerate(run.versions()) if i not in taken)
        unchanged[record_type].update(run.uuids[i] for i in same)
        if new_rows:
            type_uuids, type_params = found.setdefault(record_type, ([], []))
            type_uuids.extend(run.uuids[i] for i in new_rows)
            type_params.extend(new_params)
    new_records = []
    for record_type, (type_uuids, type_params) in sorted(found.items()):
        deleted = sum(p[-1] is not None for p in type_params)  # deleted_at: the last column
        new_records.append(
            NewRecords(
                record_type,
                tuple(type_uuids),
                tuple(_live_names(specs[record_type])),
                tuple(type_params),
                deleted,
            )
        )
    return new_records, {t: u for t, u in unchanged.items() if u}


def plan_merge(
    session: Session,
    versions: Iterable[IncomingVersion | VersionColumns],
    already_known: Iterable[tuple[str, str]] = (),
    *,
    references_checked: bool = False,
) -> MergePlan:
    """What merging ``versions`` would do, without writing anything.

    Several versions of one record (from several files) are fine; the result does not depend on
    their order. Problems (unknown types, missing values, bad vectors, dangling references) are
    listed in ``plan.problems``; :func:`apply_plan` refuses a plan that has any.

    ``already_known`` are the (record type, uuid) of records whose versions in the files the
    database has received before (sheets a reader skipped): they count as unchanged unless
    ``versions`` also holds a version of them (merging a received version changes nothing).
    ``references_checked`` says the caller has already checked that every reference resolves
    in the database or in ``versions`` (``sync.validate.check_references``, with locations).
    """
    problems: list[MergeProblem] = []
    objects: list[IncomingVersion] = []
    runs: list[VersionColumns] = []
    for item in versions:
        if isinstance(item, VersionColumns):
            runs.append(item)
        else:
            objects.append(item)
    new_records: list[NewRecords] = []
    bulk_unchanged: dict[str, set[str]] = {}
    if runs and references_checked:
        new_records, bulk_unchanged = _plan_in_bulk(session, runs, objects)
    else:
        for run in runs:
            objects.extend(run.versions())
    received = _incoming_versions(objects, problems)
    if not references_checked:
        _check_references(session, received, problems)
    specs = _specs()
    actions: list[RecordAction] = []
    by_type: dict[str, Counts] = {}
    for record_type in sorted(received, key=lambda t: (specs[t].order, t)):
        spec = specs[record_type]
        records = received[record_type]
        uuids = sorted(records)
        live = _load_live(session, spec, uuids)
        stored = _load_conflict_heads(session, spec, sorted(live))
        planned: dict[str, RecordAction] = {}
        slow: list[str] = []
        for uuid in uuids:
            quick = _quick_action(spec, uuid, records[uuid], live.get(uuid), stored.get(uuid, []))
            if quick is None:
                slow.append(uuid)
            else:
                planned[uuid] = quick
        # Only records known here have history; only versions that are not a head need it.
        need_history = [
            u
            for u in slow
            if u in live
            and any(
                v.identity not in {h.identity for h in [live[u], *stored.get(u, [])]}
                for v in records[u]
            )
        ]
        history = _load_history_identities(session, spec, need_history)
        for uuid in slow:
            planned[uuid] = _plan_record(
                spec, uuid, records[uuid], live.get(uuid), stored.get(uuid, []), history.get(uuid)
            )
        counts = dict.fromkeys(ACTIONS, 0)
        for uuid in uuids:
            action = planned[uuid]
            counts[action.action] += 1
            actions.append(action)
        by_type[record_type] = Counts(
            created=counts["created"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            deleted=counts["deleted"],
            conflicts=counts["conflict"],
        )
    for new in new_records:
        by_type[new.record_type] = by_type.get(new.record_type, Counts()) + Counts(
            created=len(new.uuids) - new.deleted, deleted=new.deleted
        )
    for record_type, same_uuids in bulk_unchanged.items():
        by_type[record_type] = by_type.get(record_type, Counts()) + Counts(
            unchanged=len(same_uuids)
        )
    known_only: dict[str, set[str]] = defaultdict(set)
    already_known = list(already_known)
    in_bulk = (
        {(n.record_type, u) for n in new_records for u in n.uuids}
        | {(t, u) for t, same_uuids in bulk_unchanged.items() for u in same_uuids}
        if already_known
        else set()
    )
    for record_type, uuid in already_known:
        if uuid not in received.get(record_type, ()) and (record_type, uuid) not in in_bulk:
            known_only[record_type].add(uuid)
    for record_type, known_uuids in known_only.items():
        counts_before = by_type.get(record_type, Counts())
        by_type[record_type] = counts_before + Counts(unchanged=len(known_uuids))
    problems.sort(key=lambda p: (p.source.file, p.source.sheet, p.source.row or 0, p.message))
    return MergePlan(
        actions=tuple(actions),
        problems=tuple(problems),
        by_type=by_type,
        new_records=tuple(new_records),
    )


def remember_received(session: Session, sheets: Iterable[tuple[str, str, Sequence[str]]]) -> None:
    """Remember merged data sheets as (digest, record type, uuids), in the caller's
    transaction, so a re-import can skip them (see ``ReceivedSheet``)."""
    params = {
        digest: (digest, record_type, ",".join(uuids)) for digest, record_type, uuids in sheets
    }
    if params:
        session.connection().exec_driver_sql(
            f'INSERT OR IGNORE INTO "{_RECEIVED_TABLE.name}" ("digest", "record_type", "uuids") '
            "VALUES (?, ?, ?)",
            list(params.values()),
        )


# --------------------------------------------------------------------------------------------
# Applying


def _live_row(spec: RecordSpec, version: KnownVersion) -> dict[str, Any]:
    row = {c.name: _typed(c.kind, version.canon.get(c.key)) for c in spec.columns}
    row.update(
        uuid=version.uuid,
        rev=vector_rev(version.vector),
        vv=version.vv,
        updated_at=version.updated_at,
        updated_by=version.updated_by,
        deleted_at=version.deleted_at,
    )
    return row


#: ``json.dumps(value, sort_keys=True, ensure_ascii=False)`` without building an encoder per call.
_encode_data = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def _data(version: KnownVersion) -> str:
    return _encode_data(version.canon)


def _stored_row(version: KnownVersion, origin: str) -> dict[str, Any]:
    return {
        "record_type": version.record_type,
        "record_uuid": version.uuid,
        "rev": vector_rev(version.vector),
        "vv": version.vv,
        "updated_at": version.updated_at,
        "updated_by": version.updated_by,
        "deleted_at": version.deleted_at,
        "data": _data(version),
        "origin": origin,
    }


def _sqlite_datetime(value: datetime) -> str:
    return value.isoformat(sep=" ", timespec="microseconds")  # 2026-11-26 09:00:00.000000


def _sqlite_date(value: date) -> str:
    return value.isoformat()


#: How SQLAlchemy's SQLite types store values, by column kind (others are stored as they are).
_SQLITE_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "datetime": _sqlite_datetime,
    "date": _sqlite_date,
    "bool": int,
}


def _plain_columns(table: Table) -> bool:
    """True when every column is of a type :func:`_sqlite_value` stores as SQLAlchemy would."""
    return all(_kind(c.type) != "other" for c in table.columns)


def _write_rows(
    session: Session, table: Table, rows: list[dict[str, Any]], *, upsert_on: str = ""
) -> None:
    """Insert (or, with ``upsert_on``, insert-or-update) ``rows`` with one executemany.

    For tables of plain column types the statement goes to the driver directly, values
    converted as SQLAlchemy would store them (much faster for tens of thousands of rows)."""
    if not rows:
        return
    if not _plain_columns(table):
        stmt: Any = sqlite_insert(table)
        if upsert_on:
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c[upsert_on]],
                set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != upsert_on},
            )
        session.execute(stmt, rows)
        return
    names = list(rows[0])
    quoted = {n: f'"{n}"' for n in names}
    columns = ", ".join(quoted.values())
    marks = ", ".join("?" for _ in names)
    sql = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
    if upsert_on:
        updates = ", ".join(f"{q} = excluded.{q}" for n, q in quoted.items() if n != upsert_on)
        sql += f' ON CONFLICT ("{upsert_on}") DO UPDATE SET {updates}'
    kinds = {c.name: _kind(c.type) for c in table.columns}
    converters = [
        (i, _SQLITE_CONVERTERS[kinds[n]])
        for i, n in enumerate(names)
        if kinds[n] in _SQLITE_CONVERTERS
    ]
    getter = operator.itemgetter(*names)
    params: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(getter(row)) if len(names) > 1 else [getter(row)]
        for index, convert in converters:
            if values[index] is not None:
                values[index] = convert(values[index])
        params.append(tuple(values))
    session.connection().exec_driver_sql(sql, params)


#: The sync columns of a live row, in the order :func:`_live_params` writes them.
_LIVE_SYNC_NAMES = ("uuid", "rev", "vv", "updated_at", "updated_by", "deleted_at")
#: The columns of a history row, in the order :func:`_history_params` writes them.
_HISTORY_NAMES = (
    "record_type",
    "record_uuid",
    "rev",
    "vv",
    "updated_at",
    "updated_by",
    "deleted_at",
    "data",
    "origin",
)


def _canon_to_sqlite(kind: str) -> Callable[[Any], Any] | None:
    """How a canonical value is stored (as SQLAlchemy would store its typed value), or None
    when it is stored as it is. Canonical dates are already ISO text."""
    if kind == "datetime":
        return lambda value: _sqlite_datetime(datetime.fromisoformat(value))
    if kind == "bool":
        return int
    return None


def _live_names(spec: RecordSpec) -> list[str]:
    """The columns of a live row in the order :func:`_live_params` writes them."""
    return [c.name for c in spec.columns] + list(_LIVE_SYNC_NAMES)


def _live_params(
    spec: RecordSpec, versions: list[KnownVersion]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and one parameter tuple per version, the same values :func:`_live_row` and
    :func:`_write_rows` would store, built without the intermediate dicts."""
    keys = [c.key for c in spec.columns]
    names = _live_names(spec)
    converters = [
        (i, convert)
        for i, c in enumerate(spec.columns)
        if (convert := _canon_to_sqlite(c.kind)) is not None
    ]
    # Canonical values hold every column key; a one-column record still gets a tuple.
    value_of = operator.itemgetter(*keys, keys[0]) if keys else lambda canon: ()
    width = len(keys)
    params = []
    for version in versions:
        values = list(value_of(version.canon)[:width])
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        deleted_at = version.deleted_at
        values += (
            version.uuid,
            _rev_of(version.vv),
            version.vv,
            _stored_time(version.updated_at),
            version.updated_by,
            None if deleted_at is None else _stored_time(deleted_at),
        )
        params.append(tuple(values))
    return names, params


@functools.lru_cache(maxsize=1 << 14)
def _rev_of(vv: str) -> int:
    """:func:`vector_rev` of a vector's text (cached: a merge's records share few vectors)."""
    return vector_rev(_parse_vector(vv)[0])


@functools.lru_cache(maxsize=1 << 14)
def _stored_time(value: datetime) -> str:
    """:func:`_sqlite_datetime`, cached (the rows of one export share few times)."""
    return _sqlite_datetime(value)


def _history_params(version: KnownVersion, origin: str) -> tuple[Any, ...]:
    """The parameters of :func:`_stored_row` for the history table, stored as SQLAlchemy would."""
    deleted_at = version.deleted_at
    return (
        version.record_type,
        version.uuid,
        vector_rev(version.vector),
        version.vv,
        _sqlite_datetime(version.updated_at),
        version.updated_by,
        None if deleted_at is None else _sqlite_datetime(deleted_at),
        _data(version),
        origin,
    )


def _execute_many(
    session: Session,
    table: Table,
    names: Sequence[str],
    params: list[tuple[Any, ...]],
    *,
    upsert_on: str = "",
) -> None:
    """One INSERT (or upsert) executemany of ready parameter tuples, through the driver."""
    if not params:
        return
    quoted = [f'"{n}"' for n in names]
    sql = f'INSERT INTO "{table.name}" ({", ".join(quoted)}) VALUES ({", ".join("?" * len(names))})'
    if upsert_on:
        updates = ", ".join(
            f"{q} = excluded.{q}" for n, q in zip(names, quoted, strict=True) if n != upsert_on
        )
        sql += f' ON CONFLICT ("{upsert_on}") DO UPDATE SET {updates}'
    session.connection().exec_driver_sql(sql, params)


#: How the history's JSON writes a stored value of a column kind, as an SQL expression of the
#: quoted column name: the same text ``_encode_data`` writes for the canonical value (SQLite's
#: ``json_quote`` escapes strings exactly as ``json.dumps(..., ensure_ascii=False)`` does).
_JSON_OF_STORED: dict[str, str] = {
    "str": "json_quote({})",
    "int": "json_quote({})",
    "float": "json_quote({})",
    "date": "json_quote({})",
    "bool": "CASE WHEN {0} IS NULL THEN 'null' WHEN {0} THEN 'true' ELSE 'false' END",
}
_HISTORY_FROM_LIVE: dict[str, tuple[RecordSpec, str | None]] = {}


def _history_from_live_sql(spec: RecordSpec) -> str | None:
    """An ``INSERT ... SELECT`` that copies live rows into the history, their values as the JSON
    :func:`_data` writes, built by SQLite (parameters: record type, origin, JSON list of uuids);
    None when a column's kind has no SQL form here (its versions take the Python path)."""
    cached = _HISTORY_FROM_LIVE.get(spec.record_type)
    if cached is not None and cached[0] is spec:
        return cached[1]
    sql: str | None = None
    if _plain_columns(spec.table) and all(c.kind in _JSON_OF_STORED for c in spec.columns):
        parts = []
        for i, column in enumerate(sorted(spec.columns, key=lambda c: c.key)):
            key = json.dumps(column.key).replace("'", "''")
            parts.append(f"'{'{' if i == 0 else ', '}{key}: '")
            parts.append(_JSON_OF_STORED[column.kind].format(f'"{column.name}"'))
        parts.append("'}'" if spec.columns else "'{}'")
        data = " || ".join(parts)
        columns = ", ".join(f'"{n}"' for n in _HISTORY_NAMES)
        sql = (
            f'INSERT INTO "{_HISTORY_TABLE.name}" ({columns}) '
            'SELECT ?, "uuid", "rev", "vv", "updated_at", "updated_by", "deleted_at", '
            f'{data}, ? FROM "{spec.table.name}" '
            'WHERE "uuid" IN (SELECT value FROM json_each(?)) ORDER BY "uuid"'
        )
    _HISTORY_FROM_LIVE[spec.record_type] = (spec, sql)
    return sql


def _upsert_live(session: Session, spec: RecordSpec, rows: list[dict[str, Any]]) -> None:
    _write_rows(session, spec.table, rows, upsert_on="uuid")


_CONFLICT_TABLE = cast(Table, ConflictHead.__table__)
_RECEIVED_TABLE = cast(Table, ReceivedSheet.__table__)
_HISTORY_TABLE = cast(Table, RecordVersion.__table__)


def apply_plan(session: Session, plan: MergePlan, *, import_id: str) -> None:
    """Write ``plan`` in the caller's transaction (nothing at all when nothing changes).

    Parents are written before children and foreign keys are checked at commit, so records may
    reference each other in any order within one merge. Raises MergeError for a plan with
    problems (before writing anything).
    """
    if plan.problems:
        raise MergeError(plan.problems)
    if not plan.has_changes:
        return
    session.flush()
    previous = session.info.get(APPLYING_RECEIVED_VERSIONS)
    session.info[APPLYING_RECEIVED_VERSIONS] = True
    try:
        session.execute(select(1))  # make sure the transaction has begun
        session.connection().exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        specs = _specs()
        live_rows: dict[str, list[KnownVersion]] = defaultdict(list)
        cleared: list[tuple[str, str]] = []
        heads: list[dict[str, Any]] = []
        history: list[tuple[Any, ...]] = []
        # Records whose one new version is the row written here (every record of a first
        # merge): SQLite copies those rows into the history, JSON and all, in one statement.
        history_from_live: dict[str, list[str]] = defaultdict(list)
        for action in plan.actions:
            if action.write_live:
                live_rows[action.record_type].append(action.winner)
            if action.write_heads:
                cleared.append((action.record_type, action.uuid))
                heads.extend(
                    {**_stored_row(v, _head_origin(v, import_id)), "digest": v.digest}
                    for v in action.losers
                )
            if (
                action.write_live
                and len(action.history) == 1
                and action.history[0] is action.winner
                and _history_from_live_sql(specs[action.record_type]) is not None
            ):
                history_from_live[action.record_type].append(action.uuid)
            else:
                history.extend(_history_params(v, import_id) for v in action.history)
        new_records = {new.record_type: new for new in plan.new_records}
        for new in plan.new_records:
            history_from_live[new.record_type].extend(new.uuids)
        for record_type in sorted(
            set(live_rows) | set(new_records), key=lambda t: (specs[t].order, t)
        ):
            spec = specs[record_type]
            if _plain_columns(spec.table):
                names, params = _live_params(spec, live_rows[record_type])
                bulk = new_records.get(record_type)
                if bulk is not None:
                    if tuple(names) != bulk.names:  # pragma: no cover - both from _live_names
                        raise RuntimeError(f"{record_type}: live columns differ")
                    # Rows in uuid order, as when every record is planned one by one.
                    params = sorted(
                        [*params, *bulk.params], key=operator.itemgetter(len(spec.columns))
                    )
                _execute_many(session, spec.table, names, params, upsert_on="uuid")
            else:
                rows = [_live_row(spec, v) for v in live_rows[record_type]]
                _upsert_live(session, spec, rows)
        by_type: dict[str, list[str]] = defaultdict(list)
        for record_type, uuid in cleared:
            by_type[record_type].append(uuid)
        for record_type, uuids in sorted(by_type.items()):
            for chunk in _chunks(uuids):
                session.execute(
                    delete(ConflictHead).where(
                        ConflictHead.record_type == record_type,
                        ConflictHead.record_uuid.in_(chunk),
                    )
                )
        _write_rows(session, _CONFLICT_TABLE, heads)
        if _plain_columns(_HISTORY_TABLE):
            _execute_many(session, _HISTORY_TABLE, _HISTORY_NAMES, history)
        else:  # pragma: no cover - the history table has plain columns
            _write_rows(
                session,
                _HISTORY_TABLE,
                [dict(zip(_HISTORY_NAMES, p, strict=True)) for p in history],
            )
        connection = session.connection()
        for record_type in sorted(history_from_live, key=lambda t: (specs[t].order, t)):
            sql = _history_from_live_sql(specs[record_type])
            assert sql is not None
            uuid_list = json.dumps(history_from_live[record_type])
            connection.exec_driver_sql(sql, (record_type, import_id, uuid_list))
    finally:
        if previous is None:
            session.info.pop(APPLYING_RECEIVED_VERSIONS, None)
        else:
            session.info[APPLYING_RECEIVED_VERSIONS] = previous
    session.expire_all()


def _head_origin(version: KnownVersion, import_id: str) -> str:
    """Origin stored with a losing head: the import it came with, or where it was before."""
    if version.origin == "incoming":
        return import_id
    if version.origin == "conflict":
        return str(version.extra.get("stored_origin") or import_id)
    return "database"  # the winner shown before this merge


# --------------------------------------------------------------------------------------------
# Reading versions back out


def losing_heads(session: Session) -> list[IncomingVersion]:
    """The non-winning heads of every record in conflict (for export, so conflicts travel)."""
    specs = _specs()
    result: list[IncomingVersion] = []
    rows = session.execute(
        select(ConflictHead).order_by(
            ConflictHead.record_type, ConflictHead.record_uuid, ConflictHead.vv, ConflictHead.digest
        )
    ).scalars()
    for row in rows:
        spec = specs.get(row.record_type)
        if spec is None:
            continue
        result.append(to_incoming(_from_stored(spec, row, "conflict"), is_conflict_head=True))
    return result


def winning_versions(
    session: Session, record_types: Iterable[str] | None = None
) -> list[IncomingVersion]:
    """The version each record shows (tombstones included), parents' types first."""
    specs = _specs()
    wanted = sorted(record_types or specs, key=lambda t: (specs[t].order, t))
    result: list[IncomingVersion] = []
    for record_type in wanted:
        spec = specs[record_type]
        rows = session.execute(select(spec.table).order_by(spec.table.c.uuid)).mappings()
        result.extend(to_incoming(_from_row(spec, row)) for row in rows)
    return result


def history_versions(
    session: Session, record_types: Iterable[str] | None = None
) -> list[IncomingVersion]:
    """Every version in the history (distinct by identity), for exports that carry history."""
    specs = _specs()
    wanted = set(record_types or specs)
    seen: set[tuple[str, str, str, str]] = set()
    result: list[IncomingVersion] = []
    rows = session.execute(
        select(RecordVersion).order_by(
            RecordVersion.record_type, RecordVersion.record_uuid, RecordVersion.id
        )
    ).scalars()
    for row in rows:
        spec = specs.get(row.record_type)
        if spec is None or row.record_type not in wanted:
            continue
        version = _from_stored(spec, row, "history")
        key = (row.record_type, row.record_uuid, *version.identity)
        if key in seen:
            continue
        seen.add(key)
        result.append(to_incoming(version))
    return result


def open_conflicts(session: Session) -> list[tuple[str, str]]:
    """(record_type, uuid) of every record in conflict, sorted."""
    rows = session.execute(
        select(ConflictHead.record_type, ConflictHead.record_uuid)
        .distinct()
        .order_by(ConflictHead.record_type, ConflictHead.record_uuid)
    )
    return [(r[0], r[1]) for r in rows]


def conflict_heads(session: Session, record_type: str, uuid: str) -> list[KnownVersion]:
    """Every head of one record, the shown (winning) one first; one head when not in conflict."""
    return conflict_heads_of(session, record_type, [uuid]).get(uuid, [])


def conflict_heads_of(
    session: Session, record_type: str, uuids: Iterable[str]
) -> dict[str, list[KnownVersion]]:
    """:func:`conflict_heads` of many records of one type, in two queries per CHUNK records
    (a lead's Conflicts page lists hundreds). Records with no row and no stored head are left
    out."""
    spec = record_spec(record_type)
    wanted = sorted(set(uuids))
    shown: dict[str, KnownVersion] = {}
    losers: dict[str, list[KnownVersion]] = defaultdict(list)
    for chunk in _chunks(wanted):
        for row in session.execute(select(spec.table).where(spec.table.c.uuid.in_(chunk))):
            shown[row._mapping["uuid"]] = _from_row(spec, row._mapping)
        for stored in session.execute(
            select(ConflictHead).where(
                ConflictHead.record_type == record_type, ConflictHead.record_uuid.in_(chunk)
            )
        ).scalars():
            losers[stored.record_uuid].append(_from_stored(spec, stored, "conflict"))
    result: dict[str, list[KnownVersion]] = {}
    for uuid in wanted:
        if uuid not in shown and uuid not in losers:
            continue
        others = sorted(losers.get(uuid, []), key=winner_key, reverse=True)
        result[uuid] = ([shown[uuid]] if uuid in shown else []) + others
    return result


def resolve_conflict(
    session: Session, record_type: str, uuid: str, version_key: str
) -> KnownVersion:
    """Keep the head named ``version_key`` (see KnownVersion.key): write it as a new version
    whose vector descends from every head, so the conflict closes wherever it travels.

    Returns the new version. Raises KeyError when the record has no such head.
    """
    installation_id = session.info.get(INSTALLATION_ID)
    if not installation_id:
        raise RuntimeError("session has no installation id; use Database.session()")
    heads = conflict_heads(session, record_type, uuid)
    chosen = next((h for h in heads if h.key == version_key), None)
    if chosen is None:
        raise KeyError(version_key)
    spec = record_spec(record_type)
    vector = merged_vector(heads, installation_id)
    updated_at = max(utcnow(), *(h.updated_at + TIME_STEP for h in heads))
    new = _version(
        spec,
        uuid,
        str(vector),
        updated_at,
        installation_id,
        chosen.deleted_at,
        dict(chosen.canon),
        "local",
    )
    session.flush()
    previous = session.info.get(APPLYING_RECEIVED_VERSIONS)
    session.info[APPLYING_RECEIVED_VERSIONS] = True
    try:
        session.connection().exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        _upsert_live(session, spec, [_live_row(spec, new)])
        session.execute(
            delete(ConflictHead).where(
                ConflictHead.record_type == record_type, ConflictHead.record_uuid == uuid
            )
        )
        session.execute(insert(_HISTORY_TABLE), [_stored_row(new, "local")])
    finally:
        if previous is None:
            session.info.pop(APPLYING_RECEIVED_VERSIONS, None)
        else:
            session.info[APPLYING_RECEIVED_VERSIONS] = previous
    session.expire_all()
    return new


# --------------------------------------------------------------------------------------------
# Import log


def log_import(
    session: Session,
    *,
    export_id: str,
    file_name: str,
    file_hash: str,
    summary: dict[str, Any],
    import_id: str = "",
) -> None:
    """Record one imported file in the import log (in the caller's transaction)."""
    session.add(
        ImportLog(
            import_id=import_id,
            export_id=export_id,
            file_name=file_name,
            file_hash=file_hash,
            imported_at=utcnow(),
            installation_id=str(session.info.get(INSTALLATION_ID) or ""),
            summary=json.dumps(summary, sort_keys=True, ensure_ascii=False, default=str),
        )
    )
    session.flush()
