"""The whole programme at a glance: one line per cohort, for a QIST lead's programme report."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from qidesk.core.assessment_stats import STAGES, cohort_stage_mean
from qidesk.core.pdsa_rules import ACT_DECISIONS
from qidesk.services.assessment_service import AssessmentService
from qidesk.services.base import UnitOfWork, get_live
from qidesk.services.pdsa_service import PdsaService
from qidesk.services.progress_service import ProgressService
from qidesk.store.models.foundation import Cohort, Member, Team


@dataclass(frozen=True)
class CohortSummary:
    """One cohort's figures, read as the cohort page's tabs read them."""

    cohort_uuid: str
    #: Active members of the cohort's teams.
    members: int
    #: Per stage: teams with answers, and the cohort's mean over items (the Capability tab's
    #: item means, averaged; None before any answer).
    teams_assessed: Mapping[str, int]
    capability: Mapping[str, float | None]
    #: PDSA cycles, and how many ended in each Act decision (adopt, adapt, abandon).
    cycles: int
    decisions: Mapping[str, int]
    #: Median of the teams' latest IHI progress scores, by rater, with how many teams scored.
    coach_median: float | None
    coach_teams: int
    team_median: float | None
    team_teams: int
    #: Teams with progress scores for months outside the cohort's (marked ⚠ on the cohort's
    #: Progress tab: a slip of the year, or scores from before the team moved to this cohort).
    teams_outside_window: int = 0


class ProgrammeService:
    """Summaries of cohorts for the Programme page, one cohort per call (a lead's database
    holds dozens of cohorts: the page fills in one at a time and stays responsive)."""

    def __init__(
        self,
        unit_of_work: UnitOfWork,
        assessments: AssessmentService,
        pdsa: PdsaService,
        progress: ProgressService,
    ):
        self._uow = unit_of_work
        self._assessments = assessments
        self._pdsa = pdsa
        self._progress = progress

    def cohort_summary(self, cohort_uuid: str) -> CohortSummary:
        with self._uow() as session:
            get_live(session, Cohort, cohort_uuid)
            members = session.scalar(
                select(func.count())
                .select_from(Member)
                .join(Team, Member.team_uuid == Team.uuid)
                .where(
                    Team.cohort_uuid == cohort_uuid,
                    Team.deleted_at.is_(None),
                    Member.deleted_at.is_(None),
                    Member.active.is_(True),
                )
            )
        capability = self._assessments.cohort_capability(cohort_uuid)
        codes = [code for code, _title in capability.items]
        pdsa = self._pdsa.cohort_pdsa(cohort_uuid)
        decided: dict[str, int] = dict.fromkeys(ACT_DECISIONS, 0)
        for counts in pdsa.decisions.values():
            for decision, n in counts.items():
                if decision in decided:
                    decided[decision] += n
        latest = self._progress.cohort_latest(cohort_uuid)
        coach = [t.coach_score for t in latest if t.coach_score is not None]
        team = [t.team_score for t in latest if t.team_score is not None]
        return CohortSummary(
            cohort_uuid=cohort_uuid,
            members=int(members or 0),
            teams_assessed={stage: capability.teams_per_stage.get(stage, 0) for stage in STAGES},
            capability={
                stage: cohort_stage_mean(capability.cells, codes, stage) for stage in STAGES
            },
            cycles=len(pdsa.cycles),
            decisions=decided,
            coach_median=statistics.median(coach) if coach else None,
            coach_teams=len(coach),
            team_median=statistics.median(team) if team else None,
            team_teams=len(team),
            teams_outside_window=sum(1 for t in latest if t.outside_window),
        )
