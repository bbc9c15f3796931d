"""Change ideas, PDSA cycles (ramps of tests), monthly IHI progress scores and the IHI scale."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from qidesk.core.pdsa_rules import ACT_DECISIONS, CYCLE_STATUSES, DO_AS_PLANNED_VALUES
from qidesk.store.base import Base, SyncMixin

__all__ = [
    "ACT_DECISIONS",
    "CHANGE_IDEA_STATUSES",
    "CYCLE_STATUSES",
    "DO_AS_PLANNED_VALUES",
    "PROGRESS_RATERS",
    "ChangeIdea",
    "PdsaCycle",
    "ProgressScaleLevel",
    "ProgressScore",
]

CHANGE_IDEA_STATUSES = ("proposed", "testing", "adopted", "abandoned")
PROGRESS_RATERS = ("team", "coach")


class ChangeIdea(SyncMixin, Base):
    """A change a team wants to test, with its place on the driver diagram (drivers are free text).

    ``status`` is one of :data:`CHANGE_IDEA_STATUSES`.
    """

    __tablename__ = "change_idea"
    record_type = "ChangeIdea"

    team_uuid: Mapped[str] = mapped_column(ForeignKey("team.uuid"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    primary_driver: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    secondary_driver: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="testing")


class PdsaCycle(SyncMixin, Base):
    """One Plan-Do-Study-Act cycle, following the IHI worksheet; it travels as one workbook row.

    Ramp: ``previous_cycle_uuid`` links a cycle to the cycle it follows ("Next cycle"). It is a
    soft reference (no foreign key), so a workbook may carry cycles in any order; the services
    follow it to the nearest live cycle of the same change idea.

    ``cycle_number`` is the number within its change idea (or within the team's cycles without a
    change idea), given by the service: one more than the highest live number there. Deleting a
    cycle never renumbers the others (numbers are what people quote, and renumbering would make
    new versions of records nobody edited); a cycle moved to another change idea takes the next
    number there. Two installations may give the same number concurrently: numbers are labels,
    not keys.

    List-like fields are readable text with one ``Key: value`` line per field, so they can be
    read and edited in a spreadsheet cell (parsed and written by :mod:`qidesk.core.pdsa_rules`):

    ``questions``: each question on a ``Q:`` line, followed by its ``P:`` (prediction) line::

        Q: Will nurses complete the checklist on every shift?
        P: Yes, on at least 8 of 10 shifts.

    ``plan_tasks``: each task starts with a ``What:`` line, then optional ``Who:``, ``When:`` and
    ``Where:`` lines; tasks are separated by a blank line. Values are single lines; a line
    without a known key continues the previous value.

    ``do_as_planned`` is one of :data:`DO_AS_PLANNED_VALUES`, ``act_decision`` one of
    :data:`ACT_DECISIONS` or None (not decided yet), ``status`` one of :data:`CYCLE_STATUSES`.
    """

    __tablename__ = "pdsa_cycle"
    record_type = "PdsaCycle"

    team_uuid: Mapped[str] = mapped_column(ForeignKey("team.uuid"), nullable=False, index=True)
    change_idea_uuid: Mapped[str | None] = mapped_column(
        ForeignKey("change_idea.uuid"), nullable=True, index=True
    )
    previous_cycle_uuid: Mapped[str | None] = mapped_column(String(36), nullable=True)
    cycle_number: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    objective: Mapped[str] = mapped_column(Text, nullable=False, default="")
    questions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    plan_tasks: Mapped[str] = mapped_column(Text, nullable=False, default="")
    data_collection_plan: Mapped[str] = mapped_column(Text, nullable=False, default="")
    planned_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    planned_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    actual_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    actual_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    do_as_planned: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    do_observations: Mapped[str] = mapped_column(Text, nullable=False, default="")
    study_results: Mapped[str] = mapped_column(Text, nullable=False, default="")
    study_learning: Mapped[str] = mapped_column(Text, nullable=False, default="")
    act_decision: Mapped[str | None] = mapped_column(String(10), nullable=True, default=None)
    act_next_step: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="planned")


class ProgressScore(SyncMixin, Base):
    """A team's IHI progress score for one month from one rater (the team itself, or its coach).

    ``month`` is the first day of the month; ``score`` is 0.5 to 5.0 in steps of 0.5; ``rater``
    is one of :data:`PROGRESS_RATERS`. The uuid is derived from the natural key
    (``natural_uuid("progress", team_uuid, "YYYY-MM", rater)``) so two installations scoring the
    same month make versions of one record, not duplicates.
    """

    __tablename__ = "progress_score"
    record_type = "ProgressScore"

    team_uuid: Mapped[str] = mapped_column(ForeignKey("team.uuid"), nullable=False, index=True)
    month: Mapped[date] = mapped_column(Date, nullable=False)
    rater: Mapped[str] = mapped_column(String(10), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class ProgressScaleLevel(Base):
    """One level of the IHI progress scale (reference data seeded by the migration)."""

    __tablename__ = "progress_scale_level"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
