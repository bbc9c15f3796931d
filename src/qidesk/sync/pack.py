"""The self-assessment pack: a workbook one team fills in for one stage, without QI Desk.

Sheets: ``Instructions`` (shown first), ``Assessment`` (items as rows, one column per member,
a team-consensus column and a comments column; drop-downs limited to the scale plus "not
answered"; only the answer cells are unlocked, the sheet is protected without a password),
and hidden sheets: ``Lists`` (the drop-down's choices), ``_meta`` (format, export id, team,
stage), ``_pack`` (which column is which respondent, which row which item) and ``_rows`` (the
answers as exported, with their versions, so edits are told from untouched answers).

Importing the pack gives versions of the stage's assessment and of one response per answered
cell, with the natural uuids of the assessment issue; an answer changed in the pack becomes a
version whose origin is the pack's export id and the new values, so the same filled pack
imported twice (or after a LibreOffice re-save) is the same version, and two different fills of
one pack are two concurrent versions (a conflict), never a silent overwrite.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.store.base import json_value
from qidesk.sync.cells import CellError, convert, is_blank, row_hash, set_value, to_text
from qidesk.sync.record_types import (
    FORMAT_NAME,
    FORMAT_VERSION,
    KIND_PACK,
    META_SHEET,
    ROWS_SHEET,
    spec_for,
)
from qidesk.sync.versions import CellRef, IncomingVersion
from qidesk.sync.workbook_reader import MAX_COLUMNS
from qidesk.sync.workbook_writer import (
    ExportMeta,
    ExportRow,
    check_text_lengths,
    save_atomically,
)

FILL_SHEET = "Assessment"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
PACK_SHEET = "_pack"
NOT_ANSWERED = "not answered"
CONSENSUS = "consensus"
#: A respondent whose column is gone but who is still read (the consensus, for its comments).
NO_COLUMN = 0
PACK_SHEETS = (INSTRUCTIONS_SHEET, FILL_SHEET, LISTS_SHEET, META_SHEET, PACK_SHEET, ROWS_SHEET)
HEADER_ROW = 4
FIRST_ITEM_ROW = HEADER_ROW + 1
#: Fixed columns before the respondents: code, item, what it means, levels.
FIXED_COLUMNS = 4
ROWS_HEADERS = (
    "record_type",
    "uuid",
    "vv",
    "updated_at",
    "updated_by",
    "deleted_at",
    "values",
    "hash",
)

INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
LOCKED_FILL = PatternFill("solid", fgColor="EEF2F5")
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
THIN = Side(style="thin", color="B0B8C0")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


class PackError(Exception):
    """The pack cannot be made (message says why)."""


@dataclass(frozen=True)
class PackItem:
    code: str
    title: str
    description: str
    group: str
    descriptors: tuple[str, ...]


@dataclass(frozen=True)
class PackRespondent:
    key: str  # member uuid, or "consensus"
    name: str
    role: str = ""


@dataclass
class PackData:
    """What one pack holds, read in one transaction."""

    team_uuid: str
    team_name: str
    cohort_name: str
    stage: str
    template_title: str
    scale_min: int
    scale_max: int
    level_labels: tuple[str, ...]
    items: list[PackItem]
    respondents: list[PackRespondent]
    assessment: tuple[str, ExportRow]
    #: Existing responses (tombstones too) by (respondent, item code).
    responses: dict[tuple[str, str], tuple[str, ExportRow]] = field(default_factory=dict)

    def level_choices(self) -> list[str]:
        out = []
        for level in range(self.scale_min, self.scale_max + 1):
            index = level - self.scale_min
            label = self.level_labels[index] if index < len(self.level_labels) else ""
            out.append(f"{level} – {label}" if label else str(level))
        return [*out, NOT_ANSWERED]


def _export_row(spec_type: str, obj: Any) -> ExportRow:
    spec = spec_for(spec_type)
    return ExportRow(
        uuid=obj.uuid,
        values={c.key: getattr(obj, c.key) for c in spec.columns},
        vv=obj.vv,
        updated_at=obj.updated_at,
        updated_by=obj.updated_by,
        deleted_at=obj.deleted_at,
    )


def collect_pack(session: Session, team_uuid: str, stage: str) -> PackData:
    """Read the pack of ``team_uuid`` at ``stage``; the stage's assessment must exist (the
    export service creates it first, so the pack carries its version)."""
    from qidesk.store.models.assessment import (
        CONSENSUS_RESPONDENT,
        STAGES,
        Assessment,
        AssessmentResponse,
        AssessmentTemplate,
        TemplateItem,
        assessment_uuid,
    )
    from qidesk.store.models.foundation import Cohort, Member, Team

    if stage not in STAGES:
        raise PackError(f"Unknown stage {stage!r}: use one of {', '.join(STAGES)}.")
    team = session.get(Team, team_uuid)
    if team is None or team.deleted_at is not None:
        raise PackError("That team no longer exists.")
    assessment = session.get(Assessment, assessment_uuid(team_uuid, stage))
    if assessment is None:
        raise PackError(f"The team has no {stage} assessment yet.")
    template = session.get(AssessmentTemplate, assessment.template_uuid)
    if template is None:
        raise PackError("The assessment's template is missing.")
    items = [
        PackItem(i.code, i.title, i.description, i.item_group, tuple(i.descriptor_list()))
        for i in session.scalars(
            select(TemplateItem)
            .where(TemplateItem.template_uuid == template.uuid, TemplateItem.deleted_at.is_(None))
            .order_by(TemplateItem.position, TemplateItem.code)
        )
    ]
    if not items:
        raise PackError(f"The template {template.title!r} has no items.")
    responses = {
        (r.respondent, r.item_code): ("AssessmentResponse", _export_row("AssessmentResponse", r))
        for r in session.scalars(
            select(AssessmentResponse).where(AssessmentResponse.assessment_uuid == assessment.uuid)
        )
    }
    answered = {k[0] for k, (_, row) in responses.items() if row.deleted_at is None}
    members = session.scalars(
        select(Member).where(Member.team_uuid == team_uuid).order_by(Member.name)
    ).all()
    respondents = [
        PackRespondent(m.uuid, m.name, m.role)
        for m in members
        if (m.active and m.deleted_at is None) or m.uuid in answered
    ]
    respondents.append(PackRespondent(CONSENSUS_RESPONDENT, "Team consensus"))
    if FIXED_COLUMNS + len(respondents) + 1 > MAX_COLUMNS:
        # Import reads at most MAX_COLUMNS columns: a wider pack could never come back.
        most = MAX_COLUMNS - FIXED_COLUMNS - 2
        raise PackError(
            f"{team.name} has {len(respondents) - 1} members taking part; a pack has room for "
            f"{most}. Mark the members who no longer take part as inactive, then export again."
        )
    cohort = session.get(Cohort, team.cohort_uuid)
    return PackData(
        team_uuid=team.uuid,
        team_name=team.name,
        cohort_name=cohort.name if cohort else "",
        stage=stage,
        template_title=template.title,
        scale_min=template.scale_min,
        scale_max=template.scale_max,
        level_labels=tuple(template.labels()),
        items=items,
        respondents=respondents,
        assessment=("Assessment", _export_row("Assessment", assessment)),
        responses=responses,
    )


# ---- writing --------------------------------------------------------------------------------

STAGE_NAMES = {"start": "start", "mid": "midpoint", "end": "end"}


def _instructions(wb: Workbook, pack: PackData) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = INSTRUCTIONS_SHEET
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 8
    ws.column_dimensions["C"].width = 90
    stage = STAGE_NAMES.get(pack.stage, pack.stage)
    set_value(ws["B2"], f"QI self-assessment: {pack.team_name}")
    ws["B2"].alignment = Alignment(vertical="center")
    ws.row_dimensions[2].height = 28
    ws["B2"].font = Font(bold=True, size=16)
    set_value(ws["B3"], f"{stage.capitalize()} of the programme · {pack.cohort_name}")
    ws["B3"].font = Font(size=12, color="555555")
    lines = [
        "How to fill in this workbook",
        f"1. Open the sheet “{FILL_SHEET}”. Each row is one capability; each white column is "
        "one team member (and the last ones are the team's consensus and comments).",
        "2. For each capability, each member picks the level that describes them best from the "
        f"drop-down list, or “{NOT_ANSWERED}”. Leave a cell empty if someone is absent.",
        "3. Agree a team consensus level together, and add any comments in the last column.",
        "4. Only the white cells can be changed; the rest is protected (no password) so the "
        "workbook can be read back into QI Desk.",
        "5. Save the workbook as an Excel workbook (.xlsx), keep its name, and send it back to "
        "your QI coach. It works in Excel and in LibreOffice Calc.",
    ]
    row = 5
    for index, line in enumerate(lines):
        if index == 0:
            cell = ws.cell(row, 2)
            set_value(cell, line)
            cell.font = Font(bold=True, size=12)
        else:
            number, _, text = line.partition(". ")
            set_value(ws.cell(row, 2), number + ".")
            ws.cell(row, 2).alignment = Alignment(horizontal="right", vertical="top")
            cell = ws.cell(row, 3)
            set_value(cell, text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[row].height = 32
        row += 1
    row += 1
    set_value(ws.cell(row, 2), "The levels")
    ws.cell(row, 2).font = Font(bold=True, size=12)
    row += 1
    for level in range(pack.scale_min, pack.scale_max + 1):
        index = level - pack.scale_min
        set_value(ws.cell(row, 2), str(level))
        ws.cell(row, 2).alignment = Alignment(horizontal="right")
        label = pack.level_labels[index] if index < len(pack.level_labels) else ""
        set_value(ws.cell(row, 3), label)
        row += 1
    ws.protection.sheet = True
    ws.sheet_view.showGridLines = False
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _fill_sheet(wb: Workbook, pack: PackData) -> list[tuple[str, int, str]]:
    """The Assessment sheet; returns the layout entries for the hidden ``_pack`` sheet."""
    ws = wb.create_sheet(FILL_SHEET)
    choices = pack.level_choices()
    stage = STAGE_NAMES.get(pack.stage, pack.stage)
    set_value(ws["A1"], f"{pack.team_name}: {stage} self-assessment")
    ws["A1"].font = Font(bold=True, size=14)
    set_value(
        ws["A2"],
        f"Pick a level for each person from the drop-down (or “{NOT_ANSWERED}”). "
        f"Levels run from {pack.scale_min} to {pack.scale_max}; see the Instructions sheet.",
    )
    ws["A2"].font = Font(italic=True, color="555555")
    headers = ["Code", "Capability", "What it means", "Levels"]
    headers += [r.name for r in pack.respondents] + ["Comments"]
    widths = [8, 34, 44, 46] + [16] * len(pack.respondents) + [40]
    layout: list[tuple[str, int, str]] = []
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(HEADER_ROW, col)
        set_value(cell, text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    for index, respondent in enumerate(pack.respondents):
        col = FIXED_COLUMNS + 1 + index
        layout.append(("respondent", col, respondent.key))
        if respondent.role:
            ws.cell(HEADER_ROW, col).comment = Comment(respondent.role, "QI Desk")
    comment_col = FIXED_COLUMNS + len(pack.respondents) + 1
    layout.append(("comment", comment_col, CONSENSUS))
    # Each answer column's header as written: import finds the columns by it, so a column
    # moved, deleted or added in the spreadsheet is never read as someone else's answers.
    layout.extend(
        ("header", col, headers[col - 1]) for col in range(FIXED_COLUMNS + 1, comment_col + 1)
    )
    ws.row_dimensions[HEADER_ROW].height = 32
    validation = DataValidation(
        type="list",
        formula1=f"{LISTS_SHEET}!$A$1:$A${len(choices)}",
        allow_blank=True,
        showDropDown=False,  # False shows the arrow (the attribute's name is inverted)
        showErrorMessage=True,
        errorTitle="Choose from the list",
        error=f"Choose a level from {pack.scale_min} to {pack.scale_max}, or “{NOT_ANSWERED}”.",
        promptTitle="Level",
        prompt="Pick from the list",
        showInputMessage=True,
    )
    ws.add_data_validation(validation)
    for offset, item in enumerate(pack.items):
        row = FIRST_ITEM_ROW + offset
        layout.append(("item", row, item.code))
        levels = "\n".join(
            f"{pack.scale_min + i}: {text}" for i, text in enumerate(item.descriptors) if text
        )
        for col, value in enumerate((item.code, item.title, item.description, levels), start=1):
            cell = ws.cell(row, col)
            set_value(cell, value)
            cell.fill = LOCKED_FILL
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row, 2).font = Font(bold=True)
        if item.group:
            ws.cell(row, 1).comment = Comment(item.group, "QI Desk")
        for index, respondent in enumerate(pack.respondents):
            col = FIXED_COLUMNS + 1 + index
            cell = ws.cell(row, col)
            existing = pack.responses.get((respondent.key, item.code))
            if existing is not None and existing[1].deleted_at is None:
                score = existing[1].values.get("score")
                if score is not None:
                    set_value(cell, choices[score - pack.scale_min])
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
            cell.border = BORDER
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            validation.add(cell)
        comment_cell = ws.cell(row, comment_col)
        existing = pack.responses.get((CONSENSUS, item.code))
        if existing is not None and existing[1].deleted_at is None:
            set_value(comment_cell, existing[1].values.get("comment") or "")
        comment_cell.protection = Protection(locked=False)
        comment_cell.fill = INPUT_FILL
        comment_cell.border = BORDER
        comment_cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 96
    ws.freeze_panes = ws.cell(FIRST_ITEM_ROW, FIXED_COLUMNS + 1)
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    return layout


def _hidden(wb: Workbook, title: str) -> Any:
    ws = wb.create_sheet(title)
    ws.sheet_state = "hidden"
    return ws


def _iso(stamp: datetime | None) -> str | None:
    return None if stamp is None else stamp.isoformat(sep=" ")


def build_pack(pack: PackData, meta: ExportMeta) -> Workbook:
    wb = Workbook()
    _instructions(wb, pack)
    layout = _fill_sheet(wb, pack)
    lists = _hidden(wb, LISTS_SHEET)
    for row, choice in enumerate(pack.level_choices(), start=1):
        set_value(lists.cell(row, 1), choice)
    meta_ws = _hidden(wb, META_SHEET)
    assessment = pack.assessment[1]
    for row, (key, value) in enumerate(
        (
            ("key", "value"),
            ("format", FORMAT_NAME),
            ("format_version", FORMAT_VERSION),
            ("kind", KIND_PACK),
            ("app_version", meta.app_version),
            ("export_id", meta.export_id),
            ("installation_id", meta.installation_id),
            ("exported_at", _iso(meta.exported_at)),
            ("team_uuid", pack.team_uuid),
            ("team_name", pack.team_name),
            ("stage", pack.stage),
            ("assessment_uuid", assessment.uuid),
            ("scale_min", pack.scale_min),
            ("scale_max", pack.scale_max),
        ),
        start=1,
    ):
        set_value(meta_ws.cell(row, 1), key)
        set_value(meta_ws.cell(row, 2), value)
    layout_ws = _hidden(wb, PACK_SHEET)
    for row, entry in enumerate((("kind", "position", "key"), *layout), start=1):
        for col, value in enumerate(entry, start=1):
            set_value(layout_ws.cell(row, col), value)
    rows_ws = _hidden(wb, ROWS_SHEET)
    base = [pack.assessment, *pack.responses.values()]
    for col, key in enumerate(ROWS_HEADERS, start=1):
        set_value(rows_ws.cell(1, col), key)
    for row, (kind, version) in enumerate(base, start=2):
        values = json.dumps(
            {k: json_value(v) for k, v in version.values.items()},
            sort_keys=True,
            ensure_ascii=False,
        )
        for col, value in enumerate(
            (
                kind,
                version.uuid,
                version.vv,
                _iso(version.updated_at),
                version.updated_by,
                _iso(version.deleted_at),
                values,
                row_hash(version.values, version.deleted_at),
            ),
            start=1,
        ):
            set_value(rows_ws.cell(row, col), value)
    wb.active = 0
    return wb


def write_pack(target: Path, pack: PackData, meta: ExportMeta) -> None:
    check_text_lengths(spec_for("AssessmentResponse"), (row for _, row in pack.responses.values()))
    wb = build_pack(pack, meta)
    save_atomically(lambda p: wb.save(p), target)


# ---- reading --------------------------------------------------------------------------------

_LEADING_NUMBER = re.compile(r"^\s*([+-]?\d+)(?:[.,]0+)?(?:\s|[–\-:]|$)")


def parse_answer(value: Any, low: int, high: int) -> int | None:
    """A pack cell as a score: None for empty or "not answered"; CellError for anything else
    than a level of the scale."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(f"expected a level from {low} to {high}, found TRUE/FALSE")
    if isinstance(value, int | float):
        if float(value).is_integer() and low <= int(value) <= high:
            return int(value)
        raise CellError(f"expected a level from {low} to {high}, found {to_text(value)}")
    text = to_text(value).strip()
    if text.lower() in (NOT_ANSWERED, "n/a", "na", "-"):
        return None
    match = _LEADING_NUMBER.match(text)
    if match and low <= int(match.group(1)) <= high:
        return int(match.group(1))
    raise CellError(f"expected a level from {low} to {high} (or “{NOT_ANSWERED}”), found {text!r}")


