"""Cells both ways: text that is always text when written, and typed values when read.

Writing: any string becomes a string cell, never a formula or an error value; text starting
with ``= + - @``, tab or CR also gets Excel's quote prefix so re-entering it keeps it text.
Reading: calamine gives floats for integers and ``date`` or ``datetime`` by value, openpyxl gives
``datetime`` for dates; :func:`convert` turns either into the ORM column's type or raises
:class:`CellError` with a message fit for a person.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from qidesk.sync.record_types import BOOL, DATE, DATETIME, ENUM, FLOAT, INT, REF, TEXT

#: Excel's error values (openpyxl's ``ERROR_CODES``, written out: importing openpyxl for them
#: would cost every reader process a fifth of a second; a test keeps the two equal).
ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
#: Text starting with one of these is a formula (or starts one) in some spreadsheet program.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Characters XML 1.0 cannot hold (and CR, which XML parsers turn into LF); written as the
#: OOXML escape ``_xHHHH_``, which readers decode.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]")
#: Text that already looks like an escape: its underscore is escaped (``_x005F_``).
_LOOKS_ESCAPED = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
#: Longest text a cell holds in Excel.
MAX_CELL_TEXT = 32767

_TRUE_TEXT = {"true", "yes", "y", "1", "ja", "oui", "wahr", "vrai"}
_FALSE_TEXT = {"false", "no", "n", "0", "nein", "non", "faux", ""}


class CellError(ValueError):
    """A cell whose content does not fit its column (message says what was expected)."""


def escape_xml_text(text: str) -> str:
    """``text`` with characters XML cannot hold written as ``_xHHHH_`` (what Excel does)."""
    if "_x" in text:
        text = _LOOKS_ESCAPED.sub("_x005F_", text)
    if not _ILLEGAL_XML.search(text):
        return text
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def needs_text_guard(text: str) -> bool:
    """True when a spreadsheet could take ``text`` for a formula or an error value."""
    return text.startswith(FORMULA_PREFIXES) or text in ERROR_CODES


def set_text(cell: Any, text: str) -> Any:
    """Put ``text`` in an openpyxl cell as a string cell, whatever it starts with."""
    clean = escape_xml_text(text)
    cell._value = clean
    cell.data_type = "s"
    if needs_text_guard(clean):
        cell.quotePrefix = True
    return cell


def set_value(cell: Any, value: Any) -> Any:
    """Put ``value`` in an openpyxl cell; strings always as text (see :func:`set_text`)."""
    if isinstance(value, str):
        return set_text(cell, value)
    cell.value = value
    return cell


def is_plain_safe_text(text: str) -> bool:
    """True when openpyxl may write ``text`` as given (no guard and nothing to escape)."""
    return not needs_text_guard(text) and not _ILLEGAL_XML.search(text) and "_x" not in text


# ---- reading -------------------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def to_text(value: Any) -> str:
    """Any cell value as text: numbers without a spurious ``.0``, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("expected a whole number, found TRUE/FALSE")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise CellError(f"expected a whole number, found {value!r}")
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d{1,15}", text):
            return int(text)
        if re.fullmatch(r"[+-]?\d{1,15}\.0*", text):
            return int(float(text))
        raise CellError(f"expected a whole number, found the text {value!r}")
    raise CellError(f"expected a whole number, found {_describe(value)}")


def to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError("expected a number, found TRUE/FALSE")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip().replace(",", "."))
        except ValueError:
            raise CellError(f"expected a number, found the text {value!r}") from None
    else:
        raise CellError(f"expected a number, found {_describe(value)}")
    if not math.isfinite(result):
        raise CellError("expected a finite number")
    return result


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE_TEXT:
            return True
        if text in _FALSE_TEXT:
            return False
    raise CellError(f"expected TRUE or FALSE, found {_describe(value)}")


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        if value.time() != time():
            raise CellError(f"expected a date without a time, found {value.isoformat(sep=' ')}")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10]) if len(text) in (10,) else _date_from_text(text)
        except ValueError:
            raise CellError(f"expected a date (YYYY-MM-DD), found the text {value!r}") from None
    raise CellError(f"expected a date, found {_describe(value)}")


def _date_from_text(text: str) -> date:
    stamp = datetime.fromisoformat(text)
    if stamp.time() != time():
        raise ValueError(text)
    return stamp.date()


def to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else _naive_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            stamp = datetime.fromisoformat(value.strip())
        except ValueError:
            raise CellError(
                f"expected a date and time (YYYY-MM-DD HH:MM:SS), found the text {value!r}"
            ) from None
        return _naive_utc(stamp) if stamp.tzinfo is not None else stamp
    raise CellError(f"expected a date and time, found {_describe(value)}")


