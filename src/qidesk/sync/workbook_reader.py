"""Read a QI Desk workbook into incoming versions, collecting every problem with its location.

python-calamine parses the cells (it refuses XML entity bombs); before it does, a bounded scan of
each worksheet's XML refuses cells beyond the row and column caps (a lying ``dimension`` or one
far-away cell must not make a reader allocate millions of cells) and finds formula cells, which
calamine cannot see. Rows whose values no longer match the hash written at export were edited in
the spreadsheet: they become a new version whose origin is the workbook's export id.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import operator
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import Any

import python_calamine
from defusedxml import ElementTree as SafeET

from qidesk.core.ids import natural_uuid
from qidesk.core.version_vector import VersionVector
from qidesk.sync.cells import (
    MAX_CELL_TEXT,
    CellError,
    convert,
    is_blank,
    row_hash,
    row_hashes,
    to_datetime,
    to_text,
)
from qidesk.sync.preflight import MAX_ENTRY_BYTES, PreflightResult
from qidesk.sync.record_types import (
    BOOL,
    CONFLICTS_HEADERS,
    CONFLICTS_SHEET,
    DATE,
    DATETIME,
    ENUM,
    FLOAT,
    FORMAT_NAME,
    FORMAT_VERSION,
    INT,
    KIND_FULL,
    KIND_PACK,
    META_SHEET,
    META_SHEET_DIGESTS,
    REF,
    ROWS_SHEET,
    TEXT,
    RecordTypeSpec,
    ValueColumn,
    all_specs,
    spec_for,
)
from qidesk.sync.validate import MAX_PROBLEMS_PER_FILE, Problem
from qidesk.sync.versions import (
    CellRef,
    IncomingVersion,
    VersionColumns,
    cell_ref,
    incoming_version,
    pack_versions,
    version_fingerprint,
    version_fingerprints,
    versions_digest,
)

#: Caps on what is read of one sheet (QI Desk's widest sheet has about 25 columns).
MAX_ROWS = 1_048_576  # Excel's own limit
#: Rows may skip (blank rows are not written), but a sheet whose last row lies far beyond the
#: rows it has is refused: calamine would allocate every cell up to it.
SPARSE_ROW_ALLOWANCE = 1000
MAX_COLUMNS = 64
#: Formula cells listed one by one per sheet (more are counted).
MAX_FORMULA_REPORTS = 20
#: Sheets every full export has, whatever version wrote it.
CORE_SHEETS = ("Cohorts", "Coaches", "Teams", "Members")

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
#: Quick pre-checks (the regex engine's literal scan beats ``bytes in`` here): an unprefixed
#: formula tag, any prefixed ``c`` or ``f`` tag.
_PLAIN_FORMULA = re.compile(rb"<f[\s>/]")
_PREFIXED_C_OR_F = re.compile(rb":[cf][\s>/]")
_BARE_CELL = re.compile(rb"<c>")
_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s>/]")
#: The first cell after a row's start tag, in the form every writer uses; the number of
#: different rows among these is a lower bound on the number of rows that hold cells.
_FIRST_CELL_ROW = re.compile(rb'"><c r="[A-Z]{1,3}([1-9][0-9]*)"')
#: Cells written ``<c r="`` whose column lies beyond the cap (after BL), or whose row has
#: eight digits or more (beyond the row cap, or padded with zeros).
_TOO_WIDE = re.compile(rb'<c r="(?:[A-Z]{3}|[C-Z][A-Z]|B[M-Z])')
_TOO_LONG = re.compile(rb'<c r="[A-Z]{1,3}\d{8}')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d+)"')
_CELL_REF = re.compile(rb'r="([A-Z]+)(\d+)"')
#: A cell tag the counts of ``<c `` and ``<c r="`` miss (``<c`` then a line break, a tab or
#: ``/``), or whose position is not upper-case letters and digits.
_ODD_CELL = re.compile(rb'<c(?:[\t\n\r\f\v/]| r="(?![A-Z]{1,3}[0-9]+"))')
#: Slow path: any cell start tag, and its position attribute however it is quoted.
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s>/])([^>]*)>")
_POSITION = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]+)(\d+)["']""")
#: Columns A to BL (MAX_COLUMNS), as written in a cell position.
_COLUMN_WITHIN_CAP = "(?:[A-Z]|A[A-Z]|B[A-L])"


_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
#: A version vector already in canonical form (what QI Desk writes): checked without parsing.
_VECTOR_TEXT = re.compile(r"(?:[^:;\s]+:[1-9][0-9]*)(?:;[^:;\s]+:[1-9][0-9]*)*\Z")


def is_uuid_text(text: str) -> bool:
    """True for a lowercase, hyphenated uuid (the form QI Desk writes)."""
    return _UUID_TEXT.match(text) is not None


_HEX_DIGITS = b"0123456789abcdef"


def are_uuid_texts(texts: list[str]) -> bool:
    """True when every text is a lowercase, hyphenated uuid (:func:`is_uuid_text` of each,
    checked on all of them at once: several times faster than a match per text)."""
    count = len(texts)
    if not count:
        return True
    if set(map(len, texts)) != {36}:
        return False
    try:
        joined = "".join(texts).encode("ascii")
    except UnicodeEncodeError:
        return False
    # Hyphens at 8, 13, 18 and 23 of each text, and nothing else but lowercase hex digits.
    hyphens = b"-" * count
    return (
        joined[8::36] == hyphens
        and joined[13::36] == hyphens
        and joined[18::36] == hyphens
        and joined[23::36] == hyphens
        and joined.translate(None, _HEX_DIGITS) == hyphens * 4
    )


class ReadCancelled(Exception):
    """Reading was cancelled by the user."""


