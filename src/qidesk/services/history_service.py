"""A record's history: every version kept of it, in words, and getting an earlier one back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qidesk.services.base import NotFound, ServiceError, UnitOfWork
from qidesk.services.deleted_service import record_title, restore_with_children
from qidesk.services.reference_service import (
    COACH_ROLE_LABELS,
    COHORT_STATUS_LABELS,
    TEAM_STATUS_LABELS,
)
from qidesk.store.base import INSTALLATION_ID, SyncMixin
from qidesk.store.models.foundation import FocusArea, QualityDomain, StrategicObjective
from qidesk.store.models.history import RecordVersion, version_values
from qidesk.store.models.sync import ImportLog
from qidesk.sync import record_types
from qidesk.sync.record_types import RecordTypeSpec, ValueColumn

#: Labels for columns whose name does not read well on its own.
FIELD_LABELS = {
    "iip_accredited_on": "IiP accredited on",
    "aim_statement": "Aim statement",
    "act_decision": "Act decision",
    "do_as_planned": "Done as planned",
}

#: Words for enumerated values, by (record type, column).
CHOICE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("Cohort", "status"): COHORT_STATUS_LABELS,
    ("Team", "status"): TEAM_STATUS_LABELS,
    ("Coach", "role"): COACH_ROLE_LABELS,
}

#: Team columns holding ";"-separated codes of a reference vocabulary.
CODE_COLUMNS: dict[str, type[FocusArea] | type[StrategicObjective] | type[QualityDomain]] = {
    "focus_areas": FocusArea,
    "strategic_objectives": StrategicObjective,
    "quality_domains": QualityDomain,
}

#: Shown for a value that is not set.
EMPTY = "—"


@dataclass(frozen=True)
class HistoryField:
    """One value of a version, in words, and whether it differs from the version before."""

    key: str
    label: str
    value: str
    changed: bool


@dataclass(frozen=True)
class VersionEntry:
    """One version of a record."""

    #: Pass to :meth:`HistoryService.restore`.
    id: int
    rev: int
    updated_at: datetime
    #: Where it was made, short: "This computer", "Import of ward7.xlsx", "Another installation
    #: (1a2b3c4d)".
    source: str
    #: The same in a sentence, for a tooltip or the detail view.
    source_detail: str
    deleted: bool
    #: True for the version the record holds now.
    current: bool
    #: True for the record's first known version (nothing to compare it with).
    first: bool
    fields: tuple[HistoryField, ...]

    @property
    def changed_labels(self) -> tuple[str, ...]:
        return tuple(f.label for f in self.fields if f.changed)


@dataclass(frozen=True)
class RecordHistory:
    """A record and its versions, newest first."""

    record_type: str
    uuid: str
    title: str
    #: True when the record is deleted now.
    deleted: bool
    versions: tuple[VersionEntry, ...]

    @property
    def current(self) -> VersionEntry | None:
        return next((v for v in self.versions if v.current), None)


def field_label(key: str) -> str:
    """``coach_uuid`` -> ``Coach``; ``project_title`` -> ``Project title``."""
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    if key.endswith("_uuid"):
        key = key[: -len("_uuid")]
    return key.replace("_", " ").capitalize()


def when_text(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return f"{moment.day} {moment:%b %Y %H:%M}"
    return f"{moment.day} {moment:%b %Y}"


def _spec(record_type: str) -> RecordTypeSpec:
    try:
        return record_types.spec_for(record_type)
    except KeyError as exc:
        raise ServiceError(f"QI Desk keeps no history for “{record_type}” records.") from exc


def _same(a: Any, b: Any) -> bool:
    """Equal values, where an empty text and no value are the same (as in a workbook cell)."""
    return (None if a == "" else a) == (None if b == "" else b)


def _label_of(obj: Any, spec: RecordTypeSpec) -> str:
    if spec.record_type in ("ProgressScore", "Assessment"):  # no name: say what it is
        return record_title(obj)
    for attr in (spec.label_attr, "name", "title"):
        value = getattr(obj, attr, None)
        if value not in (None, ""):
            return str(value)
    return f"{spec.record_type} {obj.uuid[:8]}"


class _Describer:
    """Turns stored values into words: choices, codes, dates, yes/no, references by name."""

    def __init__(self, session: Session):
        self._session = session
        self._references: dict[tuple[str, str], str] = {}
        self._codes: dict[str, dict[str, str]] = {}
        self.installation_id = str(session.info.get(INSTALLATION_ID) or "")
        self._imports: dict[str, list[tuple[str, str]]] = {}
        for import_id, export_id, file_name in session.execute(
            select(ImportLog.import_id, ImportLog.export_id, ImportLog.file_name).order_by(
                ImportLog.id
            )
        ):
            if import_id:
                self._imports.setdefault(import_id, []).append((export_id, file_name))

    def reference(self, ref_type: str, uuid: str) -> str:
        key = (ref_type, uuid)
        if key not in self._references:
            spec = record_types.spec_for(ref_type)
            obj = self._session.get(spec.model, uuid)
            if obj is None:
                label = f"{ref_type} {uuid[:8]} (not in this database)"
            else:
                label = _label_of(obj, spec)
                if ref_type == "Cohort":
                    from qidesk.services.cohort_service import namesake_suffix

                    label += namesake_suffix(self._session, uuid)
                if obj.deleted_at is not None:
                    label += " (deleted)"
            self._references[key] = label
        return self._references[key]

    def codes(self, key: str, text: str) -> str:
        if key not in self._codes:
            model = CODE_COLUMNS[key]
            self._codes[key] = dict(self._session.execute(select(model.code, model.title)).all())
        titles = self._codes[key]
        codes = [c for c in (p.strip() for p in text.split(";")) if c]
        return "; ".join(titles.get(c, c) for c in codes) or EMPTY

    def value(self, spec: RecordTypeSpec, column: ValueColumn, value: Any) -> str:
        if value is None or value == "":
            return EMPTY
        kind = column.kind
        try:
            if kind == record_types.REF:
                return self.reference(column.ref_type, str(value))
            if kind == record_types.BOOL:
                return "Yes" if value else "No"
            if kind == record_types.DATE:
                return when_text(date.fromisoformat(str(value)[:10]))
            if kind == record_types.DATETIME:
                return when_text(datetime.fromisoformat(str(value)))
        except ValueError:
            return str(value)
        if kind == record_types.ENUM:
            labels = CHOICE_LABELS.get((spec.record_type, column.key))
            if labels is not None:
                return labels.get(str(value), str(value))
            return str(value).replace("_", " ").capitalize()
        if spec.record_type == "Team" and column.key in CODE_COLUMNS:
            return self.codes(column.key, str(value))
        return str(value)

    def source(self, version: RecordVersion) -> tuple[str, str]:
        """(short, sentence) saying where ``version`` was made and how it came here."""
        by = version.updated_by
        if version.origin == "local":
            if by == self.installation_id or not by:
                return "This computer", "Edited on this computer."
            return (
                f"Another installation ({by[:8]})",
                f"Made on another installation ({by[:8]}).",
            )
        files = self._imports.get(version.origin)
        if not files:
            return (
                f"Another installation ({by[:8]})",
                f"Made on another installation ({by[:8]}) and received in an import.",
            )
        edited_in = next((name for export_id, name in files if export_id == by), None)
        if edited_in is not None:
            return (
                f"Import of {edited_in}",
                f"Typed into the spreadsheet {edited_in} and imported from it.",
            )
        names = ", ".join(dict.fromkeys(name for _export, name in files))
        where = (
            "this computer" if by == self.installation_id else f"another installation ({by[:8]})"
        )
        return f"Import of {names}", f"Made on {where}; imported from {names}."


def _typed(column: ValueColumn, value: Any) -> Any:
    """The Python value to store in ``column`` for a value of the history."""
    if value is None or (value == "" and column.kind != record_types.TEXT):
        return (
            ""
            if column.kind in (record_types.TEXT, record_types.ENUM) and not column.nullable
            else None
        )
    kind = column.kind
    if kind == record_types.DATE:
        return date.fromisoformat(str(value)[:10])
    if kind == record_types.DATETIME:
        return datetime.fromisoformat(str(value))
    if kind == record_types.BOOL:
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
    if kind == record_types.INT:
        return int(value)
    if kind == record_types.FLOAT:
        return float(value)
    return value if isinstance(value, str) else str(value)


class HistoryService:
    """Read a record's versions and restore one of them as a new edit."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def history(self, record_type: str, uuid: str) -> RecordHistory:
        """Every version of the record, newest first, with the values in words."""
        spec = _spec(record_type)
        with self._unit_of_work() as session:
            obj = session.get(spec.model, uuid)
            rows = list(
                session.scalars(
                    select(RecordVersion)
                    .where(
                        RecordVersion.record_type == record_type,
                        RecordVersion.record_uuid == uuid,
                    )
                    .order_by(RecordVersion.updated_at, RecordVersion.id)
                )
            )
            if obj is None and not rows:
                raise NotFound(f"That {record_type.lower()} does not exist.")
            describer = _Describer(session)
            current_id = _current_version_id(obj, rows)
            entries: list[VersionEntry] = []
            previous: dict[str, Any] | None = None
            previous_deleted = False
            for row in rows:  # oldest first, so each is compared with the one before
                values = version_values(row.data)
                fields = []
                for column in spec.columns:
                    raw = values.get(column.key)
                    changed = previous is not None and not _same(raw, previous.get(column.key))
                    fields.append(
                        HistoryField(
                            column.key,
                            field_label(column.key),
                            describer.value(spec, column, raw),
                            changed,
                        )
                    )
                deleted = row.deleted_at is not None
                fields.append(
                    HistoryField(
                        "deleted",
                        "Deleted",
                        f"Yes ({when_text(row.deleted_at)})" if row.deleted_at else "No",
                        previous is not None and deleted != previous_deleted,
                    )
                )
                short, sentence = describer.source(row)
                entries.append(
                    VersionEntry(
                        id=row.id,
                        rev=row.rev,
                        updated_at=row.updated_at,
                        source=short,
                        source_detail=sentence,
                        deleted=deleted,
                        current=row.id == current_id,
                        first=previous is None,
                        fields=tuple(fields),
                    )
                )
                previous, previous_deleted = values, deleted
            if obj is not None:
                title = _label_of(obj, spec)
            else:
                last = version_values(rows[-1].data)
                title = str(last.get(spec.label_attr) or f"{record_type} {uuid[:8]}")
            deleted_now = obj.deleted_at is not None if obj is not None else True
        entries.reverse()
        return RecordHistory(record_type, uuid, title, deleted_now, tuple(entries))

    def restore(self, record_type: str, uuid: str, version_id: int) -> None:
        """Make version ``version_id``'s values the record's current values, as a new edit made
        here (a deleted record comes back, with what was deleted together with it).

        Refused (ServiceError, nothing changed) when the version is not the record's, records
        the deletion itself, is already what the record holds, or refers to a record that is
        deleted or missing here.
        """
        spec = _spec(record_type)
        try:
            with self._unit_of_work() as session:
                version = session.get(RecordVersion, version_id)
                if (
                    version is None
                    or version.record_type != record_type
                    or version.record_uuid != uuid
                ):
                    raise ServiceError("That version is not one of this record's versions.")
                if version.deleted_at is not None:
                    raise ServiceError(
                        "That version records the deletion. Choose the version before it to get "
                        "those values back."
                    )
                obj = session.get(spec.model, uuid)
                if obj is None:
                    raise NotFound(f"That {record_type.lower()} is not in this database.")
                values = version_values(version.data)
                new_values = {
                    column.key: _typed(column, values[column.key])
                    for column in spec.columns
                    if column.key in values
                }
                _check_references(session, spec, obj, new_values)
                undelete = obj.deleted_at is not None
                if undelete:
                    restore_with_children(session, obj)
                changed = False
                for key, value in new_values.items():
                    if not _same(getattr(obj, key), value):
                        setattr(obj, key, value)
                        changed = True
                if not changed and not undelete:
                    raise ServiceError(
                        f"The {record_type.lower()} already holds that version's values: "
                        "there is nothing to restore."
                    )
                session.flush()
        except IntegrityError as exc:
            raise ServiceError(
                "That version refers to a record this database does not have, so it cannot be "
                "restored. Nothing was changed."
            ) from exc


