"""Full export: every travelling record of the chosen cohorts and teams, one sheet per type.

The data sheets are for people as much as for QI Desk (real dates, names beside ids, a frozen
header row); the hidden sheets ``_meta``, ``_rows`` and ``_conflicts`` hold the format, the hash
of each exported row (to tell spreadsheet edits later) and the losing heads of records in
conflict. The file is written to a temporary file beside the target and renamed into place.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.store.base import json_value
from qidesk.sync.cells import is_plain_safe_text, row_hash, set_text
from qidesk.sync.record_types import (
    CONFLICTS_HEADERS,
    CONFLICTS_SHEET,
    FORMAT_NAME,
    FORMAT_VERSION,
    KIND_FULL,
    META_SHEET,
    ROWS_HEADERS,
    ROWS_SHEET,
    TEXT,
    RecordTypeSpec,
    all_specs,
    spec_for,
)

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
LABEL_FONT = Font(italic=True, color="555555")


class ExportError(Exception):
    """The workbook could not be written (message says why; no partial file is left)."""


class ScopeError(ExportError):
    """A cohort or team named for the export does not exist."""


@dataclass(frozen=True)
class ExportRow:
    """One record's current version, ready to write."""

    uuid: str
    values: dict[str, Any]
    vv: str
    updated_at: datetime
    updated_by: str
    deleted_at: datetime | None


@dataclass(frozen=True)
class ConflictHead:
    """A non-winning head of a record in conflict (written to the hidden conflicts sheet)."""

    record_type: str
    uuid: str
    vv: str
    updated_at: datetime
    updated_by: str
    deleted_at: datetime | None
    values: dict[str, Any]


@dataclass
class ExportData:
    """What one export writes, read in one transaction."""

    tables: list[tuple[RecordTypeSpec, list[ExportRow]]]
    labels: dict[str, dict[str, str]]
    conflict_heads: list[ConflictHead] = field(default_factory=list)
    scope: str = "everything"

    @property
    def row_count(self) -> int:
        return sum(len(rows) for _, rows in self.tables)


@dataclass(frozen=True)
class ExportMeta:
    export_id: str
    installation_id: str
    exported_at: datetime
    app_version: str
    kind: str = KIND_FULL


# ---- collecting from the database -------------------------------------------------------------


def _rows_of(session: Session, spec: RecordTypeSpec, where: Any = None) -> list[ExportRow]:
    table = spec.model.__table__  # type: ignore[attr-defined]
    stmt = select(table)
    if where is not None:
        stmt = stmt.where(where(table))
    stmt = stmt.order_by(table.c.uuid)
    keys = spec.value_keys
    text_keys = {c.key for c in spec.columns if c.kind == TEXT}
    out = []
    for row in session.execute(stmt).mappings():
        values = {k: ("" if row[k] is None and k in text_keys else row[k]) for k in keys}
        out.append(
            ExportRow(
                uuid=row["uuid"],
                values=values,
                vv=row["vv"],
                updated_at=row["updated_at"],
                updated_by=row["updated_by"],
                deleted_at=row["deleted_at"],
            )
        )
    return out