@dataclass
class WorkbookMeta:
    """The hidden metadata sheet's facts."""

    format: str = ""
    format_version: int = 0
    kind: str = ""
    app_version: str = ""
    export_id: str = ""
    installation_id: str = ""
    exported_at: datetime | None = None
    sheets: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class ParsedWorkbook:
    """One file read: its versions and every problem found (empty when it may be applied).

    ``versions`` are made into objects when first asked for: until then a data sheet's versions
    are kept column by column (:class:`~qidesk.sync.versions.VersionColumns`), which is also
    what travels when a worker process sends the result (see :meth:`__getstate__`)."""

    path: Path
    meta: WorkbookMeta
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file_hash: str = ""
    edited_rows: int = 0
    #: The name used in problems and sources (the file name, or its path when names repeat).
    display_name: str = ""
    #: Data sheets not read because they are byte for byte as exported and the database has
    #: merged them before (see :func:`_unchanged_known_sheets`); their records are
    #: ``known_records`` (type, uuid).
    skipped_sheets: tuple[str, ...] = ()
    known_records: list[tuple[str, str]] = field(default_factory=list)
    #: The data sheets read: (versions digest, record type, uuids), remembered once merged.
    read_sheets: list[tuple[str, str, list[str]]] = field(default_factory=list)

    #: The versions in order: lists of objects and sheets' columns not yet made into objects.
    version_parts: list[list[IncomingVersion] | VersionColumns] = field(
        default_factory=list, repr=False
    )

    def __post_init__(self) -> None:
        if not self.display_name:
            self.display_name = self.path.name

    @property
    def versions(self) -> list[IncomingVersion]:
        """Every version read, in sheet and row order (made into objects at the first call)."""
        parts = self.version_parts
        if len(parts) == 1 and type(parts[0]) is list:
            return parts[0]
        versions: list[IncomingVersion] = []
        for part in parts:
            versions.extend(part.versions() if isinstance(part, VersionColumns) else part)
        self.version_parts = [versions]
        return versions

    @versions.setter
    def versions(self, versions: list[IncomingVersion]) -> None:
        self.version_parts = [versions]

    def version_items(self) -> list[IncomingVersion | VersionColumns]:
        """The versions as read: objects and, for sheets read as columns, the columns (what
        the checks and ``merge.plan_merge`` take; no object is made here)."""
        items: list[IncomingVersion | VersionColumns] = []
        for part in self.version_parts:
            if isinstance(part, VersionColumns):
                items.append(part)
            else:
                items.extend(part)
        return items

    def record_keys(self) -> set[tuple[str, str]]:
        """(type, uuid) of every record the file holds, read or skipped as known."""
        keys = set(self.known_records)
        for part in self.version_parts:
            if isinstance(part, VersionColumns):
                keys.update((part.record_type, uuid) for uuid in part.uuids)
            else:
                keys.update((v.record_type, v.uuid) for v in part)
        return keys

    @property
    def version_count(self) -> int:
        """How many versions were read (without making objects of them)."""
        return sum(len(part) for part in self.version_parts)

    def _facts(self) -> dict[str, Any]:
        facts = {k: v for k, v in self.__dict__.items() if k != "version_parts"}
        facts["versions"] = self.versions
        return facts

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParsedWorkbook):
            return NotImplemented
        return self._facts() == other._facts()

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, Any]:
        """What pickles: versions already made into objects travel packed
        (:func:`~qidesk.sync.versions.pack_versions`), columns as they are."""
        state = dict(self.__dict__)
        parts: list[list[IncomingVersion] | VersionColumns] = []
        for part in self.version_parts:
            for item in pack_versions(part) if isinstance(part, list) else [part]:
                if isinstance(item, VersionColumns):
                    parts.append(item)
                elif parts and isinstance(parts[-1], list):
                    parts[-1].append(item)
                else:
                    parts.append([item])
        state["version_parts"] = parts
        return state

    @property
    def ok(self) -> bool:
        return not self.problems


class _Collector:
    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(
        self,
        message: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(self.file, message, sheet, row, column))

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_PROBLEMS_PER_FILE


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---- the XML scan ---------------------------------------------------------------------------


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Zip member of each sheet name (from xl/workbook.xml and its relationships)."""
    try:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, SafeET.ParseError, ValueError):
        return {}
    targets = {}
    for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
        target = rel.get("Target", "")
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        # normalise "xl/worksheets/../x.xml"
        parts: list[str] = []
        for piece in member.split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        targets[rel.get("Id", "")] = "/".join(parts)
    out = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        rel_id = sheet.get(f"{_NS_REL}id", "")
        if rel_id in targets:
            out[sheet.get("name", "")] = targets[rel_id]
    return out


def _is_boolean_constant(data: bytes, after_tag: int) -> bool:
    """True for the formula ``TRUE()`` or ``FALSE()``: how LibreOffice writes a boolean cell."""
    end = data.find(b"</", after_tag, after_tag + 64)
    if end < 0:
        return False
    body = data[after_tag:end]
    text = body[body.find(b">") + 1 :] if b">" in body else body
    return text.strip().upper() in (b"TRUE()", b"FALSE()")


def _cell_at(data: bytes, pos: int) -> tuple[int | None, str | None]:
    """Row and column letters of the cell whose XML contains position ``pos``."""
    start = max(data.rfind(b"<c ", 0, pos), data.rfind(b":c ", 0, pos))
    if start < 0:
        return None, None
    match = _CELL_REF.search(data, start, pos)
    if not match:
        return None, None
    return int(match.group(2)), match.group(1).decode()


def scan_sheet_xml(
    archive: zipfile.ZipFile,
    member: str,
    sheet: str,
    out: _Collector,
    data_columns: Callable[[str], str | None],
) -> bool:
    """Bounded scan of one worksheet part. Returns False when the sheet must not be parsed."""
    try:
        with archive.open(member) as fh:
            data = fh.read(MAX_ENTRY_BYTES + 1)
    except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
        out.add(f"the sheet's XML cannot be read ({exc})", sheet)
        return False
    except Exception as exc:  # zlib.error
        out.add(f"the sheet's XML is damaged ({exc})", sheet)
        return False
    if len(data) > MAX_ENTRY_BYTES:
        out.add("the sheet is larger than QI Desk reads (zip bomb?)", sheet)
        return False
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        out.add("the sheet's XML declares entities (a DOCTYPE); refused", sheet)
        return False
    prefixed = _PREFIXED_C_OR_F.search(data) is not None
    ok = _check_extent(data, sheet, out, maybe_prefixed=prefixed)
    found = 0
    maybe_formulas = prefixed or _PLAIN_FORMULA.search(data) is not None
    for match in _FORMULA.finditer(data) if maybe_formulas else ():
        if _is_boolean_constant(data, match.end()):
            continue  # LibreOffice writes TRUE/FALSE cells as TRUE() and FALSE()
        found += 1
        ok = False
        if found > MAX_FORMULA_REPORTS:
            continue
        row, col = _cell_at(data, match.start())
        column = data_columns(col) if col else None
        out.add(
            "this cell holds a formula; QI Desk workbooks never contain formulas. Text that "
            "starts with =, + or - becomes a formula when typed: type an apostrophe before it "
            "('=…) to keep it as text. Otherwise replace the formula with its value (copy, "
            "paste values only) and import again",
            sheet,
            row,
            column or col,
        )
    if found > MAX_FORMULA_REPORTS:
        out.add(f"{found - MAX_FORMULA_REPORTS} more cells hold formulas", sheet)
    return ok


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + (ord(ch) - 64)
    return number


def _check_extent(data: bytes, sheet: str, out: _Collector, *, maybe_prefixed: bool = True) -> bool:
    """Refuse cells beyond the caps, far-apart rows, and cells without a position.

    ``maybe_prefixed`` False says the caller found no ``:c``/``:f`` tag name (no prefixed
    cells), which spares a search."""
    prefixed = maybe_prefixed and _PREFIXED_CELL.search(data) is not None
    if not prefixed and _cells_within_caps(data):
        return True
    return _check_extent_exactly(data, sheet, out, prefixed=prefixed)


def _decimal_below(limit: int) -> str:
    """Regex matching exactly the numbers 1 to ``limit - 1`` written without leading zeros."""
    if limit <= 1:
        return "(?!)"
    top = str(limit - 1)
    if len(top) == 1:
        return f"[1-{top}]"
    branches = [f"[1-9][0-9]{{0,{len(top) - 2}}}"]  # fewer digits than ``top``
    if top[0] != "1":
        branches.append(f"[1-{int(top[0]) - 1}][0-9]{{{len(top) - 1}}}")
    branches.append(top[0] + _digits_at_most(top[1:]))
    return "(?:" + "|".join(branches) + ")"


def _digits_at_most(top: str) -> str:
    """Regex matching ``len(top)`` digits (zeros in front allowed) whose value is <= ``top``."""
    if len(top) == 1:
        return f"[0-{top}]"
    same = top[0] + _digits_at_most(top[1:])
    if top[0] == "0":
        return same
    smaller = "0" if top[0] == "1" else f"[0-{int(top[0]) - 1}]"
    return f"(?:{smaller}[0-9]{{{len(top) - 1}}}|{same})"


@functools.lru_cache(maxsize=128)
def _cell_outside(row_limit: int) -> re.Pattern[bytes]:
    """Any unprefixed cell start tag other than ``<c r="COLUMN ROW"`` with the column within
    the cap and the row from 1 to ``row_limit - 1`` (no leading zeros, nothing before ``r``)."""
    within = _COLUMN_WITHIN_CAP + _decimal_below(row_limit)
    return re.compile(rb'<c(?=[\s>/])(?! r="' + within.encode() + rb'")')


def _cells_within_caps(data: bytes) -> bool:
    """True when the sheet certainly passes :func:`_check_extent_exactly`; False means "look
    closer", not "refuse". Call only when there are no prefixed cells.

    The rows that hold cells are at least the distinct rows of the cells that open a row, so a
    sheet all of whose cells have the plain form and a row below twice that plus the allowance
    (and within the cap) has no cell far beyond its rows: one search decides, without
    collecting every cell's row."""
    limit = _two_digits_down(2 * _rows_at_least(data) + SPARSE_ROW_ALLOWANCE + 1)
    return _cell_outside(min(limit, MAX_ROWS + 1)).search(data) is None


