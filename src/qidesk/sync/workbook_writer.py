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
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.store.base import json_value
from qidesk.sync.cells import MAX_CELL_TEXT, escape_xml_text, needs_text_guard, row_hash
from qidesk.sync.record_types import (
    CONFLICTS_HEADERS,
    CONFLICTS_SHEET,
    FORMAT_NAME,
    FORMAT_VERSION,
    KIND_FULL,
    META_SHEET,
    META_SHEET_DIGESTS,
    ROWS_HEADERS,
    ROWS_SHEET,
    TEXT,
    RecordTypeSpec,
    all_specs,
    spec_for,
)
from qidesk.sync.versions import version_fingerprint, versions_digest


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
    text_keys = {c.key for c in spec.columns if c.kind == TEXT and not c.nullable}
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


def _iso(stamp: datetime | None) -> str | None:
    return None if stamp is None else stamp.isoformat(sep=" ")


# The full export is written by a small streaming SpreadsheetML writer: openpyxl (pure-Python
# XML) writes about 2,000 rows a second, this about ten times more. The pack, which needs
# protection, validation and comments, is written with openpyxl.

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: Cell styles (indexes into cellXfs of :data:`_STYLES`).
STYLE_HEADER, STYLE_DATE, STYLE_TEXT_GUARDED, STYLE_DATETIME = 1, 2, 3, 4
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE7F0"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_EXCEL_EPOCH = date(1899, 12, 30)


def _column_letters(count: int) -> list[str]:
    return [get_column_letter(i) for i in range(1, count + 1)]


def _xml_text(text: str) -> str:
    """``text`` fit for an XML text node (OOXML escapes for control characters, then &<>)."""
    clean = escape_xml_text(text)
    if "&" in clean or "<" in clean or ">" in clean:
        clean = clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return clean


def _text_xml(ref: str, text: str) -> str:
    clean = _xml_text(text)
    style = f' s="{STYLE_TEXT_GUARDED}"' if needs_text_guard(text) else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{clean}</t></is></c>'