def read_pack(
    workbook: Any, meta: Any, *, file: str, out: Any, warnings: list[str] | None = None
) -> list[IncomingVersion]:
    """The versions a filled pack carries (problems go to ``out``, notes the user should read
    to ``warnings``).

    Answer columns are found by the header the pack was written with and item rows by their
    code, so columns or rows moved in the spreadsheet are read as what they are. A person's
    column or an item's row that is missing is not read (what the database holds for it stays
    as it is, with a warning); a column the pack did not have, holding answers, is refused."""
    notes = warnings if warnings is not None else []
    from qidesk.sync.workbook_reader import edited_version

    names = list(workbook.sheet_names)
    for required in (FILL_SHEET, PACK_SHEET, ROWS_SHEET):
        if required not in names:
            known = (
                INSTRUCTIONS_SHEET,
                FILL_SHEET,
                LISTS_SHEET,
                META_SHEET,
                PACK_SHEET,
                ROWS_SHEET,
            )
            unknown = [n for n in names if n not in known]
            if required == FILL_SHEET and unknown:
                others = ", ".join(repr(n) for n in unknown)
                out.add(
                    f"the sheet {required!r} is missing: was it renamed? This pack has "
                    f"{'sheets' if len(unknown) > 1 else 'a sheet'} QI Desk does not know "
                    f"({others}); give the sheet its name {required!r} back and import again",
                    required,
                )
            else:
                out.add(
                    f"the sheet {required!r} is missing: this pack was changed too much",
                    required,
                )
            return []
    facts = meta.extra
    try:
        low, high = int(float(facts["scale_min"])), int(float(facts["scale_max"]))
        team_uuid, stage = facts["team_uuid"], facts["stage"]
    except (KeyError, ValueError):
        out.add("the pack's metadata is incomplete", META_SHEET)
        return []
    layout = workbook.get_sheet_by_name(PACK_SHEET).to_python(skip_empty_area=False)
    respondents: list[tuple[int, str]] = []
    items: list[tuple[int, str]] = []
    comment_col = None
    written_headers: dict[int, str] = {}
    for entry in layout[1:]:
        if len(entry) < 3 or is_blank(entry[0]):
            continue
        try:
            kind, position, key = to_text(entry[0]), int(float(entry[1])), to_text(entry[2])
        except (TypeError, ValueError):
            out.add("the pack's layout cannot be read: this pack was changed too much", PACK_SHEET)
            return []
        if kind == "respondent":
            respondents.append((position, key))
        elif kind == "item":
            items.append((position, key))
        elif kind == "comment":
            comment_col = position
        elif kind == "header":
            written_headers[position] = key.strip()
    base: dict[str, tuple[str, IncomingVersion, str]] = {}
    rows = workbook.get_sheet_by_name(ROWS_SHEET).to_python(skip_empty_area=False)
    for row_no, entry in enumerate(rows[1:], start=2):
        if len(entry) < len(ROWS_HEADERS) or is_blank(entry[1]):
            continue
        version = _base_version(entry, file, row_no, out)
        if version is not None:
            base[version.uuid] = (version.record_type, version, to_text(entry[7]).strip())
    from qidesk.store.models.assessment import assessment_uuid, response_uuid

    a_uuid = assessment_uuid(team_uuid, stage)
    if a_uuid not in base:
        out.add("the pack does not carry its assessment", ROWS_SHEET)
        return []
    fill = workbook.get_sheet_by_name(FILL_SHEET).to_python(skip_empty_area=False)
    header = fill[HEADER_ROW - 1] if len(fill) >= HEADER_ROW else []
    exported_columns = [(written_headers.get(pos, key), key) for pos, key in respondents]
    if comment_col is not None:
        exported_columns.append((written_headers.get(comment_col, "Comments"), "comments"))
    layout_found = _locate_columns(
        header, respondents, comment_col, written_headers, out=out, notes=notes
    )
    if layout_found is None:
        return []
    respondents, comment_col = layout_found
    item_rows = _locate_items(fill, header, items, out=out, notes=notes)
    found_keys = {key for col, key in respondents if col != NO_COLUMN}
    if comment_col is not None:
        found_keys.add("comments")
    _refuse_unknown_columns(
        fill,
        header,
        known={col for col, _ in respondents} | ({comment_col} if comment_col else set()),
        rows=[row for row, _ in item_rows],
        out=out,
        missing=tuple(name for name, key in exported_columns if key not in found_keys),
    )
    versions: list[IncomingVersion] = [base[a_uuid][1]]
    for row, code in item_rows:
        cells = fill[row - 1]
        comment: str | None = None  # None: the comments column is not in the sheet
        if comment_col is not None:
            within = comment_col - 1 < len(cells)
            comment = to_text(cells[comment_col - 1]).strip() if within else ""
        for col, respondent in respondents:
            uuid = response_uuid(a_uuid, respondent, code)
            existing = base.get(uuid)
            if col == NO_COLUMN:
                # The consensus column is gone but the comments are there: the level stays.
                score = existing[1].values.get("score") if existing is not None else None
                name = respondent
            else:
                raw = cells[col - 1] if col - 1 < len(cells) else None
                name = to_text(header[col - 1]) if col - 1 < len(header) else respondent
                try:
                    score = parse_answer(raw, low, high)
                except CellError as exc:
                    out.add(str(exc), FILL_SHEET, row, name or get_column_letter(col))
                    continue
            if existing is None:
                if score is None and not (respondent == CONSENSUS and comment):
                    continue
                values: dict[str, Any] = {
                    "assessment_uuid": a_uuid,
                    "respondent": respondent,
                    "item_code": code,
                    "score": score,
                    "comment": (comment or "") if respondent == CONSENSUS else "",
                }
                vv_base, deleted_at = "", None
                old_hash = ""
            else:
                _, old, old_hash = existing
                values = dict(old.values)
                values["score"] = score
                if respondent == CONSENSUS and comment is not None:
                    values["comment"] = comment
                vv_base = old.vv
                deleted_at = old.deleted_at
                if old.deleted_at is not None and (score is not None or values["comment"]):
                    deleted_at = None  # answered again in the pack
                if old.deleted_at is not None and score is None and not values["comment"]:
                    values = dict(old.values)  # still empty: the tombstone as it was
            new_hash = row_hash(values, deleted_at)
            if existing is not None and new_hash == old_hash:
                versions.append(existing[1])
                continue
            vv, updated_at, updated_by = edited_version(vv_base, meta, new_hash)
            versions.append(
                IncomingVersion(
                    record_type="AssessmentResponse",
                    uuid=uuid,
                    vv=vv,
                    updated_at=updated_at,
                    updated_by=updated_by,
                    deleted_at=deleted_at,
                    values=values,
                    source=CellRef(file, FILL_SHEET, row, name),
                )
            )
    return versions