#: Enough distinct rows to make the limit of :func:`_cells_within_caps` the row cap itself.
_ROWS_ENOUGH = (MAX_ROWS - SPARSE_ROW_ALLOWANCE + 1) // 2


def _rows_at_least(data: bytes, window: int = 1 << 22) -> int:
    """How many distinct rows the first cells of rows are in (a lower bound on the rows that
    hold cells), read a window at a time: a huge sheet never makes a list of all its cells,
    and a cell cut by a window's end is only left out (the count stays a lower bound)."""
    rows: set[bytes] = set()
    for start in range(0, len(data), window):
        rows.update(_FIRST_CELL_ROW.findall(data, start, start + window))
        if len(rows) >= _ROWS_ENOUGH:
            break
    return len(rows)


def _two_digits_down(number: int) -> int:
    """``number`` with all but its first two digits zeroed: a lower, rounder limit (stricter,
    and a dense sheet of n rows still passes) so that a few patterns serve every sheet."""
    unit = 10 ** max(len(str(number)) - 2, 0)
    return number // unit * unit


def _counts_as_plain(data: bytes) -> bool:
    """True when every ``<c `` and ``<c>`` tag starts ``<c r="`` (other forms are missed)."""
    cells = data.count(b"<c ")
    if _BARE_CELL.search(data) is not None:
        cells += data.count(b"<c>")
    return cells == data.count(b'<c r="')


def _check_extent_exactly(data: bytes, sheet: str, out: _Collector, *, prefixed: bool) -> bool:
    """Every cell's position read and checked: the column and row caps, far-apart rows."""
    if not prefixed and _counts_as_plain(data):
        # every cell tag the counts see has the plain form: what they refuse keeps its messages
        hits = [m for m in (_TOO_WIDE.search(data), _TOO_LONG.search(data)) if m]
        for match in hits:
            ref = _CELL_REF.match(data, match.start() + 3)
            row, col = (int(ref.group(2)), ref.group(1).decode()) if ref else (None, None)
            _too_far(sheet, row, col, out)
        if hits:
            return False
        if not _rows_fit({int(r) for r in set(_CELL_ROW.findall(data))}, sheet, out):
            return False
        if _ODD_CELL.search(data) is None:
            return True  # those counts and searches saw every cell
    # any form, including cells those counts miss (``<c`` then a line break, lowercase
    # columns, no position)
    rows = set()
    for match in _CELL_TAG.finditer(data):
        position = _POSITION.search(data, match.start(1), match.end(1))
        if position is None:
            out.add("the sheet has cells without a position (r attribute); refused", sheet)
            return False
        col_letters = position.group(1).decode().upper()
        row = int(position.group(2))
        if _column_number(col_letters) > MAX_COLUMNS or row > MAX_ROWS:
            _too_far(sheet, row, col_letters, out)
            return False
        rows.add(row)
    return _rows_fit(rows, sheet, out)


def _rows_fit(rows: set[int], sheet: str, out: _Collector) -> bool:
    """The sheet's rows are within the cap and not spread far beyond how many there are."""
    if not rows:
        return True
    last = max(rows)
    if last > MAX_ROWS:
        _too_far(sheet, last, None, out)
        return False
    if last > 2 * len(rows) + SPARSE_ROW_ALLOWANCE:
        out.add(
            f"the sheet has {len(rows)} rows but a cell in row {last}; refused before reading "
            "it (a reader would have to allocate every row up to it). Delete the far-away cells",
            sheet,
            last,
        )
        return False
    return True


def _too_far(sheet: str, row: int | None, col: str | None, out: _Collector) -> None:
    out.add(
        f"the sheet has a cell at {col or ''}{row or ''}, beyond what QI Desk reads "
        f"({MAX_ROWS} rows, "
        f"{MAX_COLUMNS} columns); refused before reading it",
        sheet,
        row,
        col,
    )


# ---- reading --------------------------------------------------------------------------------


def _col_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _read_meta(rows: list[list[Any]], out: _Collector) -> WorkbookMeta:
    facts: dict[str, str] = {}
    for row in rows[1:]:
        if not row or is_blank(row[0]):
            continue
        facts[to_text(row[0]).strip()] = to_text(row[1] if len(row) > 1 else None).strip()
    meta = WorkbookMeta(
        format=facts.pop("format", ""),
        kind=facts.pop("kind", ""),
        app_version=facts.pop("app_version", ""),
        export_id=facts.pop("export_id", "").lower(),
        installation_id=facts.pop("installation_id", ""),
        extra=facts,
    )
    try:
        meta.format_version = int(float(facts.pop("format_version", "0") or 0))
    except ValueError:
        meta.format_version = -1
    try:
        stamp = facts.pop("exported_at", "")
        meta.exported_at = to_datetime(stamp) if stamp else None
    except CellError:
        meta.exported_at = None
    sheets = facts.pop("sheets", "")
    meta.sheets = tuple(s for s in sheets.split(";") if s)
    return meta


def _check_meta(meta: WorkbookMeta, out: _Collector) -> bool:
    if meta.format != FORMAT_NAME:
        out.add(
            f"not a QI Desk workbook: its metadata names the format {meta.format!r}, "
            f"expected {FORMAT_NAME!r}",
            META_SHEET,
        )
        return False
    if meta.format_version > FORMAT_VERSION:
        out.add(
            f"this workbook uses {FORMAT_NAME} version {meta.format_version}, written by QI Desk "
            f"{meta.app_version or '(unknown)'}; this QI Desk reads up to version "
            f"{FORMAT_VERSION}. Install a newer QI Desk to import it",
            META_SHEET,
        )
        return False
    if meta.format_version < 1:
        out.add("the metadata's format_version is missing or not a number", META_SHEET)
        return False
    if not is_uuid_text(meta.export_id):
        out.add("the metadata's export_id is missing or not a uuid", META_SHEET)
        return False
    if meta.exported_at is None:
        out.add("the metadata's exported_at is missing or not a date and time", META_SHEET)
        return False
    if meta.kind not in (KIND_FULL, KIND_PACK):
        out.add(f"unknown workbook kind {meta.kind!r}", META_SHEET)
        return False
    return True