def _cell_xml(ref: str, value: Any) -> str:
    """One cell: text always as a string cell, dates as dates, never a formula."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _text_xml(ref, value) if value else ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        delta = value - datetime(1899, 12, 30)
        serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
        return f'<c r="{ref}" s="{STYLE_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{STYLE_DATE}"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
    return _text_xml(ref, str(value))


@dataclass
class _Sheet:
    name: str
    headers: list[str]
    rows: Iterable[list[Any]]
    widths: dict[str, float] = field(default_factory=dict)
    hidden_columns: frozenset[str] = frozenset()
    hidden: bool = False
    freeze: bool = False


def _sheet_xml_parts(sheet: _Sheet, selected: bool) -> Iterator[str]:
    letters = _column_letters(max(len(sheet.headers), 1))
    yield _XML_HEAD + f'<worksheet xmlns="{_NS}" xmlns:r="{_NS_R}">'
    view = ' tabSelected="1"' if selected else ""
    yield f'<sheetViews><sheetView workbookViewId="0"{view}>'
    if sheet.freeze:
        yield (
            '<pane xSplit="1" ySplit="1" topLeftCell="B2" activePane="bottomRight" '
            'state="frozen"/><selection pane="bottomRight" activeCell="B2" sqref="B2"/>'
        )
    yield '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>'
    for index, key in enumerate(sheet.headers, start=1):
        width = sheet.widths.get(key, 18)
        hidden = ' hidden="1"' if key in sheet.hidden_columns else ""
        yield f'<col min="{index}" max="{index}" width="{width}" customWidth="1"{hidden}/>'
    yield "</cols><sheetData>"
    header = "".join(
        f'<c r="{letter}1" s="{STYLE_HEADER}" t="inlineStr"><is><t>{_xml_text(key)}</t></is></c>'
        for letter, key in zip(letters, sheet.headers, strict=False)
    )
    yield f'<row r="1">{header}</row>'
    chunk: list[str] = []
    for number, row in enumerate(sheet.rows, start=2):
        cells = "".join(
            _cell_xml(f"{letter}{number}", value)
            for letter, value in zip(letters, row, strict=False)
        )
        chunk.append(f'<row r="{number}">{cells}</row>')
        if len(chunk) >= 500:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
    yield "</sheetData></worksheet>"


def _write_package(
    path: Path,
    sheets: list[_Sheet],
    meta: ExportMeta,
    digests: dict[str, tuple[int, int]] | None = None,
) -> None:
    """Write ``sheets`` as an .xlsx package at ``path`` (the first visible sheet is active).

    With ``digests``, each sheet's CRC-32 and size are put in it as soon as the sheet is written,
    and the metadata sheet is written last (so its rows can list them)."""
    first_visible = next(i for i, s in enumerate(sheets) if not s.hidden)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            _XML_HEAD
            + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            f"{overrides}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            _XML_HEAD + f'<Relationships xmlns="{_NS_PKG}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>",
        )
        stamp = meta.exported_at.replace(microsecond=0).isoformat() + "Z"
        archive.writestr(
            "docProps/core.xml",
            _XML_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:creator>QI Desk</dc:creator><dc:title>QI Desk export</dc:title>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>",
        )
        archive.writestr(
            "docProps/app.xml",
            _XML_HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/'
            '2006/extended-properties"><Application>QI Desk</Application>'
            f"<AppVersion>{escape(meta.app_version)}</AppVersion></Properties>",
        )
        sheet_entries = "".join(
            f'<sheet name="{escape(s.name)}" sheetId="{i}"'
            + (' state="hidden"' if s.hidden else "")
            + f' r:id="rId{i}"/>'
            for i, s in enumerate(sheets, start=1)
        )
        archive.writestr(
            "xl/workbook.xml",
            _XML_HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_NS_R}">'
            f'<bookViews><workbookView activeTab="{first_visible}" firstSheet="0"/></bookViews>'
            f"<sheets>{sheet_entries}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_NS_R}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            _XML_HEAD + f'<Relationships xmlns="{_NS_PKG}">{rels}'
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{_NS_R}/styles" '
            'Target="styles.xml"/></Relationships>',
        )
        archive.writestr("xl/styles.xml", _STYLES)
        numbered = list(enumerate(sheets, start=1))
        if digests is not None:
            numbered.sort(key=lambda item: item[1].name == META_SHEET)
        for i, sheet in numbered:
            member = f"xl/worksheets/sheet{i}.xml"
            with archive.open(member, "w", force_zip64=True) as raw:
                for part in _sheet_xml_parts(sheet, selected=i - 1 == first_visible):
                    raw.write(part.encode("utf-8"))
            if digests is not None:
                info = archive.getinfo(member)
                digests[sheet.name] = (info.CRC, info.file_size)


def _data_sheet(
    spec: RecordTypeSpec,
    rows: list[ExportRow],
    labels: dict[str, dict[str, str]],
    hashes: list[list[Any]],
    versions: dict[str, str],
) -> _Sheet:
    """The sheet of one record type; writing it fills ``hashes`` (the ``_rows`` entries) and
    ``versions`` (the sheet's :func:`versions_digest`)."""
    widths: dict[str, float] = {"uuid": 38, "vv": 40, "updated_at": 28, "updated_by": 38}
    widths["deleted_at"] = 28
    for col in spec.columns:
        widths[col.key] = col.width
        if col.label_key:
            widths[col.label_key] = 28
    ref_columns = [(c.key, c.label_key, labels.get(c.ref_type, {})) for c in spec.columns]

    def body() -> Iterator[list[Any]]:
        fingerprints: list[str] = []
        for row in rows:
            out: list[Any] = [row.uuid]
            for key, label_key, label_map in ref_columns:
                value = row.values[key]
                out.append(value)
                if label_key:
                    out.append(label_map.get(value, "") if value else None)
            out.append(row.vv)
            out.append(_iso(row.updated_at))
            out.append(row.updated_by)
            out.append(_iso(row.deleted_at))
            digest = row_hash(row.values, row.deleted_at)
            hashes.append([spec.sheet, row.uuid, digest])
            fingerprints.append(
                version_fingerprint(
                    spec.record_type, row.uuid, row.vv, row.updated_at, row.updated_by, digest
                )
            )
            yield out
        versions[spec.sheet] = versions_digest(fingerprints)

    return _Sheet(
        name=spec.sheet,
        headers=spec.headers(),
        rows=body(),
        widths=widths,
        hidden_columns=frozenset({"vv", "updated_by"}),
        freeze=True,
    )


def _meta_rows(
    meta: ExportMeta,
    data: ExportData,
    digests: dict[str, tuple[int, int]],
    versions: dict[str, str],
) -> Iterator[list[Any]]:
    """The metadata rows; ``digests`` and ``versions`` are read only when the rows are written
    (the package writes ``_meta`` after every other sheet, so they are complete by then)."""
    fixed: list[list[Any]] = [
        ["format", FORMAT_NAME],
        ["format_version", FORMAT_VERSION],
        ["kind", meta.kind],
        ["app_version", meta.app_version],
        ["export_id", meta.export_id],
        ["installation_id", meta.installation_id],
        ["exported_at", _iso(meta.exported_at)],
        ["scope", data.scope],
        ["rows", data.row_count],
        ["sheets", ";".join(spec.sheet for spec, _ in data.tables)],
    ]
    yield from fixed
    yield [
        META_SHEET_DIGESTS,
        ";".join(
            f"{name}:{crc:08x}:{size}:{versions.get(name, '')}"
            for name, (crc, size) in sorted(digests.items())
        ),
    ]


def _conflict_rows(heads: list[ConflictHead]) -> Iterator[list[Any]]:
    for head in heads:
        values = json.dumps(
            {k: json_value(v) for k, v in head.values.items()}, sort_keys=True, ensure_ascii=False
        )
        yield [
            head.record_type,
            head.uuid,
            head.vv,
            _iso(head.updated_at),
            head.updated_by,
            _iso(head.deleted_at),
            values,
        ]


def write_workbook(path: Path, data: ExportData, meta: ExportMeta) -> None:
    """Write the export's sheets (data, then the hidden ``_meta``, ``_rows``, ``_conflicts``)."""
    hashes: list[list[Any]] = []
    digests: dict[str, tuple[int, int]] = {}
    versions: dict[str, str] = {}
    sheets = [_data_sheet(spec, rows, data.labels, hashes, versions) for spec, rows in data.tables]
    sheets.append(
        _Sheet(
            META_SHEET,
            ["key", "value"],
            _meta_rows(meta, data, digests, versions),
            {"key": 20, "value": 40},
            hidden=True,
        )
    )
    # The hashes are filled while the data sheets are written (they come after them).
    sheets.append(_Sheet(ROWS_SHEET, list(ROWS_HEADERS), hashes, hidden=True))
    sheets.append(
        _Sheet(
            CONFLICTS_SHEET,
            list(CONFLICTS_HEADERS),
            _conflict_rows(data.conflict_heads),
            hidden=True,
        )
    )
    _write_package(path, sheets, meta, digests)


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


def check_text_lengths(spec: RecordTypeSpec, rows: Iterable[ExportRow]) -> None:
    """ExportError naming the first record with a text longer than a spreadsheet cell holds
    (32,767 characters): such a cell is cut short by Excel, and refused by the reader, so the
    whole workbook could not be imported anywhere. Nothing is written then."""
    keys = [c.key for c in spec.columns if c.kind == TEXT]
    if not keys:
        return
    for row in rows:
        for key in keys:
            value = row.values.get(key)
            if type(value) is str and len(value) > MAX_CELL_TEXT:
                name = row.values.get(spec.label_attr) or row.uuid
                raise ExportError(
                    f"{spec.sheet}: the {key.replace('_', ' ')} of “{name}” is "
                    f"{len(value):,} characters long; a spreadsheet cell holds at most "
                    f"{MAX_CELL_TEXT:,}. Shorten it in QI Desk and export again. Nothing was "
                    "written."
                )


def write_export(target: Path, data: ExportData, meta: ExportMeta) -> None:
    """Write ``data`` as a full-export workbook at ``target`` (atomically)."""
    if not Path(target).parent.is_dir():
        raise ExportError(f"The folder {Path(target).parent} does not exist.")
    for spec, rows in data.tables:
        check_text_lengths(spec, rows)
    save_atomically(lambda p: write_workbook(p, data, meta), target)
