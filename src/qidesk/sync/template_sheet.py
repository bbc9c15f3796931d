"""A self-assessment template as data, and as a simple .xlsx sheet the programme can edit.

The sheet (named ``Template``) looks like this::

    Template code  | qi_capability
    Title          | QI capability self-assessment
    Description    | ...
    Lowest level   | 1
    Level labels   | New to this | Know the basics | ... (one cell per level)
    (blank row)
    Code | Title | Description | Group | Level 1 | Level 2 | ...   <- item header
    MFI  | Model for Improvement ... | ... | Method | descriptor per level ...

Written with openpyxl (every text cell stored as text, never as a formula); read with
python-calamine. A sheet with any problem raises :class:`TemplateSheetError` listing each
problem with its sheet, row and column, and nothing is returned (so nothing is changed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHEET_NAME = "Template"
META_LABELS = ("Template code", "Title", "Description", "Lowest level", "Level labels")
ITEM_HEADER = ("Code", "Title", "Description", "Group")
MIN_ITEMS = 3
MAX_ITEMS = 20
MIN_LEVELS = 2
MAX_LEVELS = 11
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")
_MAX_PROBLEMS = 20


@dataclass(frozen=True)
class TemplateItemDefinition:
    """One item of a template: code, title, description, optional group, level descriptors."""

    code: str
    title: str
    description: str = ""
    group: str = ""
    descriptors: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateDefinition:
    """A template's content, independent of where it is stored (database, JSON, sheet)."""

    code: str
    title: str
    scale_min: int
    level_labels: tuple[str, ...]
    items: tuple[TemplateItemDefinition, ...]
    description: str = ""
    version: int | None = None

    @property
    def scale_max(self) -> int:
        return self.scale_min + len(self.level_labels) - 1

    def content_key(self) -> tuple[Any, ...]:
        """Everything but the version: equal keys mean the same template content."""
        return (
            self.code,
            self.title,
            self.description,
            self.scale_min,
            self.level_labels,
            tuple(
                (i.code, i.title, i.description, i.group, _padded(i.descriptors, self))
                for i in self.items
            ),
        )

    def problems(self) -> list[str]:
        """What is wrong with this definition (empty when it is fine)."""
        found: list[str] = []
        if not CODE_PATTERN.match(self.code or ""):
            found.append(
                "the template code must be 1–80 letters, digits, '_', '.' or '-' "
                f"(got {self.code!r})"
            )
        if not self.title.strip():
            found.append("the template title is empty")
        if not MIN_LEVELS <= len(self.level_labels) <= MAX_LEVELS:
            found.append(
                f"the scale needs {MIN_LEVELS} to {MAX_LEVELS} levels "
                f"(got {len(self.level_labels)})"
            )
        if any(not label.strip() for label in self.level_labels):
            found.append("every level needs a label")
        if not MIN_ITEMS <= len(self.items) <= MAX_ITEMS:
            found.append(
                f"a template needs {MIN_ITEMS} to {MAX_ITEMS} items (got {len(self.items)})"
            )
        seen: set[str] = set()
        for item in self.items:
            if not CODE_PATTERN.match(item.code or ""):
                found.append(f"item code {item.code!r} must be letters, digits, '_', '.' or '-'")
            if item.code.lower() in seen:
                found.append(f"item code {item.code!r} is used twice")
            seen.add(item.code.lower())
            if not item.title.strip():
                found.append(f"item {item.code!r} has no title")
            if len(item.descriptors) > len(self.level_labels):
                found.append(f"item {item.code!r} has more descriptors than the scale has levels")
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "level_labels": list(self.level_labels),
            "items": [
                {
                    "code": i.code,
                    "title": i.title,
                    "description": i.description,
                    "group": i.group,
                    "descriptors": list(_padded(i.descriptors, self)),
                }
                for i in self.items
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TemplateDefinition:
        """Build from the JSON form (as in ``resources/templates/*.json``)."""
        labels = tuple(str(x) for x in data.get("level_labels", []))
        scale_min = int(data.get("scale_min", 1))
        if "scale_max" in data and int(data["scale_max"]) != scale_min + len(labels) - 1:
            raise ValueError("scale_max does not match the number of level labels")
        return cls(
            code=str(data["code"]),
            title=str(data["title"]),
            description=str(data.get("description", "")),
            scale_min=scale_min,
            level_labels=labels,
            version=int(data["version"]) if data.get("version") is not None else None,
            items=tuple(
                TemplateItemDefinition(
                    code=str(i["code"]),
                    title=str(i["title"]),
                    description=str(i.get("description", "")),
                    group=str(i.get("group", "")),
                    descriptors=tuple(str(d) for d in i.get("descriptors", [])),
                )
                for i in data.get("items", [])
            ),
        )

    @classmethod
    def from_json_file(cls, path: Path) -> TemplateDefinition:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def padded_descriptors(
    item: TemplateItemDefinition, definition: TemplateDefinition
) -> tuple[str, ...]:
    """The item's descriptors, one per level of the definition's scale ("" where none)."""
    return _padded(item.descriptors, definition)


def _padded(descriptors: Sequence[str], definition: TemplateDefinition) -> tuple[str, ...]:
    levels = len(definition.level_labels)
    return tuple(list(descriptors)[:levels]) + ("",) * max(0, levels - len(descriptors))


class TemplateSheetError(Exception):
    """A template sheet that cannot be used; ``problems`` says where and what, one per line."""

    def __init__(self, file: str, problems: list[str]):
        super().__init__(file, problems)
        self.file = file
        self.problems = list(problems)

    def __str__(self) -> str:
        shown = self.problems[:_MAX_PROBLEMS]
        more = len(self.problems) - len(shown)
        lines = [f"{self.file}: the template sheet has {len(self.problems)} problem(s):"]
        lines += [f"  {p}" for p in shown]
        if more > 0:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- writing -----------------------------------------------------------------------------------


def _text_cell(ws: Any, row: int, column: int, value: str) -> Any:
    """Write ``value`` as a text cell, even when it starts with = + - @ (never a formula)."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"
    return cell


def write_template_sheet(definition: TemplateDefinition, path: Path) -> None:
    """Write ``definition`` as a one-sheet workbook at ``path`` (replacing any file there)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    meta_values: list[list[str | int]] = [
        [definition.code],
        [definition.title],
        [definition.description],
        [definition.scale_min],
        list(definition.level_labels),
    ]
    for row, (label, values) in enumerate(zip(META_LABELS, meta_values, strict=True), start=1):
        _text_cell(ws, row, 1, label).font = bold
        for column, value in enumerate(values, start=2):
            if isinstance(value, int):
                ws.cell(row=row, column=column, value=value)
            else:
                _text_cell(ws, row, column, value)
    header_row = len(META_LABELS) + 2
    levels = range(definition.scale_min, definition.scale_max + 1)
    header = [*ITEM_HEADER, *(f"Level {level}" for level in levels)]
    for column, title in enumerate(header, start=1):
        cell = _text_cell(ws, header_row, column, title)
        cell.font = bold
        cell.fill = header_fill
    for offset, item in enumerate(definition.items, start=1):
        row = header_row + offset
        item_values = [item.code, item.title, item.description, item.group]
        item_values += list(_padded(item.descriptors, definition))
        for column, text in enumerate(item_values, start=1):
            _text_cell(ws, row, column, text).alignment = wrap
    widths = [16, 40, 50, 16] + [30] * len(definition.level_labels)
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[column_letter(column)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)
    wb.save(path)


# --- reading -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: whole numbers without '.0', dates as ISO, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


def read_template_sheet(path: Path) -> TemplateDefinition:
    """Read and fully validate a template sheet; raise :class:`TemplateSheetError` on problems."""
    from python_calamine import CalamineWorkbook

    name = Path(path).name
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise TemplateSheetError(name, [f"cannot be read as an Excel workbook ({exc})"]) from exc
    if SHEET_NAME not in workbook.sheet_names:
        raise TemplateSheetError(
            name,
            [
                f"no sheet named '{SHEET_NAME}' (sheets: {', '.join(workbook.sheet_names)}); "
                "export a template from QI Desk to see the expected layout"
            ],
        )
    rows = workbook.get_sheet_by_name(SHEET_NAME).to_python(skip_empty_area=False)
    return parse_template_rows(rows, name)


def parse_template_rows(rows: Sequence[Sequence[Any]], file_name: str) -> TemplateDefinition:
    """Validate the cell values of a template sheet (row lists, first row = row 1)."""
    problems: list[str] = []

    def where(row: int, column: int, what: str) -> str:
        return f"sheet '{SHEET_NAME}', row {row}, column {column_letter(column)} ({what})"

    def cell(row: int, column: int) -> str:
        if row - 1 < len(rows) and column - 1 < len(rows[row - 1]):
            return _text(rows[row - 1][column - 1])
        return ""

    def row_values(row: int) -> list[str]:
        if row - 1 >= len(rows):
            return []
        values = [_text(v) for v in rows[row - 1]]
        while values and not values[-1]:
            values.pop()
        return values

    for row, label in enumerate(META_LABELS, start=1):
        if cell(row, 1).lower() != label.lower():
            problems.append(f"{where(row, 1, 'label')}: expected '{label}', found '{cell(row, 1)}'")
    if problems:
        raise TemplateSheetError(file_name, problems)
    code, title, description = cell(1, 2), cell(2, 2), cell(3, 2)
    if not CODE_PATTERN.match(code):
        problems.append(
            f"{where(1, 2, 'template code')}: must be 1–80 letters, digits, '_', '.' or '-'"
        )
    if not title:
        problems.append(f"{where(2, 2, 'title')}: the template needs a title")
    scale_min = 1
    raw_min = rows[3][1] if len(rows) > 3 and len(rows[3]) > 1 else ""
    try:
        as_float = float(raw_min)
        if not as_float.is_integer():
            raise ValueError
        scale_min = int(as_float)
    except (TypeError, ValueError):
        problems.append(f"{where(4, 2, 'lowest level')}: must be a whole number, found '{raw_min}'")
    labels = row_values(5)[1:]
    for index, label in enumerate(labels, start=2):
        if not label:
            problems.append(f"{where(5, index, 'level label')}: empty (every level needs a label)")
    if not MIN_LEVELS <= len(labels) <= MAX_LEVELS:
        problems.append(
            f"{where(5, 2, 'level labels')}: the scale needs {MIN_LEVELS} to {MAX_LEVELS} "
            f"levels, found {len(labels)}"
        )
    header_row = next((r for r in range(6, len(rows) + 1) if cell(r, 1).lower() == "code"), None)
    if header_row is None:
        problems.append(
            f"sheet '{SHEET_NAME}': no item header row (a row starting with 'Code' below the "
            "level labels)"
        )
        raise TemplateSheetError(file_name, problems)
    expected = [*ITEM_HEADER, *(f"Level {scale_min + i}" for i in range(len(labels)))]
    found_header = row_values(header_row)
    for column, title_expected in enumerate(expected, start=1):
        got = cell(header_row, column)
        if got.lower() != title_expected.lower():
            problems.append(
                f"{where(header_row, column, 'header')}: expected '{title_expected}', found '{got}'"
            )
    if len(found_header) > len(expected):
        problems.append(
            f"{where(header_row, len(expected) + 1, 'header')}: unexpected column "
            f"'{found_header[len(expected)]}' (one 'Level' column per level label)"
        )
    items: list[TemplateItemDefinition] = []
    seen: dict[str, int] = {}
    for row in range(header_row + 1, len(rows) + 1):
        values = row_values(row)
        if not values:
            continue
        if len(values) > len(expected):
            problems.append(
                f"{where(row, len(expected) + 1, 'beyond the last level')}: unexpected value "
                f"'{values[len(expected)]}'"
            )
        item_code = cell(row, 1)
        item_title = cell(row, 2)
        if not CODE_PATTERN.match(item_code):
            problems.append(
                f"{where(row, 1, 'code')}: item code '{item_code}' must be letters, digits, "
                "'_', '.' or '-'"
            )
        elif item_code.lower() in seen:
            problems.append(
                f"{where(row, 1, 'code')}: item code '{item_code}' is already used in row "
                f"{seen[item_code.lower()]}"
            )
        else:
            seen[item_code.lower()] = row
        if not item_title:
            problems.append(f"{where(row, 2, 'title')}: the item needs a title")
        items.append(
            TemplateItemDefinition(
                code=item_code,
                title=item_title,
                description=cell(row, 3),
                group=cell(row, 4),
                descriptors=tuple(cell(row, 5 + i) for i in range(len(labels))),
            )
        )
    if not MIN_ITEMS <= len(items) <= MAX_ITEMS:
        problems.append(
            f"sheet '{SHEET_NAME}', rows {header_row + 1} onwards: a template needs "
            f"{MIN_ITEMS} to {MAX_ITEMS} items, found {len(items)}"
        )
    if problems:
        raise TemplateSheetError(file_name, problems)
    definition = TemplateDefinition(
        code=code,
        title=title,
        description=description,
        scale_min=scale_min,
        level_labels=tuple(labels),
        items=tuple(items),
    )
    leftover = definition.problems()
    if leftover:
        raise TemplateSheetError(file_name, [f"sheet '{SHEET_NAME}': {p}" for p in leftover])
    return definition
