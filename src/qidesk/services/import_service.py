"""Import and merge workbooks: pre-flight, parse, validate all, plan, back up, apply, log.

Every file is checked completely before anything is written. By default one invalid file means
nothing is applied; with ``skip_invalid`` the valid files are applied and the others reported.
All applied files go in one BEGIN IMMEDIATE transaction after a backup copy of the database, so
cancelling or failing leaves the database as it was.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select

from qidesk.services.base import ServiceError, UnitOfWork
from qidesk.store.base import APPLYING_RECEIVED_VERSIONS, INSTALLATION_ID
from qidesk.sync.parallel_read import ReadJob, read_workbooks
from qidesk.sync.received import ReceivedSheets
from qidesk.sync.record_types import KIND_PACK, META_SHEET
from qidesk.sync.validate import Problem, check_edited_rows, check_ranges, check_references
from qidesk.sync.workbook_reader import ParsedWorkbook, ReadCancelled

log = logging.getLogger(__name__)

#: Per-file statuses.
APPLIED, UNCHANGED, REJECTED, VALID = "applied", "unchanged", "rejected", "valid"
COUNT_KEYS = ("created", "updated", "deleted", "unchanged", "conflicts")
#: SQLite page cache while a merge is applied (negative: KiB), then set back.
IMPORT_CACHE_KIB = -131072
#: Backups made before imports that stay beside the database (the newest ones); backups made
#: before migrations all stay. Every version of every record stays in the database's history.
IMPORT_BACKUPS_KEPT = 10

#: Warnings kept in a file's import-log entry, at most, and their length.
MAX_LOGGED, MAX_LOGGED_WARNING = 50, 2000

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a merge builds its many small objects.

    A merge of tens of workbooks holds hundreds of thousands of acyclic objects (values, versions,
    plan entries); every full collection would walk them all again. Reference counting still
    frees them; the collector is switched back on afterwards (process-wide, so briefly)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class ImportCancelled(ServiceError):
    """The user cancelled; nothing was applied."""


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    conflicts: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, k) + getattr(other, k) for k in COUNT_KEYS))

    def as_json(self) -> dict[str, int]:
        return {k: int(getattr(self, k)) for k in COUNT_KEYS}

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.deleted + self.conflicts


@dataclass(frozen=True)
class FileReport:
    """One file's outcome: its status, problems (with locations) and warnings."""

    path: str
    status: str
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    rows: int = 0
    edited_rows: int = 0
    export_id: str = ""
    kind: str = ""
    #: Valid, but not applied because another file was rejected (and invalid files not skipped).
    blocked: bool = False

    def json_status(self, *, dry_run: bool) -> str:
        """The status as the command line's JSON names it: applied, unchanged or rejected. A
        valid file of a dry run is "applied" when the real run would apply it; one held back
        by another file's rejection changed nothing, so it is "unchanged"."""
        if self.status == VALID:
            return APPLIED if dry_run and not self.blocked else UNCHANGED
        return self.status

    def as_json(self, *, dry_run: bool = False) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.json_status(dry_run=dry_run),
            "errors": [p.as_json() for p in self.problems],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ImportPreview:
    """The plan shown before applying: counts per record type and each file's report."""

    files: tuple[FileReport, ...]
    by_type: tuple[tuple[str, Counts], ...]
    totals: Counts
    #: A preview is a dry run: its JSON says what the real run would do to each file.
    dry_run: ClassVar[bool] = True

    @property
    def rejected(self) -> tuple[FileReport, ...]:
        return tuple(f for f in self.files if f.status == REJECTED)

    @property
    def valid(self) -> tuple[FileReport, ...]:
        return tuple(f for f in self.files if f.status != REJECTED)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = self.totals.as_json()
        out["by_type"] = {t: c.as_json() for t, c in self.by_type}
        out["files"] = [f.as_json(dry_run=self.dry_run) for f in self.files]
        return out


