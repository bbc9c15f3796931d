"""The import log: which workbooks were imported when, what each merge changed, what it brought."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from qidesk.core.assessment_stats import CONSENSUS_RESPONDENT, STAGE_LABELS
from qidesk.services.base import UnitOfWork
from qidesk.store.models.assessment import TemplateItem
from qidesk.store.models.foundation import Member
from qidesk.store.models.history import RecordVersion, version_values
from qidesk.store.models.sync import ImportLog
from qidesk.sync.record_types import KIND_FULL, KIND_PACK

COUNT_KEYS = ("created", "updated", "deleted", "unchanged", "conflicts")
#: How the log names the kinds of workbook.
KIND_LABELS = {KIND_FULL: "Full export", KIND_PACK: "Self-assessment pack"}


@dataclass(frozen=True)
class ImportEntry:
    """One imported file."""

    id: int
    imported_at: datetime
    file_name: str
    export_id: str
    import_id: str
    file_hash: str
    #: The workbook's kind as it said: "full" or "assessment-pack" (or "").
    kind: str
    #: Counts of the merge this file was part of: created, updated, deleted, unchanged, conflicts.
    totals: dict[str, int]
    #: The same counts per record type.
    by_type: dict[str, dict[str, int]]
    #: How many files were merged together with this one (1 for a single import).
    files_in_merge: int
    #: Versions the merge wrote to the history (what it brought that was new here).
    versions_received: int
    #: What the import said of this file (as its dialog or the command line showed it).
    warnings: tuple[str, ...] = ()

    @property
    def kind_label(self) -> str:
        """``"Full export"`` or ``"Self-assessment pack"`` (the kind itself if unknown)."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def summary_text(self) -> str:
        parts = [
            f"{n:,} {'conflict' if k == 'conflicts' and n == 1 else k}"
            for k in COUNT_KEYS
            if (n := self.totals.get(k, 0))
        ]
        text = ", ".join(parts) if parts else "nothing"
        if self.files_in_merge > 1:
            text += f" (merged with {self.files_in_merge - 1} other file"
            text += "s)" if self.files_in_merge > 2 else ")"
        return text

    @property
    def changed_anything(self) -> bool:
        return any(self.totals.get(k) for k in ("created", "updated", "deleted", "conflicts"))


@dataclass(frozen=True)
class ReceivedVersion:
    """A version an import brought into the history."""

    record_type: str
    uuid: str
    title: str
    updated_at: datetime
    deleted: bool


def _counts(raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        return {}
    return {k: int(raw.get(k) or 0) for k in COUNT_KEYS if isinstance(raw.get(k), int | float)}


def _entry(row: ImportLog, received: int) -> ImportEntry:
    try:
        summary = json.loads(row.summary or "{}")
    except ValueError:
        summary = {}
    if not isinstance(summary, dict):
        summary = {}
    warnings = summary.get("warnings")
    merge_counts = summary.get("merge") if isinstance(summary.get("merge"), dict) else summary
    by_type_raw = merge_counts.get("by_type") if isinstance(merge_counts, dict) else None
    by_type = (
        {str(t): _counts(c) for t, c in by_type_raw.items()}
        if isinstance(by_type_raw, dict)
        else {}
    )
    return ImportEntry(
        id=row.id,
        imported_at=row.imported_at,
        file_name=row.file_name,
        export_id=row.export_id,
        import_id=row.import_id,
        file_hash=row.file_hash,
        kind=str(summary.get("kind") or ""),
        totals=_counts(merge_counts),
        by_type=by_type,
        files_in_merge=int(summary.get("files_in_merge") or 1),
        versions_received=received,
        warnings=tuple(str(w) for w in warnings) if isinstance(warnings, list) else (),
    )


ANSWER = "AssessmentResponse"


def _answer_titles(session: Any, datas: list[str]) -> Callable[[str], str]:
    """Names for self-assessment answers: the item's title and who answered ("Leadership for
    improvement · Ann Jones"), looked up once for all of them."""
    answers = [version_values(d) for d in datas]
    codes = {str(a.get("item_code") or "") for a in answers} - {""}
    people = {str(a.get("respondent") or "") for a in answers} - {"", CONSENSUS_RESPONDENT}
    items: dict[str, str] = {}
    if codes:
        for code, wording in session.execute(
            select(TemplateItem.code, TemplateItem.title)
            .where(TemplateItem.code.in_(sorted(codes)))
            .order_by(TemplateItem.updated_at)
        ):
            items[code] = wording  # the item's latest wording
    names: dict[str, str] = {CONSENSUS_RESPONDENT: "team consensus"}
    for chunk in _chunks(sorted(people)):
        found = session.execute(select(Member.uuid, Member.name).where(Member.uuid.in_(chunk)))
        names.update((uuid, name) for uuid, name in found)

    def title(data: str) -> str:
        values = version_values(data)
        code = str(values.get("item_code") or "")
        who = names.get(str(values.get("respondent") or ""), "")
        what = items.get(code, code) or "answer"
        return f"{what} · {who}" if who else what

    return title


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _title(data: str, record_type: str, uuid: str) -> str:
    values = version_values(data)
    for attr in ("name", "title", "objective", "item_code", "stage", "month"):
        value = values.get(attr)
        if value not in (None, ""):
            if attr == "stage":  # a self-assessment: "End", not "end"
                return STAGE_LABELS.get(str(value), str(value))
            return str(value)
    return f"{record_type} {uuid[:8]}"


class ImportLogService:
    """Browse the import log."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def list_imports(self, limit: int = 1000) -> list[ImportEntry]:
        """Imported files, newest first."""
        with self._unit_of_work() as session:
            rows = session.scalars(
                select(ImportLog)
                .order_by(ImportLog.imported_at.desc(), ImportLog.id.desc())
                .limit(limit)
            ).all()
            ids = sorted({r.import_id for r in rows if r.import_id})
            received: dict[str, int] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for origin, n in session.execute(
                    select(RecordVersion.origin, func.count())
                    .where(RecordVersion.origin.in_(chunk))
                    .group_by(RecordVersion.origin)
                ):
                    received[origin] = int(n)
            return [_entry(r, received.get(r.import_id, 0)) for r in rows]

    def versions_received(self, import_id: str, limit: int = 2000) -> list[ReceivedVersion]:
        """The versions an import wrote to the history, by record type and title."""
        if not import_id:
            return []
        with self._unit_of_work() as session:
            rows = session.execute(
                select(
                    RecordVersion.record_type,
                    RecordVersion.record_uuid,
                    RecordVersion.data,
                    RecordVersion.updated_at,
                    RecordVersion.deleted_at,
                )
                .where(RecordVersion.origin == import_id)
                .order_by(RecordVersion.id)
                .limit(limit)
            ).all()
            answer_title = _answer_titles(session, [d for t, _u, d, _a, _x in rows if t == ANSWER])
        result = [
            ReceivedVersion(
                t,
                u,
                answer_title(d) if t == ANSWER else _title(d, t, u),
                at,
                deleted is not None,
            )
            for t, u, d, at, deleted in rows
        ]
        result.sort(key=lambda v: (v.record_type, v.title.lower(), v.updated_at))
        return result
