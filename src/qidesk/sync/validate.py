"""Problems found in a workbook (each with file, sheet, row and column) and the checks that need
the database: references that must resolve in the workbook or in the database, and ranges that
depend on other records (a score within its template's scale)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # reader processes import this module and never the ORM
    from sqlalchemy.orm import Session

from qidesk.sync.record_types import spec_for
from qidesk.sync.versions import IncomingVersion, VersionColumns

#: Stop collecting after this many problems in one file (the list is long enough to act on).
MAX_PROBLEMS_PER_FILE = 500


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file. ``sheet``/``row``/``column`` are None for file-level ones."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


def _db_uuids(session: Session, record_type: str, wanted: set[str]) -> set[str]:
    from sqlalchemy import select

    if not wanted:
        return set()
    table = spec_for(record_type).model.__table__  # type: ignore[attr-defined]
    found: set[str] = set()
    items = sorted(wanted)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        found.update(session.scalars(select(table.c.uuid).where(table.c.uuid.in_(chunk))).all())
    return found


#: A version as the checks see it: a version object, or one sheet's versions as columns.
Versions = Iterable[IncomingVersion | VersionColumns]
#: One row of :func:`_rows`: uuid, the asked values, file, sheet, row, column of the source.
_Row = tuple[str, tuple[Any, ...], str, str, int | None, str | None]


def _rows(
    items: list[IncomingVersion | VersionColumns], record_type: str, keys: tuple[str, ...]
) -> Iterator[_Row]:
    """The versions of ``record_type`` with the values of ``keys`` (None where a version has
    no such value), without making objects of versions read as columns."""
    for item in items:
        if item.record_type != record_type:
            continue
        if isinstance(item, VersionColumns):
            count = len(item.uuids)
            columns = [
                item.values[item.keys.index(k)] if k in item.keys else [None] * count for k in keys
            ]
            for index, uuid in enumerate(item.uuids):
                yield (
                    uuid,
                    tuple(column[index] for column in columns),
                    item.file,
                    item.sheet,
                    item.rows[index],
                    None,
                )
        else:
            source = item.source
            values = item.values
            yield (
                item.uuid,
                tuple(values.get(k) for k in keys),
                source.file,
                source.sheet,
                source.row,
                source.column,
            )


def _uuids_by_type(items: list[IncomingVersion | VersionColumns]) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {}
    for item in items:
        if isinstance(item, VersionColumns):
            known.setdefault(item.record_type, set()).update(item.uuids)
        else:
            known.setdefault(item.record_type, set()).add(item.uuid)
    return known


def check_references(
    session: Session | None, versions: Versions, file: str | None = None
) -> list[Problem]:
    """A problem for every reference that resolves neither in ``versions`` (all files being
    imported together) nor in the database (only for versions from ``file``, if given)."""
    items = list(versions)
    known = _uuids_by_type(items)
    pending: list[tuple[str, str, int | None, str, str, str]] = []
    wanted: dict[str, set[str]] = {}
    for record_type in known:
        refs = [(c.key, c.ref_type) for c in spec_for(record_type).columns if c.ref_type]
        if not refs:
            continue
        for item in items:
            if item.record_type != record_type:
                continue
            if isinstance(item, VersionColumns):
                if file is not None and item.file != file:
                    continue
                found: list[tuple[int, int, str, str, str]] = []
                for position, (key, ref_type) in enumerate(refs):
                    if key not in item.keys:
                        continue
                    targets = item.values[item.keys.index(key)]
                    # Most references resolve among the files: find the others at C speed.
                    unresolved = set(targets) - known.get(ref_type, set())
                    unresolved.discard(None)
                    if not unresolved:
                        continue
                    found.extend(
                        (index, position, key, ref_type, target)
                        for index, target in enumerate(targets)
                        if target in unresolved
                    )
                    wanted.setdefault(ref_type, set()).update(unresolved)
                found.sort(key=lambda f: (f[0], f[1]))  # row by row, as for objects
                pending.extend(
                    (item.file, item.sheet, item.rows[index], key, ref_type, target)
                    for index, _position, key, ref_type, target in found
                )
                continue
            source = item.source
            if file is not None and source.file != file:
                continue
            for key, ref_type in refs:
                target = item.values.get(key)
                if target is None or target in known.get(ref_type, ()):
                    continue
                pending.append((source.file, source.sheet, source.row, key, ref_type, target))
                wanted.setdefault(ref_type, set()).add(target)
    if not pending:
        return []
    in_db = (
        {t: _db_uuids(session, t, ids) for t, ids in wanted.items()} if session is not None else {}
    )
    problems = []
    for source_file, sheet, row, key, ref_type, target in pending:
        if target in in_db.get(ref_type, set()):
            continue
        problems.append(
            Problem(
                file=source_file,
                sheet=sheet,
                row=row,
                column=key,
                message=(
                    f"refers to {spec_for(ref_type).record_type} {target}, which is neither in "
                    "this workbook nor in the database"
                ),
            )
        )
    return problems


def check_ranges(
    session: Session | None, versions: Versions, file: str | None = None
) -> list[Problem]:
    """Checks across records: a response's score lies within its template's scale."""
    items = list(versions)
    templates: dict[str, tuple[int, int]] = {}
    assessments: dict[str, str] = {}
    for uuid, (low, high), *_ in _rows(items, "AssessmentTemplate", ("scale_min", "scale_max")):
        templates[uuid] = (1 if low is None else low, 5 if high is None else high)
    for uuid, (template,), *_ in _rows(items, "Assessment", ("template_uuid",)):
        assessments[uuid] = template
    responses = [
        item
        for item in items
        if item.record_type == "AssessmentResponse"
        and (
            file is None
            or (item.file if isinstance(item, VersionColumns) else item.source.file) == file
        )
    ]
    if not responses:
        return []
    if session is not None:
        from sqlalchemy import select

        from qidesk.store.models.assessment import Assessment, AssessmentTemplate

        referred: set[str | None] = set()
        for item in responses:
            if isinstance(item, VersionColumns):
                if "assessment_uuid" in item.keys:
                    referred.update(item.values[item.keys.index("assessment_uuid")])
            else:
                referred.add(item.values.get("assessment_uuid"))
        missing_a = {a for a in referred if a is not None} - set(assessments)
        if missing_a:
            for a_uuid, t_uuid in session.execute(
                select(Assessment.uuid, Assessment.template_uuid).where(
                    Assessment.uuid.in_(sorted(missing_a))
                )
            ).all():
                assessments[a_uuid] = t_uuid
        missing_t = set(assessments.values()) - set(templates)
        if missing_t:
            for t_uuid, low, high in session.execute(
                select(
                    AssessmentTemplate.uuid,
                    AssessmentTemplate.scale_min,
                    AssessmentTemplate.scale_max,
                ).where(AssessmentTemplate.uuid.in_(sorted(missing_t)))
            ).all():
                templates[t_uuid] = (low, high)
    scales = {a: templates[t] for a, t in assessments.items() if t in templates}
    problems = []
    for _uuid, (assessment, score), source_file, sheet, row, column in _rows(
        responses, "AssessmentResponse", ("assessment_uuid", "score")
    ):
        if score is None:
            continue
        scale = scales.get(assessment)
        if scale is None:
            continue
        low, high = scale
        if not low <= score <= high:
            problems.append(
                Problem(
                    file=source_file,
                    sheet=sheet,
                    row=row,
                    column=column or "score",
                    message=f"score {score} is outside the scale {low} to {high}",
                )
            )
    return problems


# ---- rows edited in the spreadsheet -------------------------------------------------------------

#: Record types identified by some of their values (their uuid is derived from them, so that
#: two installations creating "the same" record make one): the message when one is changed.
_IDENTIFIED_BY = {
    "Assessment": "a self-assessment is identified by its team and stage",
    "AssessmentResponse": "an answer is identified by its self-assessment, respondent and item",
    "ProgressScore": "a progress score is identified by its team, month and rater",
}


def _changed_identity(record_type: str, uuid: str, values: dict[str, Any]) -> str | None:
    """The column most likely changed when ``values`` no longer give the record's ``uuid``
    (None when they do, or a value is missing: the cell checks report that)."""
    from qidesk.core.progress_scale import progress_uuid
    from qidesk.store.models.assessment import STAGES, assessment_uuid, response_uuid
    from qidesk.store.models.pdsa import PROGRESS_RATERS

    try:
        if record_type == "Assessment":
            team, stage = values["team_uuid"], values["stage"]
            if assessment_uuid(team, stage) == uuid:
                return None
            return "stage" if any(assessment_uuid(team, s) == uuid for s in STAGES) else "team_uuid"
        if record_type == "AssessmentResponse":
            keys = (values["assessment_uuid"], values["respondent"], values["item_code"])
            return None if response_uuid(*keys) == uuid else "item_code"
        if record_type == "ProgressScore":
            team, month, rater = values["team_uuid"], values["month"], values["rater"]
            if progress_uuid(team, month, rater) == uuid:
                return None
            others = (r for r in PROGRESS_RATERS if r != rater)
            return (
                "rater" if any(progress_uuid(team, month, r) == uuid for r in others) else "month"
            )
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    return None


def _edited_rows(
    items: list[IncomingVersion | VersionColumns], edit_authors: dict[str, str]
) -> Iterator[tuple[str, str, dict[str, Any], str, str, int | None]]:
    """(record type, uuid, values, file, sheet, row) of each live version made by an edit in
    the spreadsheet: its author is the export id of the file it was read from."""
    for item in items:
        if isinstance(item, VersionColumns):
            author = edit_authors.get(item.file)
            if author is None or author not in item.updated_by:
                continue
            for index, by in enumerate(item.updated_by):
                if by != author or item.deleted_at[index] is not None:
                    continue
                values = {key: item.values[k][index] for k, key in enumerate(item.keys)}
                yield (
                    item.record_type,
                    item.uuids[index],
                    values,
                    item.file,
                    item.sheet,
                    item.rows[index],
                )
        else:
            source = item.source
            if source is None or item.deleted_at is not None:
                continue
            if edit_authors.get(source.file) != item.updated_by:
                continue
            yield (item.record_type, item.uuid, item.values, source.file, source.sheet, source.row)


def check_edited_rows(versions: Versions, edit_authors: dict[str, str]) -> list[Problem]:
    """The rules QI Desk's own editors keep, for rows edited in a spreadsheet (rows a QI Desk
    wrote were checked when they were made): values that identify a record are not changed
    (a self-assessment's team and stage, an answer's assessment, respondent and item, a
    progress score's team, month and rater); a progress score lies on its scale; a PDSA
    cycle keeps its rules (end not before start, …); a member's email looks like one.

    ``edit_authors`` maps each file (as named in the versions' sources) to its export id, the
    author of the versions its spreadsheet edits made."""
    from qidesk.core.pdsa_rules import check_cycle
    from qidesk.core.progress_scale import score_problem

    problems: list[Problem] = []
    for record_type, uuid, values, file, sheet, row in _edited_rows(list(versions), edit_authors):
        found: list[tuple[str, str]] = []  # (column, message)
        if record_type in _IDENTIFIED_BY:
            column = _changed_identity(record_type, uuid, values)
            if column is not None:
                found.append(
                    (
                        column,
                        f"{_IDENTIFIED_BY[record_type]}, which cannot be changed in the "
                        "spreadsheet: put back the value it was exported with",
                    )
                )
        if record_type == "ProgressScore" and values.get("score") is not None:
            message = score_problem(float(values["score"]))
            if message:
                found.append(("score", message))
        elif record_type == "PdsaCycle":
            found.extend((rule.field, rule.message) for rule in check_cycle(values))
        elif record_type == "Member":
            email = values.get("email") or ""
            if email and ("@" not in email or " " in email.strip()):
                found.append(("email", f"“{email}” does not look like an email address"))
        problems.extend(Problem(file, message, sheet, row, column) for column, message in found)
    return problems