def resolve_scope(
    session: Session, cohort_names: Sequence[str] = (), team_names: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """The uuids of the cohorts and teams with these names; ScopeError names any unknown one."""
    from qidesk.store.models import Cohort, Team

    cohort_ids: list[str] = []
    team_ids: list[str] = []
    missing = []
    for name in cohort_names:
        found = session.scalars(
            select(Cohort.uuid).where(Cohort.name == name, Cohort.deleted_at.is_(None))
        ).all()
        if not found:
            missing.append(f"no cohort named {name!r}")
        cohort_ids.extend(found)
    for name in team_names:
        found = session.scalars(
            select(Team.uuid).where(Team.name == name, Team.deleted_at.is_(None))
        ).all()
        if not found:
            missing.append(f"no team named {name!r}")
        team_ids.extend(found)
    if missing:
        raise ScopeError("; ".join(missing))
    return cohort_ids, team_ids


def collect_export(
    session: Session,
    *,
    cohorts: Sequence[str] = (),
    teams: Sequence[str] = (),
    conflict_heads: Callable[[Session], Iterable[Any]] | None = None,
) -> ExportData:
    """Read what an export of the ``cohorts`` and ``teams`` (uuids; none = everything) holds.

    A chosen cohort brings all its teams; a chosen team brings its cohort (so its references
    resolve on an empty database) but not the cohort's other teams. Records placed in a team or
    cohort (members, assessments, ...) follow their team; others (coaches, templates) all go.
    Tombstones are included.
    """
    from qidesk.store.models import Cohort, Team

    specs = all_specs()
    included: dict[str, set[str] | None] = {s.record_type: None for s in specs}
    scope = "everything"
    if cohorts or teams:
        cohort_ids = set(cohorts)
        team_ids = set(teams)
        team_ids.update(
            session.scalars(select(Team.uuid).where(Team.cohort_uuid.in_(cohort_ids))).all()
        )
        cohort_ids.update(
            session.scalars(select(Team.cohort_uuid).where(Team.uuid.in_(team_ids))).all()
        )
        included[Cohort.record_type] = cohort_ids
        included[Team.record_type] = team_ids
        names = session.scalars(select(Cohort.name).where(Cohort.uuid.in_(cohorts))).all()
        team_names = session.scalars(select(Team.name).where(Team.uuid.in_(teams))).all()
        scope = "; ".join([*(f"cohort {c}" for c in names), *(f"team {t}" for t in team_names)])
    tables: list[tuple[RecordTypeSpec, list[ExportRow]]] = []
    for spec in specs:
        chosen = included[spec.record_type]
        if chosen is None and spec.scope_column and (cohorts or teams):
            parent_type = next(c.ref_type for c in spec.columns if c.key == spec.scope_column)
            parent_ids = included.get(parent_type)
            if parent_ids is not None:
                rows = [
                    r
                    for r in _rows_of(session, spec)
                    if r.values.get(spec.scope_column) in parent_ids
                ]
                included[spec.record_type] = {r.uuid for r in rows}
                tables.append((spec, rows))
                continue
        if chosen is not None:
            rows = [r for r in _rows_of(session, spec) if r.uuid in chosen]
        else:
            rows = _rows_of(session, spec)
        tables.append((spec, rows))
    labels = _labels(session, specs)
    heads: list[ConflictHead] = []
    if conflict_heads is not None:
        exported = {spec.record_type: {r.uuid for r in rows} for spec, rows in tables}
        for head in conflict_heads(session):
            if head.uuid in exported.get(head.record_type, set()):
                heads.append(
                    ConflictHead(
                        record_type=head.record_type,
                        uuid=head.uuid,
                        vv=head.vv,
                        updated_at=head.updated_at,
                        updated_by=head.updated_by,
                        deleted_at=head.deleted_at,
                        values=dict(head.values),
                    )
                )
    return ExportData(tables=tables, labels=labels, conflict_heads=heads, scope=scope)


def _labels(session: Session, specs: list[RecordTypeSpec]) -> dict[str, dict[str, str]]:
    """uuid -> readable name for every record type that some column refers to."""
    referred = {c.ref_type for s in specs for c in s.columns if c.ref_type}
    labels: dict[str, dict[str, str]] = {}
    for record_type in referred:
        spec = spec_for(record_type)
        table = spec.model.__table__  # type: ignore[attr-defined]
        column = table.c[spec.label_attr]
        labels[record_type] = {
            u: "" if v is None else str(v)
            for u, v in session.execute(select(table.c.uuid, column)).all()
        }
    return labels


# ---- writing --------------------------------------------------------------------------------


def _text_cell(ws: Any, text: str) -> Any:
    return set_text(WriteOnlyCell(ws), text)


def _cell_value(ws: Any, value: Any) -> Any:
    """A value for ``ws.append``: plain values as they are, risky text as a guarded cell."""
    if isinstance(value, str) and not is_plain_safe_text(value):
        return _text_cell(ws, value)
    return value


def _iso(stamp: datetime | None) -> str | None:
    return None if stamp is None else stamp.isoformat(sep=" ")


def _header_row(ws: Any, headers: Sequence[str]) -> list[Any]:
    cells = []
    for key in headers:
        cell = WriteOnlyCell(ws, value=key)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cells.append(cell)
    return cells


def _write_data_sheet(
    wb: Workbook,
    spec: RecordTypeSpec,
    rows: list[ExportRow],
    labels: dict[str, dict[str, str]],
    hashes: list[tuple[str, str, str]],
) -> None:
    ws = wb.create_sheet(spec.sheet)
    headers = spec.headers()
    widths: dict[str, int] = {"uuid": 38, "vv": 40, "updated_at": 28, "updated_by": 38}
    widths["deleted_at"] = 28
    for col in spec.columns:
        widths[col.key] = col.width
        if col.label_key:
            widths[col.label_key] = 28
    for index, key in enumerate(headers, start=1):
        dim = ws.column_dimensions[get_column_letter(index)]
        dim.width = widths.get(key, 18)
        if key in ("vv", "updated_by"):
            dim.hidden = True
    ws.freeze_panes = "B2"
    ws.append(_header_row(ws, headers))
    ref_columns = [(c.key, c.label_key, labels.get(c.ref_type, {})) for c in spec.columns]
    for row in rows:
        out: list[Any] = [row.uuid]
        for key, label_key, label_map in ref_columns:
            value = row.values[key]
            out.append(_cell_value(ws, value))
            if label_key:
                out.append(_cell_value(ws, label_map.get(value, "")) if value else None)
        out.append(row.vv)
        out.append(_iso(row.updated_at))
        out.append(row.updated_by)
        out.append(_iso(row.deleted_at))
        ws.append(out)
        hashes.append((spec.sheet, row.uuid, row_hash(row.values, row.deleted_at)))


def _write_meta(
    wb: Workbook, meta: ExportMeta, data_scope: str, row_count: int, sheets: list[str]
) -> None:
    ws = wb.create_sheet(META_SHEET)
    ws.sheet_state = "hidden"
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 40
    ws.append(_header_row(ws, ["key", "value"]))
    for key, value in (
        ("format", FORMAT_NAME),
        ("format_version", FORMAT_VERSION),
        ("kind", meta.kind),
        ("app_version", meta.app_version),
        ("export_id", meta.export_id),
        ("installation_id", meta.installation_id),
        ("exported_at", _iso(meta.exported_at)),
        ("scope", data_scope),
        ("rows", row_count),
        ("sheets", ";".join(sheets)),
    ):
        ws.append([key, _cell_value(ws, value)])


def _write_hashes(wb: Workbook, hashes: list[tuple[str, str, str]]) -> None:
    ws = wb.create_sheet(ROWS_SHEET)
    ws.sheet_state = "hidden"
    ws.append(_header_row(ws, ROWS_HEADERS))
    for entry in hashes:
        ws.append(list(entry))


def _write_conflicts(wb: Workbook, heads: list[ConflictHead]) -> None:
    ws = wb.create_sheet(CONFLICTS_SHEET)
    ws.sheet_state = "hidden"
    ws.append(_header_row(ws, CONFLICTS_HEADERS))
    for head in heads:
        values = json.dumps(
            {k: json_value(v) for k, v in head.values.items()}, sort_keys=True, ensure_ascii=False
        )
        ws.append(
            [
                head.record_type,
                head.uuid,
                head.vv,
                _iso(head.updated_at),
                head.updated_by,
                _iso(head.deleted_at),
                _cell_value(ws, values),
            ]
        )


def build_workbook(data: ExportData, meta: ExportMeta) -> Workbook:
    """The export as an openpyxl write-only workbook (not yet saved)."""
    wb = Workbook(write_only=True)
    hashes: list[tuple[str, str, str]] = []
    for spec, rows in data.tables:
        _write_data_sheet(wb, spec, rows, data.labels, hashes)
    _write_meta(wb, meta, data.scope, data.row_count, [spec.sheet for spec, _ in data.tables])
    _write_hashes(wb, hashes)
    _write_conflicts(wb, data.conflict_heads)
    return wb


def save_atomically(save: Callable[[Path], None], target: Path) -> None:
    """Call ``save(temp_path)`` for a temp file beside ``target``, then rename it into place.

    Any failure (full disk, no permission, target open and locked) raises ExportError with the
    reason, and leaves neither a partial file nor a changed target.
    """
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(f"The folder {folder} does not exist.")
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.stem}-", suffix=".xlsx.part", dir=folder
        )
        os.close(handle)
    except OSError as exc:
        raise ExportError(f"Cannot write in {folder}: {exc.strerror or exc}.") from exc
    temp = Path(temp_name)
    try:
        save(temp)
        _set_mode(temp, target)
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except PermissionError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise ExportError(
            f"Cannot write {target}: permission denied. If the file is open in Excel or "
            "LibreOffice, close it there and try again."
        ) from exc
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        reason = exc.strerror or str(exc)
        raise ExportError(f"Cannot write {target}: {reason}. Nothing was written.") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _set_mode(temp: Path, target: Path) -> None:
    """Give the new file the target's permissions (or the usual ones), not mkstemp's 0600."""
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(temp, mode)


def write_export(target: Path, data: ExportData, meta: ExportMeta) -> None:
    """Write ``data`` as a full-export workbook at ``target`` (atomically)."""
    wb = build_workbook(data, meta)
    save_atomically(lambda p: wb.save(p), target)
