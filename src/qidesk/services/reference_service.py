"""The programme's vocabularies (seeded reference tables) and the labels of fixed choices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from qidesk.services.base import UnitOfWork
from qidesk.store.models.foundation import (
    COACH_ROLES,
    COHORT_STATUSES,
    TEAM_STATUSES,
    FocusArea,
    QualityDomain,
    StrategicObjective,
)

#: Words shown for the stored codes of fixed choices.
COHORT_STATUS_LABELS = {"planned": "Planned", "running": "Running", "completed": "Completed"}
TEAM_STATUS_LABELS = {"active": "Active", "completed": "Completed", "withdrawn": "Withdrawn"}
COACH_ROLE_LABELS = {
    "coach": "Coach",
    "buddy_coach": "Buddy coach",
    "improvement_advisor": "Improvement advisor",
    "qist_lead": "QIST lead",
}


@dataclass(frozen=True)
class VocabularyItem:
    code: str
    position: int
    title: str
    description: str


@dataclass(frozen=True)
class Choice:
    """A fixed choice: the stored code and the words shown for it."""

    code: str
    label: str


@dataclass(frozen=True)
class Vocabularies:
    strategic_objectives: tuple[VocabularyItem, ...]
    focus_areas: tuple[VocabularyItem, ...]
    quality_domains: tuple[VocabularyItem, ...]
    cohort_statuses: tuple[Choice, ...]
    team_statuses: tuple[Choice, ...]
    coach_roles: tuple[Choice, ...]

    def title_of(self, kind: str, code: str) -> str:
        """The title of ``code`` in vocabulary ``kind`` (for example ``"focus_areas"``)."""
        items: tuple[VocabularyItem, ...] = getattr(self, kind)
        for item in items:
            if item.code == code:
                return item.title
        return code


def _choices(codes: tuple[str, ...], labels: dict[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(code, labels.get(code, code)) for code in codes)


class ReferenceService:
    """Reads the vocabularies once per open database (they are reference data, not edited here)."""

    def __init__(self, unit_of_work: UnitOfWork):
        self._unit_of_work = unit_of_work
        self._cache: Vocabularies | None = None

    def vocabularies(self) -> Vocabularies:
        if self._cache is None:
            with self._unit_of_work() as session:

                def items(model: Any) -> tuple[VocabularyItem, ...]:
                    table = model.__table__  # Core query: no ORM mapper configuration needed
                    rows = session.execute(
                        select(
                            table.c.code, table.c.position, table.c.title, table.c.description
                        ).order_by(table.c.position)
                    )
                    return tuple(VocabularyItem(*row) for row in rows)

                self._cache = Vocabularies(
                    strategic_objectives=items(StrategicObjective),
                    focus_areas=items(FocusArea),
                    quality_domains=items(QualityDomain),
                    cohort_statuses=_choices(COHORT_STATUSES, COHORT_STATUS_LABELS),
                    team_statuses=_choices(TEAM_STATUSES, TEAM_STATUS_LABELS),
                    coach_roles=_choices(COACH_ROLES, COACH_ROLE_LABELS),
                )
        return self._cache

    def codes(self, kind: str) -> frozenset[str]:
        """The valid codes of vocabulary ``kind``."""
        return frozenset(item.code for item in getattr(self.vocabularies(), kind))
