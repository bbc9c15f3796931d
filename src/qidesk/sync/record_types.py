"""The one registry of record types that travel in workbooks: sheets, columns, converters, order.

Adding a record type is one :func:`register` call at the end of :func:`_build_registry`: the
columns, their kinds (text, dates, booleans, numbers, references) and the parent order are read
from the ORM model; only allowed values of enumerated columns and the label attribute are given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# SQLAlchemy and the ORM models are imported only to build the registry: a reader process gets
# the registry as plain data (:func:`reader_specs`) and never imports them.

#: Column kinds a cell can hold.
TEXT, INT, FLOAT, BOOL, DATE, DATETIME, ENUM, REF = (
    "text",
    "int",
    "float",
    "bool",
    "date",
    "datetime",
    "enum",
    "ref",
)

#: Sync columns every data sheet carries after the record's values, in this order.
VERSION_COLUMNS = ("vv", "updated_at", "updated_by", "deleted_at")


@dataclass(frozen=True)
class ValueColumn:
    """One of the record's own columns, as it travels in a sheet."""

    key: str
    kind: str
    nullable: bool
    choices: tuple[str, ...] = ()
    #: For references: the record type referred to.
    ref_type: str = ""
    #: For references: the key of the readable label column written next to it (ignored on
    #: import).
    label_key: str = ""
    width: int = 18


@dataclass(frozen=True)
class RecordTypeSpec:
    """How one record type travels: its model, sheet name, columns and labels."""

    record_type: str
    model: type
    sheet: str
    columns: tuple[ValueColumn, ...]
    #: Attribute of the model that names a record for people (written in label columns).
    label_attr: str
    #: Reference column that places a record inside a team or cohort (export scope), or "".
    scope_column: str = ""
    #: Record types this one refers to (they are applied first).
    parents: tuple[str, ...] = ()
    table_name: str = field(default="")

    @property
    def value_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def headers(self) -> list[str]:
        """Row 1 of the sheet: uuid, the values (labels beside references), the version."""
        out = ["uuid"]
        for col in self.columns:
            out.append(col.key)
            if col.label_key:
                out.append(col.label_key)
        out.extend(VERSION_COLUMNS)
        return out

    def label_keys(self) -> tuple[str, ...]:
        return tuple(c.label_key for c in self.columns if c.label_key)


_DEFAULT_WIDTHS = {TEXT: 24, DATE: 12, DATETIME: 20, BOOL: 8, INT: 8, FLOAT: 8, ENUM: 14, REF: 38}

_REGISTRY: dict[str, RecordTypeSpec] = {}
_ORDER: list[str] = []
_TABLE_TO_TYPE: dict[str, str] = {}


def _kind_of(column: Any) -> str:
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric

    if column.foreign_keys:
        return REF
    sql_type = column.type
    if isinstance(sql_type, Boolean):
        return BOOL
    if isinstance(sql_type, DateTime):
        return DATETIME
    if isinstance(sql_type, Date):
        return DATE
    if isinstance(sql_type, Integer):
        return INT
    if isinstance(sql_type, Float | Numeric):
        return FLOAT
    return TEXT


def register(
    model: type,
    sheet: str,
    *,
    label: str = "name",
    choices: dict[str, Iterable[str]] | None = None,
    scope: str = "",
    widths: dict[str, int] | None = None,
) -> RecordTypeSpec:
    """Add ``model`` (a ``SyncMixin`` model) to the registry as the sheet ``sheet``.

    Columns come from the model in mapper order; a foreign key becomes a reference with a
    ``<name>_name`` label column beside it. ``choices`` restricts text columns to allowed
    values; ``scope`` names the reference that places a record in a team or cohort.
    """
    from sqlalchemy import inspect

    from qidesk.store.base import SYNC_COLUMNS

    record_type = model.record_type  # type: ignore[attr-defined]
    mapper: Any = inspect(model)
    allowed: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in (choices or {}).items()}
    widths = widths or {}
    columns: list[ValueColumn] = []
    parents: list[str] = []
    for attr in mapper.column_attrs:
        key = attr.key
        if key in SYNC_COLUMNS:
            continue
        column = attr.columns[0]
        kind = _kind_of(column)
        ref_type = ""
        label_key = ""
        if kind == REF:
            target_table = next(iter(column.foreign_keys)).column.table.name
            if target_table not in _TABLE_TO_TYPE:
                raise ValueError(
                    f"{record_type}.{key} refers to {target_table}, which is not registered "
                    "before it"
                )
            ref_type = _TABLE_TO_TYPE[target_table]
            if ref_type != record_type and ref_type not in parents:
                parents.append(ref_type)
            base = key[: -len("_uuid")] if key.endswith("_uuid") else key
            label_key = f"{base}_name"
        elif key in allowed:
            kind = ENUM
        default_width = _DEFAULT_WIDTHS.get(kind, 20)
        columns.append(
            ValueColumn(
                key=key,
                kind=kind,
                nullable=bool(column.nullable),
                choices=allowed.get(key, ()),
                ref_type=ref_type,
                label_key=label_key,
                width=widths.get(key, default_width),
            )
        )
    unknown = set(allowed) - {c.key for c in columns}
    if unknown:
        raise ValueError(f"{record_type}: choices for unknown columns {sorted(unknown)}")
    if scope and scope not in {c.key for c in columns if c.kind == REF}:
        raise ValueError(f"{record_type}: scope {scope!r} is not a reference column")
    spec = RecordTypeSpec(
        record_type=record_type,
        model=model,
        sheet=sheet,
        columns=tuple(columns),
        label_attr=label,
        scope_column=scope,
        parents=tuple(parents),
        table_name=model.__tablename__,  # type: ignore[attr-defined]
    )
    _add(spec)
    return spec


