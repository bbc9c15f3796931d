"""The whole programme at a glance: one line per cohort, for a QIST lead's programme report."""

from __future__ import annotations

import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from qidesk.core.assessment_stats import STAGES, cohort_stage_mean
from qidesk.core.pdsa_rules import ACT_DECISIONS
from qidesk.services.assessment_service import AssessmentService
from qidesk.services.base import UnitOfWork, get_live
from qidesk.services.cohort_service import CohortInfo
from qidesk.services.pdsa_service import PdsaService
from qidesk.services.progress_service import ProgressService
from qidesk.services.reference_service import COHORT_STATUS_LABELS
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
    #: Members no longer active (the cohort's Teams tab counts them in its Members column).
    inactive_members: int = 0
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
            by_activity = dict(
                session.execute(
                    select(Member.active, func.count())
                    .join(Team, Member.team_uuid == Team.uuid)
                    .where(
                        Team.cohort_uuid == cohort_uuid,
                        Team.deleted_at.is_(None),
                        Member.deleted_at.is_(None),
                    )
                    .group_by(Member.active)
                ).all()
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
            members=int(by_activity.get(True, 0)),
            inactive_members=int(by_activity.get(False, 0)),
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


#: The Programme workbook's columns: one figure each, so a lead can sort, chart and quote them.
WORKBOOK_HEADERS = (
    "Cohort",
    "Starts",
    "Ends",
    "Status",
    "Teams",
    "Active members",
    "Teams assessed: start",
    "Teams assessed: midpoint",
    "Teams assessed: end",
    "Mean capability: start",
    "Mean capability: midpoint",
    "Mean capability: end",
    "PDSA cycles",
    "Adopted",
    "Adapted",
    "Abandoned",
    "Median of latest coach scores",
    "Teams the coach scored",
    "Median of latest team scores",
    "Teams that scored themselves",
    "Teams with scores outside the cohort's months",
)


def workbook_row(cohort: CohortInfo, summary: CohortSummary) -> list[Any]:
    """One cohort's line of the Programme workbook: numbers as numbers, dates as dates, and
    None where there is no figure (an empty cell, never 0)."""
    return [
        cohort.name,
        cohort.start_date,
        cohort.end_date,
        COHORT_STATUS_LABELS.get(cohort.status, cohort.status),
        cohort.team_count,
        summary.members,
        *(summary.teams_assessed[s] for s in STAGES),
        *(None if (m := summary.capability[s]) is None else round(m, 2) for s in STAGES),
        summary.cycles,
        *(summary.decisions[d] for d in ACT_DECISIONS),
        summary.coach_median,
        summary.coach_teams,
        summary.team_median,
        summary.team_teams,
        summary.teams_outside_window,
    ]


def write_programme_workbook(
    path: Path, lines: Sequence[tuple[CohortInfo, CohortSummary]], made_on: date
) -> None:
    """Write the Programme page's figures to ``path`` (.xlsx): a header row, then a row per
    cohort. Every text is a text cell, never a formula (a cohort named ``=SUM(A1)`` stays
    that text). The file appears whole or not at all; an OSError says why it could not."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from qidesk.sync.cells import set_value

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Programme"
    for column, header in enumerate(WORKBOOK_HEADERS, start=1):
        set_value(sheet.cell(row=1, column=column), header).font = Font(bold=True)
    for row, (cohort, summary) in enumerate(lines, start=2):
        for column, value in enumerate(workbook_row(cohort, summary), start=1):
            cell = set_value(sheet.cell(row=row, column=column), value)
            if isinstance(value, date):
                cell.number_format = "d mmm yyyy"
            elif isinstance(value, float):
                cell.number_format = "0.0#"
    note = len(lines) + 3
    set_value(
        sheet.cell(row=note, column=1),
        f"From QI Desk on {made_on:%d %b %Y}. Mean capability: the mean over the template's "
        "items of the cohort's item means (1–5). Medians: of the teams' latest IHI progress "
        "scores (0.5–5).",
    )
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = max([12, *(min(len(c.name), 60) + 2 for c, _ in lines)])
    for letter in ("B", "C", "D"):
        sheet.column_dimensions[letter].width = 13
    partial = path.with_name(path.name + ".partial")
    try:
        book.save(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
