"""All the services one open database offers, built once by ``app.py`` and handed to the UI."""

from __future__ import annotations

from dataclasses import dataclass

from qidesk.services.activity_service import ActivityService
from qidesk.services.assessment_service import AssessmentService
from qidesk.services.coach_service import CoachService
from qidesk.services.cohort_service import CohortService
from qidesk.services.deleted_service import DeletedService
from qidesk.services.member_service import MemberService
from qidesk.services.pdsa_service import PdsaService
from qidesk.services.progress_service import ProgressService
from qidesk.services.reference_service import ReferenceService
from qidesk.services.team_service import TeamService
from qidesk.services.template_service import TemplateService
from qidesk.store.engine import Database


@dataclass
class Services:
    """The services of one open database. Each feature adds its service as one field here."""

    db: Database
    reference: ReferenceService
    cohorts: CohortService
    teams: TeamService
    members: MemberService
    coaches: CoachService
    deleted: DeletedService
    activity: ActivityService
    templates: TemplateService
    assessments: AssessmentService
    pdsa: PdsaService
    progress: ProgressService

    @classmethod
    def create(cls, db: Database) -> Services:
        uow = db.unit_of_work
        reference = ReferenceService(uow)
        return cls(
            db=db,
            reference=reference,
            cohorts=CohortService(uow),
            teams=TeamService(uow, reference),
            members=MemberService(uow),
            coaches=CoachService(uow),
            deleted=DeletedService(uow),
            activity=ActivityService(uow),
            templates=TemplateService(uow),
            assessments=AssessmentService(uow),
            pdsa=PdsaService(uow),
            progress=ProgressService(uow),
        )
