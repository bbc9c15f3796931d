"""Problems found in a workbook (each with file, sheet, row and column) and the checks that need
the database: references that must resolve in the workbook or in the database, and ranges that
depend on other records (a score within its template's scale)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.sync.record_types import spec_for
from qidesk.sync.versions import IncomingVersion

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
    if not wanted:
        return set()
    table = spec_for(record_type).model.__table__  # type: ignore[attr-defined]
    found: set[str] = set()
    items = sorted(wanted)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        found.update(session.scalars(select(table.c.uuid).where(table.c.uuid.in_(chunk))).all())
    return found


def check_references(
    session: Session | None, versions: Iterable[IncomingVersion], file: str
) -> list[Problem]:
    """A problem for every reference that resolves neither in ``versions`` (all files being
    imported together) nor in the database."""
    versions = list(versions)
    known: dict[str, set[str]] = {}
    for v in versions:
        known.setdefault(v.record_type, set()).add(v.uuid)
    pending: list[tuple[IncomingVersion, str, str, str]] = []
    wanted: dict[str, set[str]] = {}
    for v in versions:
        if v.source.file != file:
            continue
        spec = spec_for(v.record_type)
        for col in spec.columns:
            if not col.ref_type:
                continue
            target = v.values.get(col.key)
            if target is None or target in known.get(col.ref_type, ()):
                continue
            pending.append((v, col.key, col.ref_type, target))
            wanted.setdefault(col.ref_type, set()).add(target)
    if not pending:
        return []
    in_db = (
        {t: _db_uuids(session, t, ids) for t, ids in wanted.items()} if session is not None else {}
    )
    problems = []
    for v, key, ref_type, target in pending:
        if target in in_db.get(ref_type, set()):
            continue
        problems.append(
            Problem(
                file=v.source.file,
                sheet=v.source.sheet,
                row=v.source.row,
                column=key,
                message=(
                    f"refers to {spec_for(ref_type).record_type} {target}, which is neither in "
                    "this workbook nor in the database"
                ),
            )
        )
    return problems


def check_ranges(
    session: Session | None, versions: Iterable[IncomingVersion], file: str
) -> list[Problem]:
    """Checks across records: a response's score lies within its template's scale."""
    versions = list(versions)
    templates: dict[str, tuple[int, int]] = {}
    assessments: dict[str, str] = {}
    for v in versions:
        if v.record_type == "AssessmentTemplate":
            templates[v.uuid] = (v.values.get("scale_min", 1), v.values.get("scale_max", 5))
        elif v.record_type == "Assessment":
            assessments[v.uuid] = v.values["template_uuid"]
    responses = [
        v
        for v in versions
        if v.record_type == "AssessmentResponse"
        and v.source.file == file
        and v.values.get("score") is not None
    ]
    if not responses:
        return []
    if session is not None:
        from qidesk.store.models.assessment import Assessment, AssessmentTemplate

        missing_a = {v.values["assessment_uuid"] for v in responses} - set(assessments)
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
    problems = []
    for v in responses:
        template = assessments.get(v.values["assessment_uuid"])
        scale = templates.get(template) if template else None
        if scale is None:
            continue
        low, high = scale
        score = v.values["score"]
        if not low <= score <= high:
            problems.append(
                Problem(
                    file=v.source.file,
                    sheet=v.source.sheet,
                    row=v.source.row,
                    column=v.source.column or "score",
                    message=f"score {score} is outside the scale {low} to {high}",
                )
            )
    return problems