@dataclass(frozen=True)
class ImportResult(ImportPreview):
    """What was applied (files not applied keep their status: rejected or unchanged)."""

    applied: bool = False
    backup_path: str = ""
    dry_run: ClassVar[bool] = False
    #: Live teams whose cohort is deleted once this import is applied, as "Team (Cohort)":
    #: a cohort deleted (or combined into another) on one computer while a team was added to
    #: it on another. No cohort lists them, so the navigator does not show them.
    stranded_teams: tuple[str, ...] = ()

    def stranded_text(self) -> str:
        """What to tell the user about :attr:`stranded_teams` ("" when there are none)."""
        n = len(self.stranded_teams)
        if not n:
            return ""
        shown = ", ".join(self.stranded_teams[:5]) + (f" and {n - 5} more" if n > 5 else "")
        return (
            f"{n} team{'s are' if n != 1 else ' is'} in a cohort deleted on another computer, "
            f"so the navigator does not show {'them' if n != 1 else 'it'}: {shown}. Open "
            "Programme (below the teams) to restore the cohort, then combine it if it is a "
            "duplicate."
        )


@dataclass
class _Prepared:
    parsed: list[ParsedWorkbook] = field(default_factory=list)
    preflight_problems: dict[str, list[Problem]] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)


def _merge_api() -> Any:
    from qidesk.sync import merge

    return merge


# ---- plan summaries ----------------------------------------------------------------------------


#: Counts per record type (in apply order) and the (type, uuid) of records a plan changes.
PlanSummary = tuple[list[tuple[str, Counts]], set[tuple[str, str]]]


def summarise_plan(plan: Any) -> PlanSummary:
    """Counts per record type (in apply order) and the (type, uuid) of records the plan
    changes."""
    from qidesk.sync.record_types import apply_order

    order = {t: i for i, t in enumerate(apply_order())}
    by_type = [
        (
            record_type,
            Counts(
                created=c.created,
                updated=c.updated,
                deleted=c.deleted,
                unchanged=c.unchanged,
                conflicts=c.conflicts,
            ),
        )
        for record_type, c in sorted(
            plan.by_type.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])
        )
    ]
    return by_type, plan.changed_records


def _plan_problems(plan: Any, parsed: list[ParsedWorkbook]) -> dict[str, list[Problem]]:
    """The merge engine's own problems, per file (by the file name in their source)."""
    by_name = {p.display_name: str(p.path) for p in parsed}
    out: dict[str, list[Problem]] = {}
    for problem in plan.problems:
        source = problem.source
        key = by_name.get(source.file)
        if key is None:
            continue
        out.setdefault(key, []).append(
            Problem(source.file, problem.message, source.sheet, source.row, source.column)
        )
    return out


# ---- the service ---------------------------------------------------------------------------------