def _header_index(
    header: list[Any], spec: RecordTypeSpec | None, expected: list[str], sheet: str, out: _Collector
) -> dict[str, int] | None:
    index: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = to_text(cell).strip()
        if not key:
            continue
        if key in index:
            out.add(f"the column {key!r} appears twice", sheet, 1, _col_letter(i))
            return None
        index[key] = i
    optional = set(spec.label_keys()) if spec else set()
    missing = [k for k in expected if k not in index and k not in optional]
    if missing:
        unknown = [k for k in index if k not in expected]
        hint = f" (found unknown columns {', '.join(unknown)}: renamed?)" if unknown else ""
        out.add(f"missing columns: {', '.join(missing)}{hint}", sheet, 1)
        return None
    return index


_RowPlan = tuple[tuple[int, str, str, frozenset[str], ValueColumn], ...]


def _row_plan(spec: RecordTypeSpec, index: dict[str, int]) -> _RowPlan:
    """(cell index, key, kind for the fast path, exact choices, column) of each value column.

    The fast path takes cells whose type already fits the column (what QI Desk writes and
    calamine reads back); anything else goes through :func:`convert` with its messages.
    """
    plan = []
    for col in spec.columns:
        kind = col.kind if (not col.ref_type or col.kind == REF) else ""
        choices = frozenset(c for c in col.choices if c and c == c.strip())
        plan.append((index[col.key], col.key, kind, choices, col))
    return tuple(plan)