def _naive_utc(stamp: datetime) -> datetime:
    from datetime import UTC

    return stamp.astimezone(UTC).replace(tzinfo=None)


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return "TRUE/FALSE"
    if isinstance(value, datetime | date):
        return f"the date {to_text(value)}"
    if isinstance(value, int | float):
        return f"the number {to_text(value)}"
    return f"a {type(value).__name__}"


def convert(value: Any, kind: str, *, nullable: bool, choices: tuple[str, ...] = ()) -> Any:
    """A cell value as the column's Python value; raises CellError when it does not fit.

    Blank cells are ``""`` for text columns, None where the column allows it, else an error.
    """
    if kind in (TEXT, ENUM, REF) or is_blank(value):
        if kind == TEXT and nullable and is_blank(value) and not value:
            return None  # an empty cell of a text column that may be NULL
        if kind == TEXT:
            text = to_text(value)
            if len(text) > MAX_CELL_TEXT:
                raise CellError(f"text longer than {MAX_CELL_TEXT} characters")
            return text
        if is_blank(value):
            if kind == ENUM and "" in choices:
                return ""
            if nullable:
                return None
            if kind == ENUM:
                raise CellError(f"required: one of {', '.join(c for c in choices if c)}")
            raise CellError("required: this cell must not be empty")
        text = to_text(value).strip()
        if kind == ENUM:
            if text in choices:
                return text
            lowered = {c.lower(): c for c in choices}
            if text.lower() in lowered:
                return lowered[text.lower()]
            allowed = ", ".join(c if c else "(empty)" for c in choices)
            raise CellError(f"expected one of {allowed}, found {text!r}")
        return text.lower()
    if kind == INT:
        return to_int(value)
    if kind == FLOAT:
        return to_float(value)
    if kind == BOOL:
        return to_bool(value)
    if kind == DATE:
        return to_date(value)
    if kind == DATETIME:
        return to_datetime(value)
    raise CellError(f"unknown column kind {kind}")  # pragma: no cover - registry bug


def canonical(value: Any) -> Any:
    """A value in the form the row hash uses, equal for a value and its round trip through a
    spreadsheet (datetimes to the second, line ends as ``\\n``)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_sha256 = hashlib.sha256


def row_hash(values: dict[str, Any], deleted_at: datetime | None) -> str:
    """Hash of a row's values and deletion mark, as written at export and recomputed on import.

    Equal for a row and its round trip through a spreadsheet; different once a person edits a
    value (or the deletion mark) in the spreadsheet. The text hashed is each column's key and
    the ``repr`` of its canonical value, in key order.
    """
    parts = [
        f"{key}={value!r}"
        if (
            (value := values[key]) is None
            or (kind := type(value)) is int
            or (kind is str and "\r" not in value)
        )
        else f"{key}={canonical(value)!r}"
        for key in sorted(values)
    ]
    parts.append(
        "__deleted_at=None" if deleted_at is None else f"__deleted_at={canonical(deleted_at)!r}"
    )
    return _sha256("\x1f".join(parts).encode()).hexdigest()[:32]


#: Types whose ``repr`` is that of their canonical value (for text: without a CR).
_AS_THEY_ARE = {type(None), int, str}


def row_hashes(
    keys: Sequence[str], columns: Sequence[Sequence[Any]], deleted_at: Sequence[datetime | None]
) -> list[str]:
    """:func:`row_hash` of each row of a sheet given as columns (``columns[i]`` holds the
    values of ``keys[i]``), a column at a time: the same hashes, bit for bit, several times
    faster."""
    count = len(deleted_at)
    parts: list[Any] = []
    for key, column in sorted(zip(keys, columns, strict=True)):
        if set(map(type, column)) <= _AS_THEY_ARE and "\r" not in "".join(map(str, column)):
            texts = map(repr, column)
        else:
            texts = map(repr, map(canonical, column))
        parts.append(map(f"{key}=".__add__, texts))
    parts.append(map(_deletion_part, deleted_at))
    rows = map("\x1f".join, zip(*parts, strict=True))
    hashes = [_sha256(text.encode()).hexdigest()[:32] for text in rows]
    if len(hashes) != count:
        raise ValueError("row_hashes: columns of different lengths")
    return hashes


def _deletion_part(deleted_at: datetime | None) -> str:
    return "__deleted_at=None" if deleted_at is None else f"__deleted_at={canonical(deleted_at)!r}"
