"""Self-assessment templates: the shipped default, versions, import and export as a sheet."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qidesk.resources import resource_path
from qidesk.services.base import NotFound, ServiceError, UnitOfWork, tombstone
from qidesk.store.models.assessment import (
    Assessment,
    AssessmentResponse,
    AssessmentTemplate,
    TemplateItem,
    template_item_uuid,
    template_uuid,
)
from qidesk.store.models.foundation import AppMeta
from qidesk.sync.template_sheet import (
    TemplateDefinition,
    TemplateItemDefinition,
    TemplateSheetError,
    padded_descriptors,
    read_template_sheet,
    write_template_sheet,
)

DEFAULT_TEMPLATE_FILE = "default_self_assessment.json"


@dataclass(frozen=True)
class TemplateItemInfo:
    uuid: str
    code: str
    title: str
    description: str
    group: str
    position: int
    descriptors: tuple[str, ...]


@dataclass(frozen=True)
class TemplateInfo:
    """One template version with its items in order."""

    uuid: str
    code: str
    version: int
    title: str
    description: str
    scale_min: int
    scale_max: int
    level_labels: tuple[str, ...]
    items: tuple[TemplateItemInfo, ...]
    in_use: bool

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    @property
    def display_name(self) -> str:
        return f"{self.title} (version {self.version})"

    def level_label(self, level: int) -> str:
        index = level - self.scale_min
        return self.level_labels[index] if 0 <= index < len(self.level_labels) else ""


@dataclass(frozen=True)
class TemplateSaveResult:
    """What saving a template definition did: ``created``, ``unchanged``, ``updated`` (in place,
    the version had no responses) or ``new_version`` (the old version keeps its responses)."""

    template: TemplateInfo
    outcome: str


def default_template_definition() -> TemplateDefinition:
    """The template shipped in ``resources/templates``."""
    return TemplateDefinition.from_json_file(resource_path("templates", DEFAULT_TEMPLATE_FILE))


def template_in_use(session: Session, uuid: str) -> bool:
    """True when any live response was given on an assessment using this template version.

    Stops at the first such response: counting them all took 0.2 s on a lead's database of
    125,000 answers, and the self-assessment tab asks several times per team."""
    first = session.scalar(
        select(AssessmentResponse.uuid)
        .join(Assessment, Assessment.uuid == AssessmentResponse.assessment_uuid)
        .where(
            Assessment.template_uuid == uuid,
            AssessmentResponse.deleted_at.is_(None),
            Assessment.deleted_at.is_(None),
        )
        .limit(1)
    )
    return first is not None


def _live_items(session: Session, uuid: str) -> list[TemplateItem]:
    return list(
        session.scalars(
            select(TemplateItem)
            .where(TemplateItem.template_uuid == uuid, TemplateItem.deleted_at.is_(None))
            .order_by(TemplateItem.position, TemplateItem.code)
        )
    )


def template_info(session: Session, template: AssessmentTemplate) -> TemplateInfo:
    items = tuple(
        TemplateItemInfo(
            uuid=i.uuid,
            code=i.code,
            title=i.title,
            description=i.description,
            group=i.item_group,
            position=i.position,
            descriptors=tuple(i.descriptor_list()),
        )
        for i in _live_items(session, template.uuid)
    )
    return TemplateInfo(
        uuid=template.uuid,
        code=template.code,
        version=template.version,
        title=template.title,
        description=template.description,
        scale_min=template.scale_min,
        scale_max=template.scale_max,
        level_labels=tuple(template.labels()),
        items=items,
        in_use=template_in_use(session, template.uuid),
    )


def _definition_of(session: Session, template: AssessmentTemplate) -> TemplateDefinition:
    return TemplateDefinition(
        code=template.code,
        title=template.title,
        description=template.description,
        scale_min=template.scale_min,
        level_labels=tuple(template.labels()),
        version=template.version,
        items=tuple(
            TemplateItemDefinition(
                code=i.code,
                title=i.title,
                description=i.description,
                group=i.item_group,
                descriptors=tuple(i.descriptor_list()),
            )
            for i in _live_items(session, template.uuid)
        ),
    )


def _write_content(session: Session, template: AssessmentTemplate, d: TemplateDefinition) -> None:
    """Make ``template`` (already added) and its items hold exactly ``d``'s content."""
    template.title = d.title
    template.description = d.description
    template.scale_min = d.scale_min
    template.scale_max = d.scale_max
    template.level_labels = json.dumps(list(d.level_labels), ensure_ascii=False)
    existing = {
        i.code: i
        for i in session.scalars(
            select(TemplateItem).where(TemplateItem.template_uuid == template.uuid)
        )
    }
    wanted = set()
    for position, item in enumerate(d.items, start=1):
        wanted.add(item.code)
        descriptors = json.dumps(list(padded_descriptors(item, d)), ensure_ascii=False)
        row = existing.get(item.code)
        if row is None:
            row = TemplateItem(
                uuid=template_item_uuid(template.uuid, item.code),
                template_uuid=template.uuid,
                code=item.code,
            )
            session.add(row)
        row.title = item.title
        row.description = item.description
        row.item_group = item.group
        row.position = position
        row.descriptors = descriptors
        if row.deleted_at is not None:
            row.deleted_at = None
    for code, row in existing.items():
        if code not in wanted and row.deleted_at is None:
            tombstone(row)


