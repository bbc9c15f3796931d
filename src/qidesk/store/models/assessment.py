"""Self-assessment records: templates and their items, a team's assessment per stage, responses."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qidesk.core.assessment_stats import CONSENSUS_RESPONDENT, STAGES
from qidesk.core.ids import natural_uuid
from qidesk.store.base import Base, SyncMixin
from qidesk.store.models.foundation import Team

__all__ = [
    "CONSENSUS_RESPONDENT",
    "STAGES",
    "Assessment",
    "AssessmentResponse",
    "AssessmentTemplate",
    "TemplateItem",
    "assessment_uuid",
    "response_uuid",
    "template_item_uuid",
    "template_uuid",
]


def template_uuid(code: str, version: int) -> str:
    """Identity of version ``version`` of the template ``code`` (the same on every installation)."""
    return natural_uuid("assessment_template", code, str(version))


def template_item_uuid(template: str, item_code: str) -> str:
    """Identity of the item ``item_code`` of the template version with uuid ``template``."""
    return natural_uuid("template_item", template, item_code)


def assessment_uuid(team: str, stage: str) -> str:
    """Identity of a team's assessment at ``stage`` (start, mid or end)."""
    return natural_uuid("assessment", team, stage)


def response_uuid(assessment: str, respondent: str, item_code: str) -> str:
    """Identity of one respondent's answer to one item of one assessment."""
    return natural_uuid("response", assessment, respondent, item_code)


class AssessmentTemplate(SyncMixin, Base):
    """One version of a self-assessment template: its scale and the labels of its levels.

    ``level_labels`` is a JSON list of texts, one per level from ``scale_min`` to ``scale_max``.
    A version that has responses is never changed in place: editing makes a new version.
    """

    __tablename__ = "assessment_template"
    record_type = "AssessmentTemplate"

    code: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    scale_min: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    scale_max: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    level_labels: Mapped[str] = mapped_column(Text, nullable=False, default="[]")

    def labels(self) -> list[str]:
        """The level labels as a list (``scale_max - scale_min + 1`` texts)."""
        return [str(x) for x in json.loads(self.level_labels or "[]")]


class TemplateItem(SyncMixin, Base):
    """One item (capability) of a template version.

    ``descriptors`` is a JSON list with one text per level (``""`` where none), describing what
    that level means for this item. ``item_group`` is an optional heading for grouping items.
    """

    __tablename__ = "assessment_template_item"
    record_type = "TemplateItem"

    template_uuid: Mapped[str] = mapped_column(
        ForeignKey("assessment_template.uuid"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(80), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    item_group: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    descriptors: Mapped[str] = mapped_column(Text, nullable=False, default="[]")

    template: Mapped[AssessmentTemplate] = relationship()

    def descriptor_list(self) -> list[str]:
        return [str(x) for x in json.loads(self.descriptors or "[]")]


class Assessment(SyncMixin, Base):
    """A team's self-assessment at one stage (start, mid or end), answered on one template."""

    __tablename__ = "assessment"
    record_type = "Assessment"

    team_uuid: Mapped[str] = mapped_column(ForeignKey("team.uuid"), nullable=False, index=True)
    stage: Mapped[str] = mapped_column(String(10), nullable=False)
    assessed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    template_uuid: Mapped[str] = mapped_column(
        ForeignKey("assessment_template.uuid"), nullable=False
    )
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    team: Mapped[Team] = relationship()
    template: Mapped[AssessmentTemplate] = relationship()


class AssessmentResponse(SyncMixin, Base):
    """One respondent's answer to one item at one assessment.

    ``respondent`` is a member's uuid or :data:`CONSENSUS_RESPONDENT`. ``score`` is None for
    "not answered" (never counted as zero).
    """

    __tablename__ = "assessment_response"
    record_type = "AssessmentResponse"

    assessment_uuid: Mapped[str] = mapped_column(
        ForeignKey("assessment.uuid"), nullable=False, index=True
    )
    respondent: Mapped[str] = mapped_column(String(36), nullable=False)
    item_code: Mapped[str] = mapped_column(String(80), nullable=False)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")

    assessment: Mapped[Assessment] = relationship()
