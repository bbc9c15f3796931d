"""Cohorts, coaches, teams, members and the programme's reference vocabularies."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qidesk.store.base import Base, SyncMixin

COHORT_STATUSES = ("planned", "running", "completed")
COACH_ROLES = ("coach", "buddy_coach", "improvement_advisor", "qist_lead")
TEAM_STATUSES = ("active", "completed", "withdrawn")


class AppMeta(Base):
    """Key/value facts about this database (installation id, last export time, ...)."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class StrategicObjective(Base):
    """One of the health board's four strategic objectives (reference data, seeded)."""

    __tablename__ = "strategic_objective"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class FocusArea(Base):
    """One of the six strategic QI focus areas (reference data, seeded)."""

    __tablename__ = "focus_area"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class QualityDomain(Base):
    """One of the six quality domains (reference data, seeded)."""

    __tablename__ = "quality_domain"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Cohort(SyncMixin, Base):
    """A cohort of the 9-month collaborative programme."""

    __tablename__ = "cohort"
    record_type = "Cohort"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="planned")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    teams: Mapped[list[Team]] = relationship(back_populates="cohort", order_by="Team.name")


class Coach(SyncMixin, Base):
    """A QI coach, buddy coach, improvement advisor or QIST lead."""

    __tablename__ = "coach"
    record_type = "Coach"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(40), nullable=False, default="coach")
    email: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    iip_accredited_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Team(SyncMixin, Base):
    """A multidisciplinary team working on one improvement project within a cohort.

    Focus areas, strategic objectives and quality domains are stored as ``;``-separated codes of
    the reference tables, so a team travels as one row in a workbook.
    """

    __tablename__ = "team"
    record_type = "Team"

    cohort_uuid: Mapped[str] = mapped_column(ForeignKey("cohort.uuid"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    service: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    directorate: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    site: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    project_title: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    aim_statement: Mapped[str] = mapped_column(Text, nullable=False, default="")
    focus_areas: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    strategic_objectives: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    quality_domains: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    coach_uuid: Mapped[str | None] = mapped_column(ForeignKey("coach.uuid"), nullable=True)
    buddy_coach_uuid: Mapped[str | None] = mapped_column(ForeignKey("coach.uuid"), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="active")
    partner_agencies: Mapped[str] = mapped_column(Text, nullable=False, default="")

    cohort: Mapped[Cohort] = relationship(back_populates="teams")
    coach: Mapped[Coach | None] = relationship(foreign_keys=[coach_uuid])
    buddy_coach: Mapped[Coach | None] = relationship(foreign_keys=[buddy_coach_uuid])
    members: Mapped[list[Member]] = relationship(back_populates="team", order_by="Member.name")


class Member(SyncMixin, Base):
    """A staff member (or partner-agency colleague) of a team. Staff names only: no patient data."""

    __tablename__ = "member"
    record_type = "Member"

    team_uuid: Mapped[str] = mapped_column(ForeignKey("team.uuid"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    team: Mapped[Team] = relationship(back_populates="members")


def split_codes(text: str) -> list[str]:
    """``"1;3"`` -> ``["1", "3"]``."""
    return [c for c in (p.strip() for p in (text or "").split(";")) if c]


def join_codes(codes: list[str] | tuple[str, ...]) -> str:
    """``["3", "1"]`` -> ``"1;3"`` (sorted, unique, so equal sets compare equal)."""
    return ";".join(sorted({c.strip() for c in codes if c and c.strip()}))