def save_definition(session: Session, d: TemplateDefinition) -> TemplateSaveResult:
    """Store ``d``: a new template, the same content (unchanged), an in-place edit of a version
    without responses, or a new version when the latest version already has responses.

    A definition that names a version (``d.version``) that does not exist yet is created with
    that version number, so the shipped default gets the same uuid on every installation.
    """
    problems = d.problems()
    if problems:
        raise ServiceError("The template cannot be saved: " + "; ".join(problems) + ".")
    versions = list(
        session.scalars(
            select(AssessmentTemplate)
            .where(AssessmentTemplate.code == d.code, AssessmentTemplate.deleted_at.is_(None))
            .order_by(AssessmentTemplate.version)
        )
    )
    for existing in versions:
        if _definition_of(session, existing).content_key() == d.content_key():
            return TemplateSaveResult(template_info(session, existing), "unchanged")
    latest = versions[-1] if versions else None
    if latest is not None and not template_in_use(session, latest.uuid):
        _write_content(session, latest, d)
        session.flush()
        return TemplateSaveResult(template_info(session, latest), "updated")
    if latest is None:
        number = d.version or 1
        outcome = "created"
    else:
        all_numbers = session.scalars(
            select(AssessmentTemplate.version).where(AssessmentTemplate.code == d.code)
        )
        number = max(all_numbers, default=0) + 1
        outcome = "new_version"
    uuid = template_uuid(d.code, number)
    template = session.get(AssessmentTemplate, uuid)
    if template is None:
        template = AssessmentTemplate(uuid=uuid, code=d.code, version=number, title=d.title)
        session.add(template)
    elif template.deleted_at is not None:
        template.deleted_at = None
    _write_content(session, template, d)
    session.flush()
    return TemplateSaveResult(template_info(session, template), outcome)


def ensure_default_template(session: Session) -> AssessmentTemplate:
    """The shipped default template's version, loaded into the database when first needed."""
    d = default_template_definition()
    uuid = template_uuid(d.code, d.version or 1)
    template = session.get(AssessmentTemplate, uuid)
    if template is not None and template.deleted_at is None:
        return template
    created = AssessmentTemplate(uuid=uuid, code=d.code, version=d.version or 1, title=d.title)
    if template is not None:
        created = template
        created.deleted_at = None
    else:
        session.add(created)
    _write_content(session, created, d)
    session.flush()
    return created


def latest_template(session: Session, code: str) -> AssessmentTemplate | None:
    return session.scalars(
        select(AssessmentTemplate)
        .where(AssessmentTemplate.code == code, AssessmentTemplate.deleted_at.is_(None))
        .order_by(AssessmentTemplate.version.desc())
    ).first()


#: app_meta key holding the code of the template new assessments use on this installation.
PREFERRED_TEMPLATE_KEY = "assessment_template_code"


def preferred_template(session: Session) -> AssessmentTemplate:
    """The template a new assessment uses: the latest version of the chosen template code
    (see :meth:`TemplateService.use_for_new_assessments`), else of the shipped default."""
    default = ensure_default_template(session)
    chosen = session.get(AppMeta, PREFERRED_TEMPLATE_KEY)
    if chosen is not None:
        template = latest_template(session, chosen.value)
        if template is not None:
            return template
    return latest_template(session, default.code) or default


class TemplateService:
    """Templates for the UI and the command line (DTOs only)."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._uow = unit_of_work

    def ensure_default(self) -> TemplateInfo:
        """Load the shipped default template if it is not there yet (idempotent)."""
        with self._uow() as session:
            return template_info(session, ensure_default_template(session))

    def list_templates(self) -> list[TemplateInfo]:
        """Every live template version, by code then version."""
        with self._uow() as session:
            ensure_default_template(session)
            templates = session.scalars(
                select(AssessmentTemplate)
                .where(AssessmentTemplate.deleted_at.is_(None))
                .order_by(AssessmentTemplate.code, AssessmentTemplate.version)
            )
            return [template_info(session, t) for t in templates]

    def get(self, uuid: str) -> TemplateInfo:
        with self._uow() as session:
            template = session.get(AssessmentTemplate, uuid)
            if template is None or template.deleted_at is not None:
                raise NotFound("That template no longer exists.")
            return template_info(session, template)

    def definition(self, uuid: str) -> TemplateDefinition:
        with self._uow() as session:
            template = session.get(AssessmentTemplate, uuid)
            if template is None or template.deleted_at is not None:
                raise NotFound("That template no longer exists.")
            return _definition_of(session, template)

    def save(self, definition: TemplateDefinition) -> TemplateSaveResult:
        """Store an edited or new template (see :func:`save_definition` for versioning)."""
        with self._uow() as session:
            return save_definition(session, definition)

    def preferred(self) -> TemplateInfo:
        """The template version new assessments use."""
        with self._uow() as session:
            return template_info(session, preferred_template(session))

    def use_for_new_assessments(self, code: str) -> TemplateInfo:
        """New assessments (a team's first stage) use the latest version of ``code`` from now on.

        Stages already started keep their template; a team's later stages follow its first.
        """
        with self._uow() as session:
            template = latest_template(session, code)
            if template is None:
                raise NotFound(f"There is no template with the code {code!r}.")
            meta = session.get(AppMeta, PREFERRED_TEMPLATE_KEY)
            if meta is None:
                session.add(AppMeta(key=PREFERRED_TEMPLATE_KEY, value=code))
            else:
                meta.value = code
            return template_info(session, template)

    def export_sheet(self, uuid: str, path: Path) -> None:
        write_template_sheet(self.definition(uuid), Path(path))

    def import_sheet(self, path: Path) -> TemplateSaveResult:
        """Read, validate and store a template sheet; a bad sheet changes nothing.

        Raises :class:`ServiceError` whose message lists every problem with its location.
        """
        try:
            definition = read_template_sheet(Path(path))
        except TemplateSheetError as exc:
            raise ServiceError(str(exc)) from exc
        return self.save(definition)