class ImportService:
    """Import one workbook or merge many into the open database."""

    def __init__(self, unit_of_work: UnitOfWork, db_path: Path | None):
        self._unit_of_work = unit_of_work
        self._db_path = db_path
        #: Lets the reader skip sheets this database has merged before.
        self._received = ReceivedSheets(db_path) if db_path is not None else None

    # -- reading and checking
    def _read_all(
        self,
        paths: Sequence[Path | str],
        progress: Progress | None,
        cancelled: Cancelled | None,
    ) -> _Prepared:
        """Pre-flight and read every file, in worker processes when that pays
        (:mod:`qidesk.sync.parallel_read`, which hands ``reader_options`` to ``read_workbook``
        wherever it runs: they must pickle)."""
        prepared = _Prepared(paths=[Path(p) for p in paths])
        total = len(prepared.paths)
        names = [p.name for p in prepared.paths]
        unique_names = len(set(names)) == len(names)
        jobs = [ReadJob(path, path.name if unique_names else str(path)) for path in prepared.paths]

        def announce(finished: int, job: ReadJob) -> None:
            if progress is not None:
                progress(finished, total, f"Reading {job.path.name}")

        try:
            outcomes = read_workbooks(
                jobs, options=self._reader_options(), cancelled=cancelled, announce=announce
            )
        except ReadCancelled:
            raise ImportCancelled("Import cancelled: nothing was changed.") from None
        for job, outcome in zip(jobs, outcomes, strict=True):
            if outcome.preflight_error is not None:
                prepared.preflight_problems[str(job.path)] = [
                    Problem(job.display_name, outcome.preflight_error)
                ]
            parsed = outcome.parsed
            if parsed.problems:
                from qidesk.sync.pack import name_answer_columns  # (loads openpyxl)

                # A pack's answer cells named by the header a coach sees, not a letter.
                parsed.problems = name_answer_columns(parsed.path, parsed.problems)
            prepared.parsed.append(parsed)
        if progress is not None:
            progress(total, total, "Checking references")
        return prepared

    def _reader_options(self) -> dict[str, Any]:
        """Keyword arguments of ``read_workbook`` besides the file's own."""
        return {"known_sheets": self._received}

    def _problems_of(self, prepared: _Prepared, parsed: ParsedWorkbook) -> list[Problem]:
        return prepared.preflight_problems.get(str(parsed.path), []) + list(parsed.problems)

    def _validate(self, session: Any, prepared: _Prepared) -> dict[str, list[Problem]]:
        """Problems per file, references checked across the files that are still valid."""
        problems = {str(p.path): self._problems_of(prepared, p) for p in prepared.parsed}
        packs = [p for p in prepared.parsed if p.meta.kind == KIND_PACK]
        if packs:
            teams_in_files = {
                uuid
                for p in prepared.parsed
                if p.meta.kind != KIND_PACK and not problems[str(p.path)]
                for record_type, uuid in p.record_keys()
                if record_type == "Team"
            }
            for parsed in packs:
                if not problems[str(parsed.path)]:
                    problems[str(parsed.path)] = check_pack_against_database(
                        session, parsed, teams_in_files
                    )
            note_differing_answers(session, [p for p in packs if not problems[str(p.path)]])
        edit_authors = {p.display_name: p.meta.export_id for p in prepared.parsed}
        while True:
            valid = [p for p in prepared.parsed if not problems[str(p.path)]]
            pool = [item for p in valid for item in p.version_items()]
            found = (
                check_references(session, pool)
                + check_ranges(session, pool)
                + check_edited_rows(pool, edit_authors)
            )
            if not found:
                return problems
            by_file: dict[str, list[Problem]] = {}
            for problem in found:
                by_file.setdefault(problem.file, []).append(problem)
            for parsed in valid:
                if parsed.display_name in by_file:
                    problems[str(parsed.path)] = by_file[parsed.display_name]

    def _plan(
        self,
        session: Any,
        prepared: _Prepared,
        problems: dict[str, list[Problem]],
        skip_invalid: bool,
    ) -> tuple[Any, list[ParsedWorkbook]]:
        rejected = [p for p in prepared.parsed if problems[str(p.path)]]
        if rejected and not skip_invalid:
            to_apply: list[ParsedWorkbook] = []
        else:
            to_apply = [p for p in prepared.parsed if not problems[str(p.path)]]
        merge = _merge_api()
        plan = merge.plan_merge(
            session,
            [item for p in to_apply for item in p.version_items()],
            already_known=[r for p in to_apply for r in p.known_records],
            references_checked=True,  # by _validate, across exactly these files
        )
        if plan.problems:
            # Problems only the merge engine sees: those files are rejected too.
            extra = _plan_problems(plan, to_apply)
            if not extra:
                raise ServiceError(
                    "The merge found problems it cannot place in a file: "
                    + "; ".join(p.message for p in plan.problems[:5])
                )
            for key, found in extra.items():
                problems[key] = problems.get(key, []) + found
            return self._plan(session, prepared, problems, skip_invalid)
        return plan, to_apply

    def _report(
        self,
        prepared: _Prepared,
        problems: dict[str, list[Problem]],
        plan: Any,
        to_apply: list[ParsedWorkbook],
        *,
        applied: bool,
        skip_invalid: bool,
        summary: PlanSummary | None = None,
    ) -> tuple[list[FileReport], list[tuple[str, Counts]], Counts]:
        if summary is None:
            summary = summarise_plan(plan) if plan is not None else ([], set())
        by_type, touched = summary
        apply_set = {str(p.path) for p in to_apply}
        reports = []
        for parsed in prepared.parsed:
            key = str(parsed.path)
            file_problems = problems[key]
            if file_problems:
                status = REJECTED
            elif key not in apply_set:
                status = VALID  # valid, but not applied because another file was rejected
            elif not touched.isdisjoint(parsed.record_keys()):
                status = APPLIED if applied else VALID
            else:
                status = UNCHANGED
            reports.append(
                FileReport(
                    path=key,
                    status=status,
                    problems=tuple(file_problems),
                    warnings=tuple(parsed.warnings),
                    rows=parsed.version_count + len(parsed.known_records),
                    edited_rows=parsed.edited_rows,
                    export_id=parsed.meta.export_id,
                    kind=parsed.meta.kind,
                    blocked=not file_problems and key not in apply_set,
                )
            )
        totals = Counts()
        for _, counts in by_type:
            totals = totals + counts
        return reports, by_type, totals

    # -- public
    def preview(
        self,
        paths: Sequence[Path | str],
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> ImportPreview:
        """Read, check and plan ``paths`` without changing anything (the dry run)."""
        with _collector_paused():
            return self._preview(paths, skip_invalid, progress, cancelled)

    def _preview(
        self,
        paths: Sequence[Path | str],
        skip_invalid: bool,
        progress: Progress | None,
        cancelled: Cancelled | None,
    ) -> ImportPreview:
        prepared = self._read_all(paths, progress, cancelled)
        with self._unit_of_work() as session:
            problems = self._validate(session, prepared)
            plan, to_apply = self._plan(session, prepared, problems, skip_invalid)
            session.rollback()
        reports, by_type, totals = self._report(
            prepared, problems, plan, to_apply, applied=False, skip_invalid=skip_invalid
        )
        return ImportPreview(tuple(reports), tuple(by_type), totals)

    def apply(
        self,
        paths: Sequence[Path | str],
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> ImportResult:
        """Read, check, plan and (when there is something to apply) back up and apply.

        Files are read again (a file may have changed since the preview). Nothing is applied
        when a file is rejected, unless ``skip_invalid``; cancelling applies nothing.
        """
        with _collector_paused():
            return self._apply(paths, skip_invalid, progress, cancelled)

    def _apply(
        self,
        paths: Sequence[Path | str],
        skip_invalid: bool,
        progress: Progress | None,
        cancelled: Cancelled | None,
    ) -> ImportResult:
        prepared = self._read_all(paths, progress, cancelled)
        backup_path = ""
        applied = False
        stranded: tuple[str, ...] = ()
        summary: PlanSummary | None = None
        with self._unit_of_work() as session:
            problems = self._validate(session, prepared)
            plan, to_apply = self._plan(session, prepared, problems, skip_invalid)
            import_id = _import_id(to_apply)
            if to_apply and plan.has_changes:
                if cancelled is not None and cancelled():
                    raise ImportCancelled("Import cancelled: nothing was changed.")
                if progress is not None:
                    progress(len(prepared.paths), len(prepared.paths), "Backing up the database")
                backup_path = self._backup()
                if progress is not None:
                    progress(len(prepared.paths), len(prepared.paths), "Applying")
                merge = _merge_api()
                session.info[APPLYING_RECEIVED_VERSIONS] = True
                connection = session.connection()
                (cache_pages,) = connection.exec_driver_sql("PRAGMA cache_size").one()
                # A merge writes tens of megabytes in one transaction: with SQLite's default
                # 2 MB page cache it spills pages to the WAL and reads them back many times.
                connection.exec_driver_sql(f"PRAGMA cache_size={IMPORT_CACHE_KIB}")
                try:
                    merge.apply_plan(session, plan, import_id=import_id)
                    if cancelled is not None and cancelled():
                        raise ImportCancelled("Import cancelled: nothing was changed.")
                    session.flush()
                finally:
                    session.info.pop(APPLYING_RECEIVED_VERSIONS, None)
                    connection.exec_driver_sql(f"PRAGMA cache_size={int(cache_pages)}")
                applied = True
                from qidesk.services.cohort_service import stranded_teams_in

                stranded = tuple(
                    f"{t.team_name} ({t.cohort_name})" for t in stranded_teams_in(session)
                )
            summary = summarise_plan(plan)
            if to_apply:
                _merge_api().remember_received(
                    session, (sheet for p in to_apply for sheet in p.read_sheets)
                )
                self._log(session, to_apply, summary, import_id)
        reports, by_type, totals = self._report(
            prepared,
            problems,
            plan,
            to_apply,
            applied=applied,
            skip_invalid=skip_invalid,
            summary=summary,
        )
        return ImportResult(
            tuple(reports),
            tuple(by_type),
            totals,
            applied=applied,
            backup_path=backup_path,
            stranded_teams=stranded,
        )

    def _backup(self) -> str:
        if self._db_path is None:
            return ""
        from qidesk.store.backup import backup_database
        from qidesk.store.errors import StoreError

        try:
            return str(backup_database(self._db_path, "before-import", keep=IMPORT_BACKUPS_KEPT))
        except StoreError as exc:
            raise ServiceError(f"{exc} Nothing was imported.") from exc

    def _log(
        self,
        session: Any,
        to_apply: list[ParsedWorkbook],
        plan_summary: PlanSummary,
        import_id: str,
    ) -> None:
        """One import-log entry per applied file: its export id, hash and this merge's counts
        (``plan_summary`` is :func:`summarise_plan` of the merge's plan)."""
        merge = _merge_api()
        by_type, touched = plan_summary
        totals = Counts()
        for _, counts in by_type:
            totals = totals + counts
        for parsed in to_apply:
            mine = parsed.record_keys()
            summary: dict[str, Any] = {
                "merge": {**totals.as_json(), "by_type": {t: c.as_json() for t, c in by_type}},
                "file_records": len(mine),
                "file_changed_records": len(mine & touched),
                "edited_rows": parsed.edited_rows,
                "kind": parsed.meta.kind,
                "files_in_merge": len(to_apply),
                # Which installation wrote the file: names "another installation" for people.
                "installation_id": parsed.meta.installation_id,
                # What the import said of the file (answers kept but hidden, copies that
                # differ): the import log shows it again once the dialog is closed.
                "warnings": [w[:MAX_LOGGED_WARNING] for w in parsed.warnings[:MAX_LOGGED]],
            }
            merge.log_import(
                session,
                export_id=parsed.meta.export_id,
                file_name=parsed.path.name,
                file_hash=parsed.file_hash,
                summary=summary,
                import_id=import_id,
            )


def check_pack_against_database(
    session: Any, parsed: ParsedWorkbook, teams_in_files: AbstractSet[str] = frozenset()
) -> list[Problem]:
    """What a filled pack meets in this database: a pack for a team this database never had,
    nor any workbook merged with it (``teams_in_files``), is refused in one sentence (rather
    than as dangling references); answers for a team, a stage's
    assessment, a member or an item deleted since the pack was exported are recorded (nothing
    is lost), but they would not show, so the file's warnings say where they went."""
    from qidesk.store.models.assessment import (
        CONSENSUS_RESPONDENT,
        Assessment,
        TemplateItem,
        assessment_uuid,
    )
    from qidesk.store.models.foundation import Member, Team

    facts = parsed.meta.extra
    team_uuid, stage = facts.get("team_uuid", ""), facts.get("stage", "")
    team_name = facts.get("team_name") or team_uuid
    team = session.get(Team, team_uuid)
    if team is None and team_uuid in teams_in_files:
        return []  # the team arrives with a workbook merged alongside
    if team is None:
        return [
            Problem(
                parsed.display_name,
                f"this pack is for the team {team_name!r}, which is not in this database: the "
                "pack was exported from another QI Desk database. Import it into that one, or "
                "import a full export that holds the team first",
                META_SHEET,
            )
        ]
    edited = [
        v
        for v in parsed.versions
        if v.record_type == "AssessmentResponse" and v.updated_by == parsed.meta.export_id
    ]
    answered = [v for v in edited if v.deleted_at is None and v.values.get("score") is not None]
    if not answered and not any(v.values.get("comment") for v in edited):
        return []
    assessment = session.get(Assessment, assessment_uuid(team_uuid, stage))
    restore = "restore it from Recently deleted to see them"
    if team.deleted_at is not None:
        parsed.warnings.append(
            f"The team “{team.name}” was deleted in QI Desk after this pack was exported: its "
            f"answers are recorded with the team, hidden while it is deleted ({restore})."
        )
        return []
    if assessment is not None and assessment.deleted_at is not None:
        parsed.warnings.append(
            f"The {stage} self-assessment of “{team.name}” was deleted in QI Desk after this "
            f"pack was exported: its answers are recorded with it, hidden while it is deleted "
            f"({restore})."
        )
        return []
    member_uuids = {v.values.get("respondent") for v in answered} - {CONSENSUS_RESPONDENT}
    gone = sorted(
        m.name
        for m in session.query(Member).filter(Member.uuid.in_(member_uuids))
        if m.deleted_at is not None
    )
    if gone:
        parsed.warnings.append(
            f"The answers of {', '.join(gone)} (deleted from the team since the pack was "
            "exported) are recorded, hidden while deleted (restore from Recently deleted to see "
            "them)."
        )
    if assessment is not None:
        live_codes = set(
            session.query(TemplateItem.code).filter(
                TemplateItem.template_uuid == assessment.template_uuid,
                TemplateItem.deleted_at.is_(None),
            )
        )
        live = {row[0] for row in live_codes}
        dropped = sorted({str(v.values.get("item_code")) for v in answered} - live)
        if dropped:
            several = len(dropped) > 1
            parsed.warnings.append(
                f"The item{'s' if several else ''} {', '.join(dropped)} "
                f"{'are' if several else 'is'} no longer in the assessment's template: the "
                f"answers given for {'them' if several else 'it'} are recorded (nothing is "
                "lost) but not shown or counted."
            )
    return []


# ---- answers a pack gives that another fill of it gave otherwise ----------------------------

ANSWER = "AssessmentResponse"
#: Answers named in one warning, at most (then "and N more").
ANSWERS_NAMED = 8


def _answer(values: dict[str, Any], deleted: bool) -> tuple[Any, str, bool]:
    return (values.get("score"), str(values.get("comment") or ""), deleted)


def _day(moment: Any) -> str:
    return f"{moment.day} {moment:%b %Y}" if moment is not None else ""


class _AnswerSources:
    """Where the answer a database holds came from, in words, for :func:`note_differing_answers`
    (the import that brought it is the origin of its first history row)."""

    def __init__(self, session: Any):
        self._session = session
        self._installation_id = str(session.info.get(INSTALLATION_ID) or "")
        self._pack_exports: dict[str, bool] = {}

    def _is_pack(self, export_id: str) -> bool:
        if export_id not in self._pack_exports:
            from qidesk.store.models.sync import ImportLog

            summaries = self._session.scalars(
                select(ImportLog.summary).where(ImportLog.export_id == export_id).limit(1)
            ).all()
            kind = ""
            for text in summaries:
                try:
                    kind = str(json.loads(text).get("kind") or "")
                except (ValueError, AttributeError):
                    kind = ""
            self._pack_exports[export_id] = kind == KIND_PACK
        return self._pack_exports[export_id]

    def _files(self, record_uuid: str, vv: str, made_by: str) -> tuple[str, str, bool]:
        """(file names, day imported, whether the version was made in that file) of the import
        that first brought this version (not made there: it came inside a full export from a
        database that imported the file)."""
        from qidesk.store.models.history import RecordVersion
        from qidesk.store.models.sync import ImportLog

        origin = self._session.scalar(
            select(RecordVersion.origin)
            .where(
                RecordVersion.record_type == ANSWER,
                RecordVersion.record_uuid == record_uuid,
                RecordVersion.vv == vv,
            )
            .order_by(RecordVersion.id)
            .limit(1)
        )
        rows = self._session.execute(
            select(ImportLog.file_name, ImportLog.export_id, ImportLog.imported_at)
            .where(ImportLog.import_id == (origin or ""))
            .order_by(ImportLog.id)
        ).all()
        own = [r for r in rows if r.export_id == made_by]
        found = own or rows
        names = list(dict.fromkeys(r.file_name for r in found))
        return " or ".join(names), _day(found[0].imported_at) if found else "", bool(own)

    def describe(self, parsed: ParsedWorkbook, record_uuid: str, vv: str, made_by: str) -> str:
        if made_by == self._installation_id:
            return "the answers changed in QI Desk on this computer since this pack was exported"
        names, day, made_there = self._files(record_uuid, vv, made_by)
        when = f", imported on {day}" if day else ""
        if not names:
            return "the answers QI Desk already holds"
        if made_by == parsed.meta.export_id:
            if not made_there:
                return f"the answers of another copy of this pack, received in {names}{when}"
            if names == parsed.path.name:
                # The same file sent again, corrected (or another copy with the same name).
                return f"the answers of {names} as it was imported " + (
                    f"on {day}" if day else "before"
                )
            return f"the answers of {names}, another copy of this pack{when}"
        if self._is_pack(made_by):
            return f"the answers of {names}, another pack for this team and stage{when}"
        return f"the answers of {names}{when}"


def note_differing_answers(session: Any, packs: Sequence[ParsedWorkbook]) -> None:
    """Warn, on each pack, of the answers it gives that another fill of the same stage's pack
    gave otherwise: another copy of it (or the same file sent again, corrected), another pack
    exported for the team and stage, a pack merged alongside, or an edit made in QI Desk since.

    The merge keeps both answers (concurrent versions: a conflict, the same on every computer,
    whatever the order); without a word the coach would only see an answer change, or not, and
    could not tell which copy it came from. Answers already merged, and equal answers, say
    nothing, so importing the same pack again stays silent."""
    from qidesk.core.version_vector import VersionVector
    from qidesk.store.models.assessment import CONSENSUS_RESPONDENT, AssessmentResponse
    from qidesk.store.models.foundation import Member
    from qidesk.store.models.sync import ConflictHead

    edits: list[dict[str, Any]] = []
    for parsed in packs:
        export_id = parsed.meta.export_id
        edits.append(
            {
                v.uuid: v
                for v in parsed.versions
                if v.record_type == ANSWER and v.updated_by == export_id
            }
        )
    wanted = sorted({uuid for mine in edits for uuid in mine})
    if not wanted:
        return
    live: dict[str, Any] = {}
    known: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        live.update(
            (r.uuid, r)
            for r in session.scalars(
                select(AssessmentResponse).where(AssessmentResponse.uuid.in_(chunk))
            )
        )
        known.update(
            session.execute(
                select(ConflictHead.record_uuid, ConflictHead.vv).where(
                    ConflictHead.record_type == ANSWER, ConflictHead.record_uuid.in_(chunk)
                )
            ).all()
        )
    sources = _AnswerSources(session)
    #: Per pack: the words for where the other answers are -> (this pack's values, the other
    #: answer) of each answer met.
    met: list[dict[str, list[tuple[dict[str, Any], tuple[Any, str, bool]]]]] = [{} for _ in packs]

    def concurrent_and_different(a_vv: str, a: tuple[Any, ...], b_vv: str, b: Any) -> bool:
        if a_vv == b_vv or a == b:
            return False
        return VersionVector.parse(a_vv).concurrent_with(VersionVector.parse(b_vv))

    def merged_before(uuid: str, vv: str) -> bool:
        row = live.get(uuid)
        return (row is not None and row.vv == vv) or (uuid, vv) in known

    for index, (parsed, mine) in enumerate(zip(packs, edits, strict=True)):
        for uuid, version in mine.items():
            if merged_before(uuid, version.vv):
                continue  # imported before: what it meets was said then
            answer = _answer(version.values, version.deleted_at is not None)
            row = live.get(uuid)
            if row is not None:
                held = (row.score, row.comment or "", row.deleted_at is not None)
                if concurrent_and_different(version.vv, answer, row.vv, held):
                    words = sources.describe(parsed, uuid, row.vv, row.updated_by)
                    met[index].setdefault(words, []).append((version.values, held))
            for other_index, (other, theirs) in enumerate(zip(packs, edits, strict=True)):
                their = theirs.get(uuid)
                if other_index == index or their is None or merged_before(uuid, their.vv):
                    continue
                theirs_answer = _answer(their.values, their.deleted_at is not None)
                if concurrent_and_different(version.vv, answer, their.vv, theirs_answer):
                    kind = (
                        "another copy of this pack"
                        if other.meta.export_id == parsed.meta.export_id
                        else "another pack for this team and stage"
                    )
                    words = f"the answers of {other.display_name}, {kind}, imported with it"
                    met[index].setdefault(words, []).append((version.values, theirs_answer))
    respondents = {
        str(v.get("respondent"))
        for per_pack in met
        for found in per_pack.values()
        for v, _other in found
    }
    names = dict(
        session.execute(
            select(Member.uuid, Member.name).where(
                Member.uuid.in_(sorted(respondents - {CONSENSUS_RESPONDENT}))
            )
        ).all()
    )
    names[CONSENSUS_RESPONDENT] = "Team consensus"
    for parsed, per_pack in zip(packs, met, strict=True):
        for words, found in per_pack.items():
            by_person: dict[str, list[str]] = {}
            for values, (other_score, _comment, other_deleted) in found:
                respondent = str(values.get("respondent"))
                who = names.get(respondent, "someone no longer in the team")
                if (
                    respondent == CONSENSUS_RESPONDENT
                    and values.get("score") == other_score
                    and not other_deleted
                ):
                    who = "Comments"  # the consensus level agrees; its comment does not
                by_person.setdefault(who, []).append(str(values.get("item_code")))
            listed = [f"{who}: {code}" for who, codes in by_person.items() for code in codes]
            shown = "; ".join(listed[:ANSWERS_NAMED])
            if len(listed) > ANSWERS_NAMED:
                shown += f"; and {len(listed) - ANSWERS_NAMED} more"
            several = len(found) > 1
            parsed.warnings.append(
                f"{len(found)} answer{'s' if several else ''} in this pack differ"
                f"{'' if several else 's'} from {words} ({shown}). QI Desk keeps both, as "
                f"{'conflicts' if several else 'a conflict'}, and shows one until you choose "
                "which to keep in Conflicts."
            )


def _import_id(parsed: list[ParsedWorkbook]) -> str:
    """Id of one merge: the same for the same set of files (it names the history's origin).

    One file's id is made of its export id and its content (it was the export id alone): two
    copies of one pack filled apart share their export id, and the history, the import log and
    the Conflicts view could not tell which copy brought which answers."""
    from qidesk.core.ids import natural_uuid

    if len(parsed) == 1:
        return natural_uuid("import", parsed[0].meta.export_id, parsed[0].file_hash)
    return natural_uuid("import-batch", *sorted(p.file_hash for p in parsed))