def _current_version_id(obj: SyncMixin | None, rows: list[RecordVersion]) -> int | None:
    """The history row of the version the record holds now (its vector and deletion state)."""
    if not rows:
        return None
    if obj is not None:
        matching = [
            r for r in rows if r.vv == obj.vv and (r.deleted_at is None) == (obj.deleted_at is None)
        ]
        if matching:
            return max(matching, key=lambda r: r.id).id
    return max(rows, key=lambda r: (r.updated_at, r.id)).id


def _check_references(
    session: Session, spec: RecordTypeSpec, obj: SyncMixin, new_values: dict[str, Any]
) -> None:
    """Refuse values that would point at a record that is missing, or newly at a deleted one."""
    for column in spec.columns:
        if column.kind != record_types.REF:
            continue
        target_uuid = new_values.get(column.key)
        if not target_uuid:
            continue
        target_spec = record_types.spec_for(column.ref_type)
        target = session.get(target_spec.model, target_uuid)
        what = column.ref_type.lower()
        if target is None:
            raise ServiceError(
                f"That version's {field_label(column.key).lower()} is a {what} this database "
                "does not have, so it cannot be restored. Nothing was changed."
            )
        if target.deleted_at is not None and (
            not column.nullable or getattr(obj, column.key) != target_uuid
        ):
            name = _label_of(target, target_spec)
            raise ServiceError(
                f"That version's {field_label(column.key).lower()}, “{name}”, "
                f"is deleted. Restore the {what} from Recently deleted first, then this version."
            )
