"""Open conflicts: a record's versions side by side, in words, and keeping the one a user picks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qidesk.services.base import ServiceError, UnitOfWork
from qidesk.services.record_names import record_noun
from qidesk.store.base import INSTALLATION_ID
from qidesk.store.models.history import RecordVersion
from qidesk.store.models.sync import ConflictHead, ImportLog
from qidesk.sync import merge
from qidesk.sync.winner import KnownVersion

#: Attributes that name a record for people, tried in this order.
TITLE_ATTRS = ("name", "title", "objective", "item_code", "stage", "month")


@dataclass(frozen=True)
class ConflictVersion:
    """One head of a record in conflict, described for people."""

    #: Pass to :meth:`ConflictService.keep_version`.
    key: str
    #: True for the version QI Desk currently shows (the deterministic winner).
    shown: bool
    deleted: bool
    updated_at: datetime
    #: Where it was made: "this computer", "a spreadsheet edit (file.xlsx)", "another
    #: installation (1a2b3c4d)".
    made_where: str
    vv: str
    #: For "another installation": the latest workbook imported here from it, so people can
    #: tell whose it is (empty when none was).
    exported_in: str = ""
    #: For edits of one workbook imported more than once: "imported last" or "imported
    #: earlier" (they share their file, author and time otherwise).
    import_order: str = ""

    @property
    def made_where_in_full(self) -> str:
        text = self.made_where
        if self.exported_in:
            text = f"{text[:-1]}, which exported {self.exported_in})"
        if self.import_order:
            text = f"{text}, {self.import_order}"
        return text


@dataclass(frozen=True)
class ConflictField:
    """One value of the record across its versions (in the versions' order)."""

    key: str
    label: str
    values: tuple[str, ...]
    differs: bool


@dataclass(frozen=True)
class ConflictSummary:
    """A record in conflict: what it is, a one-line explanation, its versions and values."""

    record_type: str
    uuid: str
    title: str
    summary: str
    versions: tuple[ConflictVersion, ...]
    fields: tuple[ConflictField, ...]

    @property
    def differing(self) -> tuple[str, ...]:
        return tuple(f.label for f in self.fields if f.differs)


def field_label(key: str) -> str:
    """``coach_uuid`` -> ``Coach``; ``project_title`` -> ``Project title``."""
    if key.endswith("_uuid"):
        key = key[: -len("_uuid")]
    return key.replace("_", " ").capitalize()


def when_text(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return f"{moment.day} {moment:%b %Y %H:%M}"
    return f"{moment.day} {moment:%b %Y}"


def _title_of(values: dict[str, Any], record_type: str, uuid: str) -> str:
    for attr in TITLE_ATTRS:
        value = values.get(attr)
        if value not in (None, ""):
            return str(value)
    return f"{record_type} {uuid[:8]}"


class _Describer:
    """Turns stored values into text: dates, yes/no, references by the referred record's name."""

    def __init__(self, session: Session):
        self._session = session
        self._labels: dict[tuple[str, str], str] = {}
        #: Read by prefetch(): each self-assessment's template, and the wording of the items
        #: of the templates read so far.
        self._templates: dict[str, str] = {}
        self._item_titles: dict[tuple[str, str], str] = {}
        self._items_read: set[str] = set()
        self.installation_id = str(session.info.get(INSTALLATION_ID) or "")
        #: Every file imported here with each export id (copies of one workbook share it).
        self._exports: dict[str, list[str]] = {}
        #: The latest workbook imported here from each other installation.
        self._installation_files: dict[str, str] = {}
        #: The files of each import (by import id: the origin of the versions it brought).
        self._imports: dict[str, list[tuple[str, str]]] = {}
        for import_id, export_id, file_name, summary in session.execute(
            select(
                ImportLog.import_id, ImportLog.export_id, ImportLog.file_name, ImportLog.summary
            ).order_by(ImportLog.imported_at, ImportLog.id)
        ):
            self._imports.setdefault(import_id, []).append((export_id, file_name))
            names = self._exports.setdefault(export_id, [])
            if file_name not in names:
                names.append(file_name)
            try:
                written_by = json.loads(summary).get("installation_id")
            except (ValueError, AttributeError):
                continue
            if written_by:
                self._installation_files[str(written_by)] = file_name

    def prefetch(self, record_type: str, heads: list[KnownVersion]) -> None:
        """Read in bulk what describing these versions of ``record_type`` records will ask for
        (the names of the records they refer to, the respondents, self-assessments and item
        wordings of answers), instead of one query per value: a lead's Conflicts page lists
        hundreds of records."""
        from qidesk.store.models.assessment import CONSENSUS_RESPONDENT, Assessment, TemplateItem
        from qidesk.store.models.foundation import Member, Team

        spec = merge.record_spec(record_type)
        references: dict[str, set[str]] = {}
        for head in heads:
            for column in spec.columns:
                value = head.canon.get(column.key)
                if value is None or value == "":
                    continue
                if column.key == "respondent":
                    if value != CONSENSUS_RESPONDENT:
                        references.setdefault("respondent", set()).add(str(value))
                elif column.references:
                    references.setdefault(column.references, set()).add(str(value))
        session = self._session
        for table_name, uuids in references.items():
            wanted = sorted(u for u in uuids if (table_name, u) not in self._labels)
            for chunk in _chunks(wanted):
                if table_name == "respondent":
                    names = {
                        uuid: name
                        for uuid, name in session.execute(
                            select(Member.uuid, Member.name).where(Member.uuid.in_(chunk))
                        )
                    }
                    for uuid in chunk:
                        self._labels[("respondent", uuid)] = names.get(uuid, uuid[:8])
                elif table_name == "assessment":
                    self._prefetch_assessments(chunk, Assessment, Team, TemplateItem)
                else:
                    for uuid in chunk:
                        self._labels[(table_name, uuid)] = uuid[:8]
                    for ref_spec in merge.record_specs():
                        if ref_spec.table.name != table_name:
                            continue
                        table = ref_spec.table
                        for row in session.execute(select(table).where(table.c.uuid.in_(chunk))):
                            values = dict(row._mapping)
                            label = _title_of(values, ref_spec.record_type, values["uuid"])
                            if values["deleted_at"] is not None:
                                label += " (deleted)"
                            self._labels[(table_name, values["uuid"])] = label

    def _prefetch_assessments(
        self, uuids: list[str], assessment: Any, team: Any, item: Any
    ) -> None:
        from qidesk.core.assessment_stats import STAGE_LABELS

        rows = self._session.execute(
            select(assessment.uuid, assessment.stage, assessment.template_uuid, team.name)
            .outerjoin(team, team.uuid == assessment.team_uuid)
            .where(assessment.uuid.in_(uuids))
        ).all()
        for uuid in uuids:
            self._labels[("assessment", uuid)] = uuid[:8]
        templates = set()
        for uuid, stage, template_uuid, team_name in rows:
            stage_label = STAGE_LABELS.get(stage, stage)
            self._labels[("assessment", uuid)] = (
                f"{team_name} · {stage_label}" if team_name is not None else stage_label
            )
            self._templates[uuid] = template_uuid
            templates.add(template_uuid)
        wanted = sorted(t for t in templates if t not in self._items_read)
        if wanted:
            for template_uuid, code, title in self._session.execute(
                select(item.template_uuid, item.code, item.title).where(
                    item.template_uuid.in_(wanted)
                )
            ):
                self._item_titles[(template_uuid, code)] = title
            self._items_read.update(wanted)

    def reference(self, table_name: str, uuid: str) -> str:
        key = (table_name, uuid)
        if key not in self._labels:
            label = uuid[:8]
            for spec in merge.record_specs():
                if spec.table.name != table_name:
                    continue
                row = (
                    self._session.execute(select(spec.table).where(spec.table.c.uuid == uuid))
                    .mappings()
                    .first()
                )
                if row is not None:
                    label = _title_of(dict(row), spec.record_type, uuid)
                    if spec.record_type == "Cohort":
                        from qidesk.services.cohort_service import namesake_suffix

                        label += namesake_suffix(self._session, uuid)
                    if row["deleted_at"] is not None:
                        label += " (deleted)"
            self._labels[key] = label
        return self._labels[key]

    def respondent(self, value: str) -> str:
        """A self-assessment answer's respondent: the member's name, or the team consensus."""
        from qidesk.store.models.assessment import CONSENSUS_RESPONDENT
        from qidesk.store.models.foundation import Member

        if value == CONSENSUS_RESPONDENT:
            return "Team consensus"
        key = ("respondent", value)
        if key not in self._labels:
            member = self._session.get(Member, value)
            self._labels[key] = value[:8] if member is None else member.name
        return self._labels[key]

    def assessment(self, uuid: str) -> str:
        """A self-assessment by its team and stage ("Pharmacy Glanaman · Midpoint")."""
        from qidesk.core.assessment_stats import STAGE_LABELS
        from qidesk.store.models.assessment import Assessment
        from qidesk.store.models.foundation import Team

        key = ("assessment", uuid)
        if key not in self._labels:
            found = self._session.get(Assessment, uuid)
            if found is None:
                self._labels[key] = uuid[:8]
            else:
                team = self._session.get(Team, found.team_uuid)
                stage = STAGE_LABELS.get(found.stage, found.stage)
                self._labels[key] = f"{team.name} · {stage}" if team is not None else stage
        return self._labels[key]

    def item_title(self, assessment_uuid: str, code: str) -> str:
        """The wording of the item ``code`` in the template of the assessment (the code if
        it cannot be found)."""
        from qidesk.store.models.assessment import Assessment, TemplateItem

        key = ("item", f"{assessment_uuid}/{code}")
        template_uuid = self._templates.get(assessment_uuid)
        if key not in self._labels and template_uuid in self._items_read:
            self._labels[key] = self._item_titles.get((template_uuid, code)) or code
        if key not in self._labels:
            found = self._session.get(Assessment, assessment_uuid)
            wording = None
            if found is not None:
                wording = self._session.scalar(
                    select(TemplateItem.title).where(
                        TemplateItem.template_uuid == found.template_uuid,
                        TemplateItem.code == code,
                    )
                )
            self._labels[key] = wording or code
        return self._labels[key]

    def value(self, column: merge.ColumnSpec, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if column.key == "respondent":
            return self.respondent(str(value))
        if column.references == "assessment":
            return self.assessment(str(value))
        if column.references:
            return self.reference(column.references, str(value))
        if column.kind == "bool":
            return "Yes" if value else "No"
        if column.kind == "date":
            return when_text(date.fromisoformat(value))
        if column.kind == "datetime":
            return when_text(datetime.fromisoformat(value))
        return str(value)

    def made_where(self, version: KnownVersion) -> str:
        if version.updated_by == self.installation_id:
            return "this computer"
        if version.updated_by in self._exports:
            # Copies of one workbook (one export id) edited differently: the import that first
            # brought this version names its copy (imports made before an import's id told
            # copies apart name every file imported with that export id).
            files = self._exports[version.updated_by]
            if len(files) > 1:
                brought_by = self._imports.get(self.first_origin(version), [])
                exact = list(dict.fromkeys(n for e, n in brought_by if e == version.updated_by))
                files = exact or files
            named = files[0] if len(files) == 1 else " or ".join((", ".join(files[:-1]), files[-1]))
            return f"a spreadsheet edit ({named})"
        return f"another installation ({version.updated_by[:8]})"

    @property
    def exports(self) -> dict[str, list[str]]:
        """The files imported here, by export id."""
        return self._exports

    def first_origin(self, version: KnownVersion) -> str:
        """The import id (or "local") of ``version``'s first history row; empty when none."""
        found = self._session.scalar(
            select(RecordVersion.origin)
            .where(
                RecordVersion.record_type == version.record_type,
                RecordVersion.record_uuid == version.uuid,
                RecordVersion.vv == version.vv,
            )
            .order_by(RecordVersion.id)
            .limit(1)
        )
        return str(found or "")

    def first_received(self, version: KnownVersion) -> int:
        """Where ``version`` stands in the order versions reached this database (its first
        history row); 0 when it has none."""
        found = self._session.scalar(
            select(func.min(RecordVersion.id)).where(
                RecordVersion.record_type == version.record_type,
                RecordVersion.record_uuid == version.uuid,
                RecordVersion.vv == version.vv,
            )
        )
        return int(found or 0)

    def exported_in(self, version: KnownVersion) -> str:
        """The latest workbook imported here from the installation that made ``version``
        (empty for this computer, spreadsheet edits and installations not imported from)."""
        if version.updated_by == self.installation_id or version.updated_by in self._exports:
            return ""
        return self._installation_files.get(version.updated_by, "")


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[start : start + 500] for start in range(0, len(items), 500)]


def _describe(
    session: Session,
    describer: _Describer,
    record_type: str,
    uuid: str,
    heads: list[KnownVersion] | None = None,
) -> ConflictSummary | None:
    if heads is None:
        heads = merge.conflict_heads(session, record_type, uuid)
    if len(heads) < 2:
        return None
    spec = merge.record_spec(record_type)
    fields = []
    for column in spec.columns:
        values = tuple(describer.value(column, h.canon.get(column.key)) for h in heads)
        raw = {repr(h.canon.get(column.key)) for h in heads}
        fields.append(ConflictField(column.key, field_label(column.key), values, len(raw) > 1))
    deleted = tuple(f"Yes ({when_text(h.deleted_at)})" if h.deleted_at else "No" for h in heads)
    fields.append(
        ConflictField("deleted", "Deleted", deleted, len({h.is_deleted for h in heads}) > 1)
    )
    import_order = [""] * len(heads)
    # Edits of one workbook imported more than once (a team's corrected pack sent again, or
    # copies filled apart) share their file, author and time: say which was imported last.
    by_export: dict[str, list[int]] = {}
    for index, h in enumerate(heads):
        if h.updated_by in describer.exports:
            by_export.setdefault(h.updated_by, []).append(index)
    for indexes in by_export.values():
        if len(indexes) > 1:
            order = {i: describer.first_received(heads[i]) for i in indexes}
            last = max(indexes, key=lambda i: order[i])
            for i in indexes:
                import_order[i] = "imported last" if i == last else "imported earlier"
    versions = tuple(
        ConflictVersion(
            key=h.key,
            shown=index == 0,
            deleted=h.is_deleted,
            updated_at=h.updated_at,
            made_where=describer.made_where(h),
            vv=h.vv,
            exported_in=describer.exported_in(h),
            import_order=import_order[index],
        )
        for index, h in enumerate(heads)
    )
    shown_values = heads[0].canon if not heads[0].is_deleted else heads[-1].canon
    title = _title_of(shown_values, record_type, uuid)
    if record_type == "AssessmentResponse":
        # "MFI" alone does not say whose answer, nor for which team: name them.
        assessment = str(shown_values.get("assessment_uuid") or "")
        item = describer.item_title(assessment, title)
        who = describer.respondent(str(shown_values.get("respondent") or ""))
        title = f"{item} · {who} · {describer.assessment(assessment)}"
    differing = [f.label.lower() for f in fields if f.differs and f.key != "deleted"]
    kind = record_noun(record_type)
    if any(h.is_deleted for h in heads) and not all(h.is_deleted for h in heads):
        what = f"This {kind} was deleted in one place and changed in another"
    else:
        what = f"This {kind} was changed in {len(heads)} places since they last shared it"
    if differing:
        verb = "differs" if len(differing) == 1 else "differ"
        what += f" ({', '.join(differing)} {verb})"
    elif not any(f.differs for f in fields):
        what += " (the values are the same; only their histories differ)"
    first = versions[0]
    others = "the others are" if len(heads) > 2 else "the other is"
    # Versions of one workbook's edits carry the export's time: none was "changed last".
    which = (
        "the one changed last"
        if len({h.updated_at for h in heads}) == len(heads)
        else "picked the same way on every computer"
    )
    summary = (
        f"{what}. QI Desk shows version 1, {which}, made on "
        f"{first.made_where_in_full}; {others} kept here until you choose."
    )
    return ConflictSummary(record_type, uuid, title, summary, versions, tuple(fields))


class ConflictService:
    """List open conflicts and resolve them by keeping one version."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work

    def count(self) -> int:
        """How many records are in conflict."""
        with self._unit_of_work() as session:
            subquery = (
                select(ConflictHead.record_type, ConflictHead.record_uuid).distinct().subquery()
            )
            return int(session.scalar(select(func.count()).select_from(subquery)) or 0)

    def list_conflicts(self) -> list[ConflictSummary]:
        """Every record in conflict, by kind and title."""
        with self._unit_of_work() as session:
            describer = _Describer(session)
            by_type: dict[str, list[str]] = {}
            for record_type, uuid in merge.open_conflicts(session):
                by_type.setdefault(record_type, []).append(uuid)
            result = []
            for record_type, uuids in by_type.items():
                try:
                    heads = merge.conflict_heads_of(session, record_type, uuids)
                except KeyError:
                    continue  # a record type this version of QI Desk does not know
                describer.prefetch(record_type, [h for hs in heads.values() for h in hs])
                for uuid in uuids:
                    described = _describe(
                        session, describer, record_type, uuid, heads.get(uuid, [])
                    )
                    if described is not None:
                        result.append(described)
        result.sort(key=lambda c: (c.record_type, c.title.lower(), c.uuid))
        return result

    def get(self, record_type: str, uuid: str) -> ConflictSummary | None:
        """One record's conflict, or None when it is no longer in conflict."""
        with self._unit_of_work() as session:
            return _describe(session, _Describer(session), record_type, uuid)

    def keep_version(self, record_type: str, uuid: str, version_key: str) -> None:
        """Keep the version ``version_key``: it becomes a new version that supersedes every
        other, here and wherever it is exported to."""
        try:
            with self._unit_of_work() as session:
                heads = merge.conflict_heads(session, record_type, uuid)
                if len(heads) < 2:
                    raise ServiceError("This conflict has already been resolved.")
                try:
                    merge.resolve_conflict(session, record_type, uuid, version_key)
                except KeyError as exc:
                    raise ServiceError(
                        "That version is no longer one of the record's versions "
                        "(an import changed it). Look at the conflict again."
                    ) from exc
        except IntegrityError as exc:
            raise ServiceError(
                "That version refers to a record this database does not have, so it cannot be "
                "kept. Nothing was changed."
            ) from exc