def _header_texts(header: list[Any]) -> list[str]:
    return [to_text(cell).strip() for cell in header]


def _locate_columns(
    header: list[Any],
    respondents: list[tuple[int, str]],
    comment_col: int | None,
    written: dict[int, str],
    *,
    out: Any,
    notes: list[str],
) -> tuple[list[tuple[int, str]], int | None] | None:
    """Where each respondent's column and the comments column are now, found by the header
    the pack was written with (a pack written before headers were recorded: where they were
    written, provided the consensus and comments columns are still in place). A column that
    is gone is left out, with a note; None when the columns cannot be told apart."""
    texts = _header_texts(header)

    def now_at(position: int) -> int | None:
        name = written.get(position, "")
        if position - 1 < len(texts) and texts[position - 1] == name:
            return position
        found = [i + 1 for i, text in enumerate(texts) if text == name and i >= FIXED_COLUMNS]
        return found[0] if len(found) == 1 else None

    if not written:
        # A pack written before headers were recorded: check the columns did not move.
        expected = {col: "Team consensus" for col, key in respondents if key == CONSENSUS}
        if comment_col is not None:
            expected[comment_col] = "Comments"
        for col, name in sorted(expected.items()):
            text = texts[col - 1] if col - 1 < len(texts) else ""
            if text != name:
                out.add(
                    f"expected the column {name!r} here, found {text!r}: columns were added, "
                    "deleted or moved, so the answers cannot be told apart. Put the columns "
                    "back as they were, or export a new pack",
                    FILL_SHEET,
                    HEADER_ROW,
                    get_column_letter(col),
                )
                return None
        return respondents, comment_col
    located: list[tuple[int, str]] = []
    for position, key in respondents:
        now = now_at(position)
        name = written.get(position, key)
        if now is None:
            notes.append(
                f"{FILL_SHEET}: the column of {name} is missing (deleted or renamed in the "
                "spreadsheet?): their answers were not read, and what QI Desk holds for them "
                "stays as it is."
            )
        else:
            located.append((now, key))
    comments_now = None
    if comment_col is not None:
        comments_now = now_at(comment_col)
        if comments_now is not None and all(key != CONSENSUS for _, key in located):
            located.append((NO_COLUMN, CONSENSUS))  # its comments are still read
        if comments_now is None:
            notes.append(
                f"{FILL_SHEET}: the Comments column is missing (deleted or renamed in the "
                "spreadsheet?): no comment was read, and the comments QI Desk holds stay as "
                "they are."
            )
    return located, comments_now