def _add(spec: RecordTypeSpec) -> None:
    _REGISTRY[spec.record_type] = spec
    _ORDER.append(spec.record_type)
    _TABLE_TO_TYPE[spec.table_name] = spec.record_type


class ModelNotLoaded:
    """A reader process's stand-in for a spec's model: readers never use the ORM."""


def reader_specs() -> tuple[RecordTypeSpec, ...]:
    """The registry as plain data, for reader processes: the specs with their models left out
    (a model would pickle as a reference to the ORM, which the reader would have to import:
    about 0.45 s of CPU in each worker or fork server)."""
    return tuple(dataclasses.replace(spec, model=ModelNotLoaded) for spec in all_specs())


def install_reader_specs(specs: Sequence[RecordTypeSpec]) -> None:
    """In a reader process: use ``specs`` (:func:`reader_specs` of the parent) as the registry,
    unless this process has built its own already."""
    if not _REGISTRY:
        for spec in specs:
            _add(spec)


def _build_registry() -> None:
    from qidesk.store.models import assessment as assessment_models
    from qidesk.store.models import foundation, pdsa

    register(foundation.Cohort, "Cohorts", choices={"status": foundation.COHORT_STATUSES})
    register(foundation.Coach, "Coaches", choices={"role": foundation.COACH_ROLES})
    register(
        foundation.Team,
        "Teams",
        choices={"status": foundation.TEAM_STATUSES},
        scope="cohort_uuid",
        widths={"name": 30, "aim_statement": 50, "project_title": 36},
    )
    register(foundation.Member, "Members", scope="team_uuid")
    register(assessment_models.AssessmentTemplate, "Templates", label="title")
    register(assessment_models.TemplateItem, "TemplateItems", label="title")
    register(
        assessment_models.Assessment,
        "Assessments",
        label="stage",
        choices={"stage": assessment_models.STAGES},
        scope="team_uuid",
    )
    register(
        assessment_models.AssessmentResponse,
        "Responses",
        label="item_code",
        scope="assessment_uuid",
    )
    register(
        pdsa.ChangeIdea,
        "ChangeIdeas",
        label="title",
        choices={"status": pdsa.CHANGE_IDEA_STATUSES},
        scope="team_uuid",
    )
    register(
        pdsa.PdsaCycle,
        "PDSA",
        label="title",
        choices={
            "status": pdsa.CYCLE_STATUSES,
            "act_decision": pdsa.ACT_DECISIONS,
            "do_as_planned": pdsa.DO_AS_PLANNED_VALUES,
        },
        scope="team_uuid",
        widths={"title": 30, "objective": 40},
    )
    register(
        pdsa.ProgressScore,
        "ProgressScores",
        label="month",
        choices={"rater": pdsa.PROGRESS_RATERS},
        scope="team_uuid",
    )


def _ensure() -> None:
    if not _REGISTRY:
        _build_registry()


def all_specs() -> list[RecordTypeSpec]:
    """Every travelling record type, parents before children (the order to apply them in)."""
    _ensure()
    return [_REGISTRY[t] for t in _ORDER]


def spec_for(record_type: str) -> RecordTypeSpec:
    _ensure()
    return _REGISTRY[record_type]


def spec_for_sheet(sheet: str) -> RecordTypeSpec | None:
    _ensure()
    for spec in _REGISTRY.values():
        if spec.sheet == sheet:
            return spec
    return None


def apply_order() -> list[str]:
    """Record types in the order a merge must write them (parents first)."""
    return [s.record_type for s in all_specs()]


# ---- the workbook format ---------------------------------------------------------------------

#: Format name and version written in the metadata sheet; a reader refuses newer versions.
FORMAT_NAME = "qidesk-workbook"
FORMAT_VERSION = 1
#: Hidden sheets: metadata (key/value), the hash of each exported row, conflict heads.
META_SHEET = "_meta"
ROWS_SHEET = "_rows"
CONFLICTS_SHEET = "_conflicts"
ROWS_HEADERS = ("sheet", "uuid", "hash")
#: Metadata key listing each sheet part's CRC-32 and size as written and, for a data sheet, the
#: digest of its rows' versions: ``name:crc:size:digest;...`` (readers that do not know the key
#: ignore it, so it needs no new format version).
META_SHEET_DIGESTS = "sheet_digests"
CONFLICTS_HEADERS = (
    "record_type",
    "uuid",
    "vv",
    "updated_at",
    "updated_by",
    "deleted_at",
    "values",
)
#: Workbook kinds: a full export, or a self-assessment pack for one team and stage.
KIND_FULL = "full"
KIND_PACK = "assessment-pack"