def _convert_row(
    spec: RecordTypeSpec,
    row: list[Any],
    index: dict[str, int],
    sheet: str,
    row_no: int,
    out: _Collector,
    plan: _RowPlan | None = None,
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    ok = True
    width = len(row)
    for i, key, kind, choices, col in plan or _row_plan(spec, index):
        raw: Any = row[i] if i < width else None
        raw_type = type(raw)
        # The common cases, without the general conversion (same results as convert()).
        if raw_type is str:
            if raw:
                if kind == TEXT:
                    if len(raw) <= MAX_CELL_TEXT:
                        values[key] = raw
                        continue
                elif kind == REF:
                    if _UUID_TEXT.match(raw) is not None:
                        values[key] = raw
                        continue
                elif kind == ENUM and raw in choices:
                    values[key] = raw
                    continue
            elif kind == TEXT:  # an empty cell (calamine gives "")
                values[key] = None if col.nullable else ""
                continue
        elif raw_type is float:
            if kind == INT:
                if raw.is_integer():
                    values[key] = int(raw)
                    continue
            elif kind == FLOAT and math.isfinite(raw):
                values[key] = raw
                continue
        elif raw_type is int:
            if kind == INT:
                values[key] = raw
                continue
        elif raw_type is bool:
            if kind == BOOL:
                values[key] = raw
                continue
        elif raw_type is date:
            if kind == DATE:
                values[key] = raw
                continue
        elif raw_type is datetime and kind == DATETIME and raw.tzinfo is None:
            values[key] = raw
            continue
        try:
            value = convert(raw, col.kind, nullable=col.nullable, choices=col.choices)
        except CellError as exc:
            out.add(str(exc), sheet, row_no, key)
            ok = False
            continue
        if col.ref_type and value is not None and not is_uuid_text(value):
            out.add(
                f"expected the uuid of a {col.ref_type}, found {to_text(raw)!r}",
                sheet,
                row_no,
                key,
            )
            ok = False
            continue
        values[key] = value
    return values if ok else None


def _version_fields(
    row: list[Any], index: dict[str, int], sheet: str, row_no: int, out: _Collector
) -> tuple[str, datetime, str, datetime | None] | None:
    width = len(row)

    def cell(key: str) -> Any:
        i = index[key]
        return row[i] if i < width else None

    ok = True
    vv_text = to_text(cell("vv")).strip()
    vv = vv_text
    if not _VECTOR_TEXT.match(vv_text) or not _is_sorted_vector(vv_text):
        try:
            vv = str(VersionVector.parse(vv_text))
        except ValueError as exc:
            out.add(f"not a version vector: {exc}", sheet, row_no, "vv")
            ok = False
            vv = ""
    updated_at: datetime | None = None
    try:
        updated_at = to_datetime(cell("updated_at"))
    except CellError as exc:
        out.add(str(exc), sheet, row_no, "updated_at")
        ok = False
    updated_by = to_text(cell("updated_by")).strip()
    deleted_at = None
    raw_deleted = cell("deleted_at")
    if not is_blank(raw_deleted):
        try:
            deleted_at = to_datetime(raw_deleted)
        except CellError as exc:
            out.add(str(exc), sheet, row_no, "deleted_at")
            ok = False
    if not ok or updated_at is None:
        return None
    return vv, updated_at, updated_by, deleted_at


def _fast_version_fields(
    row: list[Any], cols: tuple[int, int, int, int], vectors: dict[str, str | None]
) -> tuple[str, datetime, str, datetime | None] | None:
    """:func:`_version_fields` for the cells QI Desk writes (vector text, ISO time text, author
    text, empty deletion mark); None means "use the general path" (which reports problems).
    ``vectors`` caches vector text seen before (its canonical form, or None if not valid)."""
    vv_i, at_i, by_i, del_i = cols
    try:
        vv_raw, at_raw, by_raw, deleted = row[vv_i], row[at_i], row[by_i], row[del_i]
    except IndexError:  # a short row (the indexes are never negative)
        return None
    if type(vv_raw) is not str or type(at_raw) is not str or type(by_raw) is not str:
        return None
    if deleted is not None and deleted != "":
        return None
    vv = vectors[vv_raw] if vv_raw in vectors else vectors.setdefault(vv_raw, _vector_of(vv_raw))
    if vv is None:
        return None
    try:
        updated_at = datetime.fromisoformat(at_raw)
    except ValueError:
        return None
    if updated_at.tzinfo is not None:
        return None
    return vv, updated_at, by_raw.strip(), None


def _vector_of(raw: str) -> str | None:
    """The canonical form of a vector cell's text, None when it is not a version vector."""
    text = raw.strip()
    if _VECTOR_TEXT.match(text) and _is_sorted_vector(text):
        return text
    try:
        return str(VersionVector.parse(text))
    except ValueError:
        return None


def _is_sorted_vector(text: str) -> bool:
    origins = [part.rpartition(":")[0] for part in text.split(";")]
    return origins == sorted(set(origins))


def _check_uuid(
    raw: Any, seen: dict[str, int], sheet: str, row_no: int, out: _Collector
) -> str | None:
    text = to_text(raw).strip().lower()
    if not text:
        out.add(
            "the uuid is empty: every row needs its record's uuid (add records in QI Desk)",
            sheet,
            row_no,
            "uuid",
        )
        return None
    if not is_uuid_text(text):
        out.add(f"{to_text(raw)!r} is not a well-formed uuid", sheet, row_no, "uuid")
        return None
    if text in seen:
        out.add(f"the uuid {text} appears twice (also in row {seen[text]})", sheet, row_no, "uuid")
        return None
    seen[text] = row_no
    return text


def _read_hashes(rows: list[list[Any]]) -> dict[tuple[str, str], str]:
    body = rows[1:]
    if body and min(map(len, body)) >= 3 and len(set(map(len, body))) == 1:
        # what QI Desk writes, taken a column at a time
        sheets, uuids, digests = list(zip(*body, strict=True))[:3]
        if (
            set(map(type, sheets)) | set(map(type, uuids)) | set(map(type, digests)) == {str}
            and are_uuid_texts(list(uuids))
            and list(map(str.strip, digests)) == list(digests)
        ):
            return dict(zip(zip(sheets, uuids, strict=True), digests, strict=True))
    hashes = {}
    for row in body:
        if len(row) < 3:
            continue
        sheet, uuid, digest = row[0], row[1], row[2]
        if (
            type(sheet) is str
            and type(uuid) is str
            and type(digest) is str
            and _UUID_TEXT.match(uuid) is not None
            and digest == digest.strip()
        ):
            hashes[(sheet, uuid)] = digest  # what QI Desk writes: nothing to normalise
            continue
        if not is_blank(uuid):
            hashes[(to_text(sheet), to_text(uuid).strip().lower())] = to_text(digest).strip()
    return hashes


def edit_origin(export_id: str, new_hash: str) -> str:
    """Origin of a spreadsheet edit: the workbook's export id and the edited values together.

    Re-importing the same edited workbook (anywhere, after any re-save) gives the same origin,
    so the same version; two copies of one workbook edited differently give two origins, so two
    concurrent versions (a conflict), never one vector with two different contents.
    """
    return natural_uuid("workbook-edit", export_id, new_hash)


def edited_version(vv: str, meta: WorkbookMeta, new_hash: str) -> tuple[str, datetime, str]:
    """(vector, time, author) of a row edited in the spreadsheet since ``meta``'s export."""
    assert meta.exported_at is not None
    origin = edit_origin(meta.export_id, new_hash)
    return str(VersionVector.parse(vv).incremented(origin)), meta.exported_at, meta.export_id


def _read_columns(
    spec: RecordTypeSpec,
    rows: list[list[Any]],
    index: dict[str, int],
    plan: _RowPlan,
    version_cols: tuple[int, int, int, int],
    vectors: dict[str, str | None],
    file: str,
    meta: WorkbookMeta,
    hashes: dict[tuple[str, str], str],
    as_exported: bool,
) -> tuple[VersionColumns, int] | None:
    """:func:`read_data_sheet` a column at a time, for a sheet with no problem: every row as
    wide as the header, with a well-formed uuid found once, cells that convert, vectors, times
    and authors as text, and deletion marks empty or a date and time as text. None means "read
    it row by row" (which finds and reports the problems); else the same versions and edit
    count as reading row by row, as columns.

    Whole columns are checked and converted by C loops (``map``, ``set``, ``all``); a column
    whose cells do not all have the type QI Desk writes is converted cell by cell with
    :func:`convert`, which gives what the row-by-row fast paths give."""
    body = rows[1:]
    count = len(body)
    if not count or set(map(len, body)) != {len(rows[0])}:
        return None
    cells_of = list(zip(*body, strict=True))  # the sheet's columns
    uuids = list(cells_of[index["uuid"]])
    if set(map(type, uuids)) != {str} or not are_uuid_texts(uuids) or len(set(uuids)) != count:
        return None
    keys: list[str] = []
    columns: list[list[Any]] = []
    texts: dict[Any, Any] = {}
    for i, key, kind, choices, col in plan:
        column = _convert_column(list(cells_of[i]), kind, choices, col)
        if column is None:
            return None
        if kind in (TEXT, ENUM, REF) and len(set(column)) < count:
            # equal texts as one object each: a smaller heap, and a worker's result pickles
            # and unpickles faster
            column = list(map(texts.setdefault, column, column))
        keys.append(key)
        columns.append(column)
    vv_cells, at_cells, by_cells, deleted_cells = (cells_of[i] for i in version_cols)
    if set(map(type, vv_cells)) | set(map(type, at_cells)) | set(map(type, by_cells)) != {str}:
        return None
    # Each distinct text converted once (and the equal results shared, which pickles small).
    canonical: dict[str, str] = {}
    for text in set(vv_cells):
        vv = vectors[text] if text in vectors else vectors.setdefault(text, _vector_of(text))
        if vv is None:
            return None
        canonical[text] = vv
    vvs = list(map(canonical.__getitem__, vv_cells))
    times = {}
    for text in set(at_cells):
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            return None
        if stamp.tzinfo is not None:
            return None
        times[text] = stamp
    updated_at = list(map(times.__getitem__, at_cells))
    authors = {text: text.strip() for text in set(by_cells)}
    updated_by = list(map(authors.__getitem__, by_cells))
    deleted_at = _deletion_marks(deleted_cells)
    if deleted_at is None:
        return None
    record_type, sheet = spec.record_type, spec.sheet
    edited = 0
    fingerprints: list[str]
    if as_exported:
        fingerprints = [""] * count  # the sheet's digest is the one the export recorded
    else:
        new_hashes = row_hashes(keys, columns, deleted_at)
        exported = map(hashes.get, zip(repeat(sheet, count), uuids, strict=True))
        for number, same in enumerate(map(operator.eq, exported, new_hashes)):
            if not same:
                edit = edited_version(vvs[number], meta, new_hashes[number])
                vvs[number], updated_at[number], updated_by[number] = edit
                edited += 1
        fingerprints = version_fingerprints(
            record_type, uuids, vvs, updated_at, updated_by, new_hashes
        )
    block = VersionColumns(
        record_type,
        file,
        sheet,
        tuple(keys),
        list(range(2, count + 2)),
        columns,
        uuids,
        vvs,
        updated_at,
        updated_by,
        deleted_at,
        fingerprints,
    )
    return block, edited


def _convert_column(
    cells: list[Any], kind: str, choices: frozenset[str], col: ValueColumn
) -> list[Any] | None:
    """A column's cells as values (what :func:`_convert_row` gives each), or None when a cell
    does not convert."""
    types = set(map(type, cells))
    if types == {str}:
        if kind == TEXT:
            if max(map(len, cells)) <= MAX_CELL_TEXT:
                # an empty cell of a text column is None where the column allows it, else ""
                return [c or None for c in cells] if col.nullable and "" in cells else cells
        elif kind == REF:
            if "" not in cells:
                if are_uuid_texts(cells):
                    return cells
            elif col.nullable and are_uuid_texts(list(filter(None, cells))):
                return [c or None for c in cells]
        elif kind == ENUM and choices.issuperset(cells):
            return cells
    elif len(types) == 1:
        cell_type = next(iter(types))
        if cell_type is float:
            if kind == INT and all(map(float.is_integer, cells)):
                return list(map(int, cells))
            if kind == FLOAT and all(map(math.isfinite, cells)):
                return cells
        elif (
            (cell_type is int and kind == INT)
            or (cell_type is bool and kind == BOOL)
            or (cell_type is date and kind == DATE)
        ) or (
            cell_type is datetime
            and kind == DATETIME
            and set(map(attrgetter("tzinfo"), cells)) == {None}
        ):
            return cells
    values = []
    for raw in cells:
        try:
            value = convert(raw, col.kind, nullable=col.nullable, choices=col.choices)
        except CellError:
            return None
        if col.ref_type and value is not None and not is_uuid_text(value):
            return None
        values.append(value)
    return values


def _deletion_marks(cells: Sequence[Any]) -> list[datetime | None] | None:
    """The deletion marks of a column of empty cells and date-and-time texts (what QI Desk
    writes), as :func:`_version_fields` reads them; None for any other cell."""
    if not set(map(type, cells)) <= {str, type(None)}:
        return None
    marks: dict[str | None, datetime | None] = {}
    for text in set(cells):
        if is_blank(text):
            marks[text] = None
            continue
        try:
            marks[text] = to_datetime(text)
        except CellError:
            return None
    return list(map(marks.__getitem__, cells))


def read_data_sheet(
    spec: RecordTypeSpec,
    rows: list[list[Any]],
    *,
    file: str,
    meta: WorkbookMeta,
    hashes: dict[tuple[str, str], str],
    out: _Collector,
    as_exported: bool = False,
) -> tuple[list[IncomingVersion] | VersionColumns, int]:
    """The versions of one data sheet; problems go to ``out``. Returns (versions, edited):
    the versions as columns when every row has the form QI Desk writes (see
    :func:`_read_columns`), else as objects read row by row.

    ``as_exported`` says the sheet and ``_rows`` are byte for byte as the export wrote them
    (see :func:`_sheets_as_exported`): no row was edited then (an export writes every row's
    hash in ``_rows``), so ``hashes`` are not looked at and may be empty, row hashes are not
    recomputed (the cells are still typed and checked), and the versions' fingerprints are
    not computed (the sheet's digest is the one the export recorded)."""
    sheet = spec.sheet
    if not rows:
        out.add("the sheet is empty: its header row is missing", sheet, 1)
        return [], 0
    expected = spec.headers()
    index = _header_index(rows[0], spec, expected, sheet, out)
    if index is None:
        return [], 0
    assert meta.exported_at is not None
    record_type = spec.record_type
    versions: list[IncomingVersion] = []
    seen: dict[str, int] = {}
    edited = 0
    uuid_col = index["uuid"]
    plan = _row_plan(spec, index)
    version_cols = (index["vv"], index["updated_at"], index["updated_by"], index["deleted_at"])
    vectors: dict[str, str | None] = {}
    if not out.full:
        columns = _read_columns(
            spec, rows, index, plan, version_cols, vectors, file, meta, hashes, as_exported
        )
        if columns is not None:
            return columns
    for offset, row in enumerate(rows[1:], start=2):
        if out.full:
            break
        first = row[uuid_col] if uuid_col < len(row) else None
        if (first is None or first == "") and all(is_blank(v) for v in row):
            continue
        if type(first) is str and _UUID_TEXT.match(first) is not None and first not in seen:
            seen[first] = offset
            uuid: str | None = first
        else:
            uuid = _check_uuid(first, seen, sheet, offset, out)
            if uuid is None and is_blank(first):
                continue  # a row added in the spreadsheet: one message says it all
        values = _convert_row(spec, row, index, sheet, offset, out, plan)
        version = _fast_version_fields(row, version_cols, vectors) or _version_fields(
            row, index, sheet, offset, out
        )
        if uuid is None or values is None or version is None:
            continue
        vv, updated_at, updated_by, deleted_at = version
        fingerprint = ""  # as exported: the sheet's digest is the one the export recorded
        if not as_exported:
            new_hash = row_hash(values, deleted_at)
            if hashes.get((sheet, uuid)) != new_hash:
                vv, updated_at, updated_by = edited_version(vv, meta, new_hash)
                edited += 1
            fingerprint = version_fingerprint(
                record_type, uuid, vv, updated_at, updated_by, new_hash
            )
        versions.append(
            incoming_version(
                record_type,
                uuid,
                vv,
                updated_at,
                updated_by,
                deleted_at,
                values,
                cell_ref(file, sheet, offset),
                fingerprint,
            )
        )
    return versions, edited


def _note_removed_rows(
    sheet: str, hashes: dict[tuple[str, str], str], rows: list[list[Any]], warnings: list[str]
) -> None:
    """Warn about rows exported in ``sheet`` (listed in ``_rows``) whose uuid is no longer in
    it: removing a row does not delete its record, and the user should know that."""
    header = [to_text(h).strip() for h in rows[0]] if rows else []
    if "uuid" not in header:
        return  # reported as a missing column
    at = header.index("uuid")
    present = {to_text(row[at]).strip().lower() for row in rows[1:] if at < len(row)}
    removed = sum(1 for s, uuid in hashes if s == sheet and uuid not in present)
    if removed:
        count = "1 row" if removed == 1 else f"{removed:,} rows"
        warnings.append(
            f"{sheet}: {count} exported in this workbook {'is' if removed == 1 else 'are'} no "
            "longer in the sheet. Removing a row does not delete its record in QI Desk (nothing "
            "is lost): to delete one, fill in its deleted_at, or delete it in QI Desk."
        )


def _unknown_columns(sheets: _Sheets, skipped: tuple[str, ...], as_exported: set[str]) -> list[str]:
    """Warnings about columns added in the spreadsheet that hold something: import ignores
    them, and someone who typed notes there should know they stay in the file only."""
    warnings = []
    for spec in all_specs():
        sheet = spec.sheet
        if sheet not in sheets.names or sheet in skipped or sheet in as_exported:
            continue
        rows = sheets.rows(sheet)
        if not rows:
            continue
        known = set(spec.headers())
        for at, cell in enumerate(rows[0]):
            header = to_text(cell).strip()
            if header in known:
                continue
            if not any(at < len(row) and not is_blank(row[at]) for row in rows[1:]):
                continue
            named = f"the column {header!r}" if header else "a column without a header"
            warnings.append(
                f"{sheet}: {named} ({_col_letter(at)}) is not one QI Desk knows, so what it "
                "holds was not imported (it stays in the file only)."
            )
    return warnings


def _edited_records(parsed: ParsedWorkbook) -> set[tuple[str, str]]:
    """(type, uuid) of the rows read as edited in the spreadsheet (their version's author is
    the export id, see :func:`edited_version`)."""
    export_id = parsed.meta.export_id
    out: set[tuple[str, str]] = set()
    for part in parsed.version_parts:
        if isinstance(part, VersionColumns):
            out.update(
                (part.record_type, uuid)
                for uuid, by in zip(part.uuids, part.updated_by, strict=True)
                if by == export_id
            )
        else:
            out.update((v.record_type, v.uuid) for v in part if v.updated_by == export_id)
    return out


def _edited_labels(
    sheets: _Sheets,
    skipped: tuple[str, ...],
    as_exported: set[str],
    edited: set[tuple[str, str]],
) -> list[str]:
    """Warnings about label columns edited in the spreadsheet (``team_name`` beside
    ``team_uuid``, …): import ignores labels, so a name corrected there alone would be dropped
    without a word. A label is compared with the name of the record it refers to in this
    workbook when that record's row was not edited (its name is then the exported one, which
    the label was written from); only sheets not as exported are looked at."""
    names_by_type: dict[str, dict[str, str]] = {}

    def names_of(record_type: str) -> dict[str, str]:
        if record_type not in names_by_type:
            spec = spec_for(record_type)
            found: dict[str, str] = {}
            rows = sheets.rows(spec.sheet) if spec.sheet in sheets.names else []
            header = [to_text(h).strip() for h in rows[0]] if rows else []
            if "uuid" in header and spec.label_attr in header:
                at_uuid, at_name = header.index("uuid"), header.index(spec.label_attr)
                for row in rows[1:]:
                    if max(at_uuid, at_name) < len(row) and not is_blank(row[at_uuid]):
                        uuid = to_text(row[at_uuid]).strip().lower()
                        if (record_type, uuid) not in edited:
                            found[uuid] = to_text(row[at_name]).strip()
            names_by_type[record_type] = found
        return names_by_type[record_type]

    warnings = []
    for spec in all_specs():
        sheet = spec.sheet
        if sheet not in sheets.names or sheet in skipped or sheet in as_exported:
            continue
        labelled = [c for c in spec.columns if c.label_key and c.ref_type]
        if not labelled:
            continue
        rows = sheets.rows(sheet)
        header = [to_text(h).strip() for h in rows[0]] if rows else []
        for col in labelled:
            if col.key not in header or col.label_key not in header:
                continue
            at_ref, at_label = header.index(col.key), header.index(col.label_key)
            names = names_of(col.ref_type)
            changed: list[tuple[int, str]] = []
            for row_no, row in enumerate(rows[1:], start=2):
                if max(at_ref, at_label) >= len(row) or is_blank(row[at_label]):
                    continue
                name = names.get(to_text(row[at_ref]).strip().lower())
                label = to_text(row[at_label]).strip()
                if name is not None and name != label:
                    changed.append((row_no, label))
            if changed:
                referred = spec_for(col.ref_type)
                row_no, label = changed[0]
                more = f" and {len(changed) - 1:,} more" if len(changed) > 1 else ""
                warnings.append(
                    f"{sheet}: {col.label_key} was changed in row {row_no} ({label!r}){more}. "
                    f"That column only shows the {referred.label_attr} from the "
                    f"{referred.sheet} sheet and is not imported: to change the "
                    f"{referred.label_attr}, edit it in the {referred.sheet} sheet."
                )
    return warnings


def read_conflict_heads(
    rows: list[list[Any]], *, file: str, out: _Collector
) -> list[IncomingVersion]:
    sheet = CONFLICTS_SHEET
    if not rows:
        return []
    index = _header_index(rows[0], None, list(CONFLICTS_HEADERS), sheet, out)
    if index is None:
        return []
    versions = []
    for offset, row in enumerate(rows[1:], start=2):
        if all(is_blank(v) for v in row):
            continue

        def cell(key: str, row: list[Any] = row) -> Any:
            i = index[key]
            return row[i] if i < len(row) else None

        record_type = to_text(cell("record_type")).strip()
        try:
            spec = spec_for(record_type)
        except KeyError:
            out.add(f"unknown record type {record_type!r}", sheet, offset, "record_type")
            continue
        uuid = to_text(cell("uuid")).strip().lower()
        if not is_uuid_text(uuid):
            out.add(f"{uuid!r} is not a well-formed uuid", sheet, offset, "uuid")
            continue
        try:
            raw_values = json.loads(to_text(cell("values")))
            if not isinstance(raw_values, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            out.add(f"the values are not valid JSON ({exc})", sheet, offset, "values")
            continue
        values: dict[str, Any] = {}
        ok = True
        for col in spec.columns:
            try:
                values[col.key] = convert(
                    raw_values.get(col.key), col.kind, nullable=col.nullable, choices=col.choices
                )
            except CellError as exc:
                out.add(f"{col.key}: {exc}", sheet, offset, "values")
                ok = False
        version = _version_fields(row, index, sheet, offset, out)
        if not ok or version is None:
            continue
        vv, updated_at, updated_by, deleted_at = version
        versions.append(
            IncomingVersion(
                record_type=record_type,
                uuid=uuid,
                vv=vv,
                updated_at=updated_at,
                updated_by=updated_by,
                deleted_at=deleted_at,
                values=values,
                source=CellRef(file, sheet, offset, None),
                is_conflict_head=True,
            )
        )
    return versions


def _sheet_rows(workbook: Any, name: str) -> list[list[Any]]:
    return workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)


#: The database's lookup of merged sheets: ``{digest: (record type, uuids)}`` for the digests
#: it knows (:class:`qidesk.sync.received.ReceivedSheets`; picklable, for worker processes).
KnownSheets = Callable[[list[str]], dict[str, tuple[str, list[str]]]]


class _Sheets:
    """The workbook's sheets, each parsed at most once."""

    def __init__(self, workbook: Any):
        self.workbook = workbook
        self.names = list(workbook.sheet_names)
        self._rows: dict[str, list[list[Any]]] = {}

    def rows(self, name: str) -> list[list[Any]]:
        if name not in self._rows:
            self._rows[name] = _sheet_rows(self.workbook, name)
        return self._rows[name]


def _zip_digests(archive: zipfile.ZipFile, parts: dict[str, str]) -> dict[str, str]:
    """``crc:size`` of each sheet's part as the zip directory records it."""
    out = {}
    for sheet, member in parts.items():
        try:
            info = archive.getinfo(member)
        except KeyError:
            continue
        out[sheet] = f"{info.CRC:08x}:{info.file_size}"
    return out


def _exported_digests(meta: WorkbookMeta) -> dict[str, tuple[str, str]]:
    """Each sheet's ``crc:size`` as written at export and its versions digest (empty for hidden
    sheets), from the metadata (empty for workbooks written before QI Desk recorded them)."""
    out = {}
    for entry in meta.extra.get(META_SHEET_DIGESTS, "").split(";"):
        parts = entry.split(":")
        if len(parts) == 4 and parts[0]:
            out[parts[0]] = (f"{parts[1]}:{parts[2]}", parts[3])
    return out


def _sheets_as_exported(meta: WorkbookMeta, digests: dict[str, str]) -> set[str]:
    """Data sheets byte for byte as the export wrote them, with ``_rows`` (the CRC-32 and size
    of their parts are those the export recorded). Empty when ``_rows`` was changed: a changed
    row hash makes its row read as edited, so every sheet must then be read in full.

    Their rows are the exported versions, unedited: the export wrote each row's hash in
    ``_rows``, which is as written too. So ``_rows`` need not be read for them."""
    exported = _exported_digests(meta)
    if ROWS_SHEET not in exported or exported[ROWS_SHEET][0] != digests.get(ROWS_SHEET):
        return set()
    return {
        spec.sheet
        for spec in all_specs()
        if spec.sheet in exported
        and exported[spec.sheet][1]
        and exported[spec.sheet][0] == digests.get(spec.sheet)
    }


def _unchanged_known_sheets(
    meta: WorkbookMeta,
    names: list[str],
    digests: dict[str, str],
    known_sheets: KnownSheets,
) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """Data sheets that need not be read: byte for byte as exported (the CRC-32 and size the
    export recorded, and ``_rows`` too) and, by their versions digest, merged into this
    database before. Returns those sheets and their records (type, uuid).

    Such a sheet holds no edit (an edit changes its bytes) and its versions are ones the database
    has merged, which changes nothing when done again: skipping it gives the result of reading
    it."""
    exported = _exported_digests(meta)
    unchanged = _sheets_as_exported(meta, digests)
    candidates = {
        spec.sheet: (spec.record_type, exported[spec.sheet][1])
        for spec in all_specs()
        if spec.sheet in names and spec.sheet in unchanged
    }
    if not candidates:
        return (), []
    known = known_sheets([digest for _, digest in candidates.values()])
    skipped: list[str] = []
    records: list[tuple[str, str]] = []
    for sheet, (record_type, digest) in candidates.items():
        entry = known.get(digest)
        if entry is not None and entry[0] == record_type:
            skipped.append(sheet)
            records.extend((record_type, uuid) for uuid in entry[1])
    return tuple(skipped), records


def read_workbook(
    path: Path | str,
    preflight: PreflightResult | None = None,
    *,
    display_name: str | None = None,
    cancelled: Callable[[], bool] | None = None,
    known_sheets: KnownSheets | None = None,
) -> ParsedWorkbook:
    """Read a workbook that passed pre-flight. Never raises for bad content: problems are
    collected in the result (a result with problems must not be applied).

    With ``known_sheets`` (the database's merged sheets), data sheets that are byte for byte as
    exported and were merged before are not read (see :func:`_unchanged_known_sheets`): their
    records are listed in ``known_records``."""
    path = Path(path)
    file = display_name or path.name
    out = _Collector(file)
    parsed = ParsedWorkbook(path=path, meta=WorkbookMeta(), display_name=file)
    if preflight is not None:
        parsed.warnings.extend(preflight.warnings)
    parsed.file_hash = file_sha256(path)

    def stop() -> None:
        if cancelled is not None and cancelled():
            raise ReadCancelled()

    headers_by_sheet: dict[str, list[str]] = {s.sheet: s.headers() for s in all_specs()}

    def scan(archive: zipfile.ZipFile, parts: dict[str, str], names: list[str]) -> None:
        for sheet in names:
            stop()
            known = headers_by_sheet.get(sheet)

            def columns(letter: str, known: list[str] | None = known) -> str | None:
                return _column_key_of(letter, known)

            scan_sheet_xml(archive, parts[sheet], sheet, out, columns)

    workbook: Any = None
    sheets: _Sheets | None = None
    parsed_digests: dict[str, str] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            parsed_digests = _zip_digests(archive, parts)
            if not parts:
                out.add("the workbook's list of sheets cannot be read")
            skipped: tuple[str, ...] = ()
            rows_not_needed = False
            first: list[str] = []
            if known_sheets is not None and META_SHEET in parts:
                first = [META_SHEET]
                scan(archive, parts, first)
                if not out.problems:
                    workbook = _open_calamine(path, out)
                if workbook is not None:
                    sheets = _Sheets(workbook)
                    meta = _read_meta(sheets.rows(META_SHEET), _Collector(file))
                    if meta.kind == KIND_FULL and _check_meta(meta, _Collector(file)):
                        skipped, parsed.known_records = _unchanged_known_sheets(
                            meta, sheets.names, parsed_digests, known_sheets
                        )
                        as_exported = _sheets_as_exported(meta, parsed_digests)
                        if not _rows_needed(list(parts), skipped, as_exported):
                            rows_not_needed = True
            not_needed = set(first) | set(skipped)
            if rows_not_needed:
                # Its hashes are only needed to tell the edits in data sheets to be read that
                # are not as exported; there are none.
                not_needed.add(ROWS_SHEET)
            rest = [s for s in parts if s not in not_needed]
            scan(archive, parts, rest)
            parsed.skipped_sheets = skipped
    except zipfile.BadZipFile as exc:
        out.add(f"the file is damaged: {exc}")
    except ReadCancelled:
        if workbook is not None:
            workbook.close()
        raise
    if out.problems:
        if workbook is not None:
            workbook.close()
        parsed.problems = out.problems
        parsed.known_records = []
        return parsed
    if sheets is None:
        workbook = _open_calamine(path, out)
        if workbook is None:
            parsed.problems = out.problems
            return parsed
        sheets = _Sheets(workbook)
    try:
        _read_into(sheets, parsed, out, file, stop, parsed_digests)
    except ReadCancelled:
        raise
    except Exception as exc:
        out.add(f"the workbook cannot be read: {exc}")
    finally:
        workbook.close()
    parsed.problems = out.problems
    if parsed.problems:
        parsed.known_records = []
    return parsed


def _rows_needed(names: list[str], skipped: tuple[str, ...], as_exported: set[str]) -> bool:
    """True when a data sheet to read is not as exported: ``_rows``' hashes tell its edits."""
    return any(
        s.sheet in names and s.sheet not in skipped and s.sheet not in as_exported
        for s in all_specs()
    )


def _open_calamine(path: Path, out: _Collector) -> Any:
    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors for damaged XML, DTDs, ...
        out.add(f"the workbook cannot be read: {exc}")
        return None


def _column_key_of(letter: str, headers: list[str] | None) -> str | None:
    """Header key of a column letter in a sheet QI Desk wrote (assuming its own column order)."""
    if not headers:
        return None
    index = 0
    for ch in letter:
        index = index * 26 + (ord(ch) - 64)
    index -= 1
    return f"{headers[index]} ({letter})" if 0 <= index < len(headers) else None


def _read_into(
    sheets: _Sheets,
    parsed: ParsedWorkbook,
    out: _Collector,
    file: str,
    stop: Callable[[], None],
    digests: dict[str, str],
) -> None:
    names = sheets.names
    if META_SHEET not in names:
        out.add(
            f"not a QI Desk workbook: the hidden sheet {META_SHEET!r} is missing (only workbooks "
            "exported by QI Desk can be imported)"
        )
        return
    meta = _read_meta(sheets.rows(META_SHEET), out)
    parsed.meta = meta
    if not _check_meta(meta, out):
        return
    if meta.kind == KIND_PACK:
        from qidesk.sync.pack import read_pack

        parsed.versions = read_pack(
            sheets.workbook, meta, file=file, out=out, warnings=parsed.warnings
        )
        return
    exported_digests = _exported_digests(meta)
    as_exported = _sheets_as_exported(meta, digests)
    hashes = (
        _read_hashes(sheets.rows(ROWS_SHEET))
        if ROWS_SHEET in names and _rows_needed(names, parsed.skipped_sheets, as_exported)
        else {}
    )
    if ROWS_SHEET not in names:
        out.add(f"the hidden sheet {ROWS_SHEET!r} is missing", ROWS_SHEET)
        return
    required = set(CORE_SHEETS) | set(meta.sheets)
    known_sheets = {s.sheet for s in all_specs()}
    unknown = [n for n in names if n not in known_sheets and not n.startswith("_")]
    for sheet in sorted(required - set(names)):
        if unknown:
            others = ", ".join(repr(n) for n in unknown)
            out.add(
                f"the sheet {sheet!r} is missing (it was exported): was it renamed? This "
                f"workbook has {'sheets' if len(unknown) > 1 else 'a sheet'} QI Desk does not "
                f"know ({others}); give the sheet its name {sheet!r} back and import again",
                sheet,
            )
        else:
            out.add(f"the sheet {sheet!r} is missing (it was exported; was it deleted?)", sheet)
    for sheet in sorted(set(meta.sheets) - known_sheets):
        out.add(
            f"the sheet {sheet!r} holds a record type this QI Desk does not know; install a newer "
            "QI Desk",
            sheet,
        )
    for spec in all_specs():
        stop()
        if spec.sheet not in names or spec.sheet in parsed.skipped_sheets:
            continue
        versions, edited = read_data_sheet(
            spec,
            sheets.rows(spec.sheet),
            file=file,
            meta=meta,
            hashes=hashes,
            out=out,
            as_exported=spec.sheet in as_exported,
        )
        if isinstance(versions, VersionColumns):
            fingerprints, uuids = versions.fingerprints, list(versions.uuids)
        else:
            fingerprints = [v.fingerprint for v in versions]
            uuids = [v.uuid for v in versions]
        if spec.sheet in as_exported:
            digest = exported_digests[spec.sheet][1]
        else:
            digest = versions_digest(fingerprints)
        parsed.read_sheets.append((digest, spec.record_type, uuids))
        parsed.version_parts.append(versions)
        parsed.edited_rows += edited
        if hashes and spec.sheet not in as_exported:
            _note_removed_rows(spec.sheet, hashes, sheets.rows(spec.sheet), parsed.warnings)
    if not out.problems:
        parsed.warnings.extend(
            _edited_labels(sheets, parsed.skipped_sheets, as_exported, _edited_records(parsed))
        )
        parsed.warnings.extend(_unknown_columns(sheets, parsed.skipped_sheets, as_exported))
    if CONFLICTS_SHEET in names:
        parsed.version_parts.append(
            read_conflict_heads(sheets.rows(CONFLICTS_SHEET), file=file, out=out)
        )