def _locate_items(
    fill: list[list[Any]],
    header: list[Any],
    items: list[tuple[int, str]],
    *,
    out: Any,
    notes: list[str],
) -> list[tuple[int, str]]:
    """Each item's row, found by its code (rows sorted or moved are read as what they are);
    an item whose row is gone is left out, with a note."""
    texts = _header_texts(header)
    code_col = texts.index("Code") if "Code" in texts else 0
    rows_of: dict[str, list[int]] = {}
    for row_no, cells in enumerate(fill[HEADER_ROW:], start=HEADER_ROW + 1):
        if code_col < len(cells) and not is_blank(cells[code_col]):
            rows_of.setdefault(to_text(cells[code_col]).strip(), []).append(row_no)
    found: list[tuple[int, str]] = []
    missing: list[str] = []
    for _row, code in items:
        rows = rows_of.get(code, [])
        if len(rows) == 1:
            found.append((rows[0], code))
        elif not rows:
            missing.append(code)
        else:
            out.add(
                f"the item {code!r} appears in rows {', '.join(map(str, rows))}: keep one row "
                "per item",
                FILL_SHEET,
                rows[1],
                "Code",
            )
    if missing:
        notes.append(
            f"{FILL_SHEET}: no row for the item{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} (deleted in the spreadsheet?): "
            f"{'their' if len(missing) > 1 else 'its'} answers were not read, and what QI Desk "
            "holds for them stays as it is."
        )
    return found


