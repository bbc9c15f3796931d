"""Benchmark: where reading QI Desk workbooks spends its time, and the scan and row hash
before and after their rewrite.

For the workbooks in a folder (default /work/benchwb/coach-*.xlsx, made by bench/merge.py) prints
the median seconds of: inflating the sheet parts with zipfile; the sheet XML scan (old and new, each
on the inflated bytes and including the inflating); python-calamine parsing every sheet; the row
hashes of every data row (old and new, row by row, and a column at a time as the reader now does);
and read_workbook as a whole, as it reads these files (sheets byte for byte as exported: no row
hashed), without and with making the version objects, and as it reads copies re-saved by a
spreadsheet program (every row typed and hashed). The old scan and row hash
are kept below as reference functions; the run also checks that old and new agree on every file.
Timings run with the garbage collector paused, as the import service does.

    PYTHONPATH=src python bench/read.py [FOLDER] [--glob "coach-*.xlsx"] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import re
import statistics
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from baseline import calamine_parse
from qidesk.sync import cells, workbook_reader
from qidesk.sync.workbook_reader import (
    MAX_FORMULA_REPORTS,
    _Collector,
    _column_number,
    _rows_fit,
    _sheet_parts,
    _too_far,
)

# ---- the scan as it was (commit 99abf3b), for comparison -------------------------------------

_OLD_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_OLD_PLAIN_FORMULA = re.compile(rb"<f[\s>/]")
_OLD_PREFIXED_C_OR_F = re.compile(rb":[cf][\s>/]")
_OLD_BARE_CELL = re.compile(rb"<c>")
_OLD_PREFIXED_CELL = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s>]")
_OLD_TOO_WIDE = re.compile(rb'<c r="(?:[A-Z]{3}|[C-Z][A-Z]|B[M-Z])')
_OLD_TOO_LONG = re.compile(rb'<c r="[A-Z]{1,3}\d{8}')
_OLD_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d+)"')
_OLD_CELL_REF = re.compile(rb'r="([A-Z]+)(\d+)"')
_OLD_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?=[\s>/])([^>]*)>")
_OLD_POSITION = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]+)(\d+)["']""")


def old_check_extent(data: bytes, sheet: str, out: _Collector, *, maybe_prefixed: bool) -> bool:
    cells_seen = data.count(b"<c ")
    if _OLD_BARE_CELL.search(data) is not None:
        cells_seen += data.count(b"<c>")
    prefixed = maybe_prefixed and _OLD_PREFIXED_CELL.search(data) is not None
    if not prefixed and cells_seen == data.count(b'<c r="'):
        hits = [m for m in (_OLD_TOO_WIDE.search(data), _OLD_TOO_LONG.search(data)) if m]
        for match in hits:
            ref = _OLD_CELL_REF.match(data, match.start() + 3)
            row, col = (int(ref.group(2)), ref.group(1).decode()) if ref else (None, None)
            _too_far(sheet, row, col, out)
        if hits:
            return False
        return _rows_fit({int(r) for r in set(_OLD_CELL_ROW.findall(data))}, sheet, out)
    rows = set()
    for match in _OLD_CELL_TAG.finditer(data):
        position = _OLD_POSITION.search(b" " + match.group(1))
        if position is None:
            out.add("the sheet has cells without a position (r attribute); refused", sheet)
            return False
        col_letters = position.group(1).decode().upper()
        row = int(position.group(2))
        if _column_number(col_letters) > 64 or row > 1_048_576:
            _too_far(sheet, row, col_letters, out)
            return False
        rows.add(row)
    return _rows_fit(rows, sheet, out)


def old_scan_bytes(data: bytes, sheet: str, out: _Collector) -> bool:
    """The old scan_sheet_xml after reading the part (same DOCTYPE and formula handling)."""
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        out.add("the sheet's XML declares entities (a DOCTYPE); refused", sheet)
        return False
    prefixed = _OLD_PREFIXED_C_OR_F.search(data) is not None
    ok = old_check_extent(data, sheet, out, maybe_prefixed=prefixed)
    found = 0
    maybe_formulas = prefixed or _OLD_PLAIN_FORMULA.search(data) is not None
    for match in _OLD_FORMULA.finditer(data) if maybe_formulas else ():
        if workbook_reader._is_boolean_constant(data, match.end()):
            continue
        found += 1
        ok = False
        if found <= MAX_FORMULA_REPORTS:
            row, col = workbook_reader._cell_at(data, match.start())
            out.add("formula", sheet, row, col)
    return ok