def _refuse_unknown_columns(
    fill: list[list[Any]],
    header: list[Any],
    *,
    known: set[int],
    rows: list[int],
    out: Any,
    missing: tuple[str, ...] = (),
) -> None:
    """A column added in the spreadsheet that holds answers cannot be read as anyone's: say so,
    rather than drop those answers without a word."""
    texts = _header_texts(header)
    width = max((len(fill[row - 1]) for row in rows), default=0)
    for col in range(FIXED_COLUMNS + 1, width + 1):
        if col in known:
            continue
        if all(col - 1 >= len(fill[row - 1]) or is_blank(fill[row - 1][col - 1]) for row in rows):
            continue
        name = texts[col - 1] if col - 1 < len(texts) else ""
        named = f"the column {name!r}" if name else "a column without a header"
        out.add(
            f"{named} holds answers but was not in the pack as exported, so they cannot be "
            "recorded for anyone. Add the person to the team in QI Desk and export a new pack, "
            "or move the answers into the right person's column"
            + (
                f". If it is the column of {' or '.join(repr(m) for m in missing)}, give it "
                "back the header it was exported with"
                if missing
                else ""
            ),
            FILL_SHEET,
            HEADER_ROW,
            get_column_letter(col),
        )


def name_answer_columns(path: Path, problems: list[Any]) -> list[Any]:
    """``problems`` (``validate.Problem``) with an answer cell of a pack's fill-in sheet named
    by its column's header, as a coach sees it ("Bethan Evans", "Comments"), instead of the
    column letter the formula scan gives (it runs before the sheet is read, so it has only the
    letter). A header shown in several columns keeps its letter beside it ("Aled Jones (F)");
    a file that is not a pack, or cannot be read, keeps its problems as they are."""
    from dataclasses import replace

    import python_calamine

    lettered = [
        p
        for p in problems
        if p.sheet == FILL_SHEET
        and p.row is not None
        and p.row > HEADER_ROW
        and p.column
        and p.column.isalpha()
        and p.column.isupper()
    ]
    if not lettered:
        return problems
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception:  # damaged: the problems already say what they can
        return problems
    try:
        if PACK_SHEET not in workbook.sheet_names or FILL_SHEET not in workbook.sheet_names:
            return problems
        rows = workbook.get_sheet_by_name(FILL_SHEET).to_python(
            skip_empty_area=False, nrows=HEADER_ROW
        )
    except Exception:
        return problems
    finally:
        workbook.close()
    texts = _header_texts(rows[HEADER_ROW - 1]) if len(rows) >= HEADER_ROW else []
    named: dict[str, str] = {}
    for index, text in enumerate(texts[:MAX_COLUMNS]):
        if text:
            letter = get_column_letter(index + 1)
            named[letter] = text if texts.count(text) == 1 else f"{text} ({letter})"
    return [
        replace(p, column=named[p.column])
        if p in lettered and p.column in named and p.column not in texts
        else p
        for p in problems
    ]


def _base_version(entry: list[Any], file: str, row_no: int, out: Any) -> IncomingVersion | None:
    from qidesk.core.version_vector import VersionVector
    from qidesk.sync.cells import to_datetime

    record_type = to_text(entry[0]).strip()
    try:
        spec = spec_for(record_type)
        raw_values = json.loads(to_text(entry[6]))
        values = {
            c.key: convert(raw_values.get(c.key), c.kind, nullable=c.nullable, choices=c.choices)
            for c in spec.columns
        }
        vv = str(VersionVector.parse(to_text(entry[2])))
        updated_at = to_datetime(entry[3])
        deleted_at = None if is_blank(entry[5]) else to_datetime(entry[5])
    except (KeyError, ValueError) as exc:
        out.add(f"a pack row cannot be read ({exc})", ROWS_SHEET, row_no)
        return None
    return IncomingVersion(
        record_type=record_type,
        uuid=to_text(entry[1]).strip().lower(),
        vv=vv,
        updated_at=updated_at,
        updated_by=to_text(entry[4]).strip(),
        deleted_at=deleted_at,
        values=values,
        source=CellRef(file, ROWS_SHEET, row_no, None),
    )