def new_scan_bytes(data: bytes, sheet: str, out: _Collector) -> bool:
    """The current scan_sheet_xml after reading the part."""
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        out.add("the sheet's XML declares entities (a DOCTYPE); refused", sheet)
        return False
    prefixed = workbook_reader._PREFIXED_C_OR_F.search(data) is not None
    ok = workbook_reader._check_extent(data, sheet, out, maybe_prefixed=prefixed)
    if prefixed or workbook_reader._PLAIN_FORMULA.search(data) is not None:
        for match in workbook_reader._FORMULA.finditer(data):
            if not workbook_reader._is_boolean_constant(data, match.end()):
                ok = False
                out.add("formula", sheet)
    return ok


def old_row_hash(values: dict[str, Any], deleted_at: Any) -> str:
    canonical = cells.canonical
    parts = [
        f"{key}={value!r}"
        if (value is None or (kind := type(value)) is int or (kind is str and "\r" not in value))
        else f"{key}={canonical(value)!r}"
        for key, value in sorted(values.items())
    ]
    parts.append(f"__deleted_at={canonical(deleted_at)!r}")
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


# ---- measurements ------------------------------------------------------------------------------


def median_time(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        finally:
            gc.enable()
    return statistics.median(times)


def sheet_bytes(files: list[Path]) -> list[tuple[str, bytes]]:
    parts = []
    for path in files:
        with zipfile.ZipFile(path) as archive:
            for sheet, member in _sheet_parts(archive).items():
                parts.append((sheet, archive.read(member)))
    return parts


def scan_files(files: list[Path], scan: Callable[[bytes, str, _Collector], bool]) -> int:
    """Inflate and scan every sheet of every file; returns the number of refused sheets."""
    refused = 0
    for path in files:
        with zipfile.ZipFile(path) as archive:
            for sheet, member in _sheet_parts(archive).items():
                with archive.open(member) as fh:
                    data = fh.read()
                refused += not scan(data, sheet, _Collector(path.name))
    return refused


Sheet = tuple[list[str], list[list[Any]], list[Any]]


def hash_inputs(files: list[Path]) -> tuple[list[tuple[dict[str, Any], Any]], list[Sheet]]:
    """What read_workbook hashes, recorded from one reading: (values, deleted_at) of each row,
    and the sheets it hashes a column at a time (keys, columns, deletion marks)."""
    recorded: list[tuple[dict[str, Any], Any]] = []
    sheets: list[Sheet] = []
    original, original_columns = workbook_reader.row_hash, workbook_reader.row_hashes

    def record(values: dict[str, Any], deleted_at: Any) -> str:
        recorded.append((values, deleted_at))
        return original(values, deleted_at)

    def record_columns(keys: Any, columns: Any, deleted_at: Any) -> list[str]:
        sheets.append((list(keys), [list(c) for c in columns], list(deleted_at)))
        rows = zip(*columns, strict=True) if keys else [()] * len(deleted_at)
        for row, mark in zip(rows, deleted_at, strict=True):
            recorded.append((dict(zip(keys, row, strict=True)), mark))
        return original_columns(keys, columns, deleted_at)

    workbook_reader.row_hash = record  # type: ignore[assignment]
    workbook_reader.row_hashes = record_columns  # type: ignore[assignment]
    try:
        read_every_row(files)
    finally:
        workbook_reader.row_hash = original  # type: ignore[assignment]
        workbook_reader.row_hashes = original_columns  # type: ignore[assignment]
    return recorded, sheets


def read_every_row(files: list[Path]) -> None:
    """read_workbook as for copies re-saved by a spreadsheet program: no sheet is taken as
    byte for byte as exported, so every row is typed and hashed (and the versions made)."""
    trusted = workbook_reader._sheets_as_exported
    workbook_reader._sheets_as_exported = lambda meta, digests: set()  # type: ignore[assignment]
    try:
        for path in files:
            workbook_reader.read_workbook(path, None).versions  # noqa: B018
    finally:
        workbook_reader._sheets_as_exported = trusted  # type: ignore[assignment]


def read_all(files: list[Path], objects: bool) -> None:
    """read_workbook of each file; ``objects`` also makes its versions objects (a worker process
    leaves them columns, the importing process makes them)."""
    for path in files:
        parsed = workbook_reader.read_workbook(path, None)
        if objects:
            parsed.versions  # noqa: B018


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=Path("/work/benchwb"))
    parser.add_argument("--glob", default="coach-*.xlsx", help="which files of the folder")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    args = parser.parse_args()
    files = sorted(args.folder.glob(args.glob))
    if not files:
        parser.error(f"no .xlsx files in {args.folder}")
    parts = sheet_bytes(files)
    size = sum(len(data) for _, data in parts)
    print(f"{len(files)} files, {len(parts)} sheets, {size / 1e6:.1f} MB of sheet XML")

    for sheet, data in parts:
        old_out, new_out = _Collector("f"), _Collector("f")
        assert old_scan_bytes(data, sheet, old_out) == new_scan_bytes(data, sheet, new_out), sheet
    pairs, hashed_sheets = hash_inputs(files)
    assert all(old_row_hash(v, d) == cells.row_hash(v, d) for v, d in pairs)
    by_columns = [h for sheet in hashed_sheets for h in cells.row_hashes(*sheet)]
    assert by_columns == [cells.row_hash(v, d) for v, d in pairs]
    print(
        f"old and new scans agree on every sheet; {len(pairs)} row hashes identical (row by "
        "row, old and new, and a column at a time)"
    )

    def scan_all(scan: Callable[[bytes, str, _Collector], bool]) -> Callable[[], int]:
        return lambda: sum(not scan(data, sheet, _Collector("f")) for sheet, data in parts)

    def hash_all(row_hash: Callable[[dict[str, Any], Any], str]) -> Callable[[], object]:
        return lambda: [row_hash(v, d) for v, d in pairs]

    rows: list[tuple[str, Callable[[], object]]] = [
        ("inflate sheet parts (zipfile)", lambda: sheet_bytes(files)),
        ("scan, old (inflated bytes)", scan_all(old_scan_bytes)),
        ("scan, new (inflated bytes)", scan_all(new_scan_bytes)),
        ("scan, old (with inflating)", lambda: scan_files(files, old_scan_bytes)),
        ("scan, new (with inflating)", lambda: scan_files(files, new_scan_bytes)),
        ("row_hash, old", hash_all(old_row_hash)),
        ("row_hash, new", hash_all(cells.row_hash)),
        ("row_hashes (a column at a time)", lambda: [cells.row_hashes(*s) for s in hashed_sheets]),
        ("calamine parse", lambda: calamine_parse(files)),
        ("read_workbook (versions columns)", lambda: read_all(files, objects=False)),
        ("read_workbook + version objects", lambda: read_all(files, objects=True)),
        ("read_workbook, every row hashed", lambda: read_every_row(files)),
    ]
    print(f"median of {args.repeat} runs, seconds for all files:")
    medians = {}
    for label, run in rows:
        medians[label] = median_time(run, args.repeat)
        print(f"  {label:32s} {medians[label]:7.3f}")
    scan = medians["scan, new (inflated bytes)"] / medians["scan, old (inflated bytes)"]
    hashing = medians["row_hash, new"] / medians["row_hash, old"]
    by_column = medians["row_hashes (a column at a time)"] / medians["row_hash, new"]
    parse = medians["calamine parse"]
    print(
        f"scan new/old {scan:.2f}; row_hash new/old {hashing:.2f}; "
        f"a column at a time / row by row {by_column:.2f}"
    )
    print(
        "read_workbook / calamine parse: "
        f"{medians['read_workbook (versions columns)'] / parse:.2f} (versions left columns), "
        f"{medians['read_workbook + version objects'] / parse:.2f} (version objects made), "
        f"{medians['read_workbook, every row hashed'] / parse:.2f} (every row hashed)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
