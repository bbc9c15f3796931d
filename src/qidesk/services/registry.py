"""All the services one open database offers, built once by ``app.py`` and handed to the UI."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from qidesk.services.activity_service import ActivityService
from qidesk.services.coach_service import CoachService
from qidesk.services.cohort_service import CohortService
from qidesk.services.deleted_service import DeletedService
from qidesk.services.member_service import MemberService
from qidesk.services.reference_service import ReferenceService
from qidesk.services.team_service import TeamService
from qidesk.store.engine import Database

if TYPE_CHECKING:
    from qidesk.services.assessment_service import AssessmentService
    from qidesk.services.conflict_service import ConflictService
    from qidesk.services.export_service import ExportService
    from qidesk.services.history_service import HistoryService
    from qidesk.services.import_log_service import ImportLogService
    from qidesk.services.import_service import ImportService
    from qidesk.services.pdsa_service import PdsaService
    from qidesk.services.programme_service import ProgrammeService
    from qidesk.services.progress_service import ProgressService
    from qidesk.services.template_service import TemplateService


@dataclass
class Services:
    """The services of one open database.

    The fields are what the window's first paint needs (navigator, cohort page, status bar).
    Every other feature adds its service as a ``cached_property`` below that imports its module
    when first used, so start-up does not pay for features not yet opened (workbook readers,
    chart geometry, ...)::

        @cached_property
        def pdsa(self) -> PdsaService:
            from qidesk.services.pdsa_service import PdsaService

            return PdsaService(self.db.unit_of_work)

    (with the class imported under ``if TYPE_CHECKING:`` for the annotation).
    """

    db: Database
    reference: ReferenceService
    cohorts: CohortService
    teams: TeamService
    members: MemberService
    coaches: CoachService
    deleted: DeletedService
    activity: ActivityService

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
        )

    @cached_property
    def templates(self) -> TemplateService:
        from qidesk.services.template_service import TemplateService

        return TemplateService(self.db.unit_of_work)

    @cached_property
    def assessments(self) -> AssessmentService:
        from qidesk.services.assessment_service import AssessmentService

        return AssessmentService(self.db.unit_of_work)

    @cached_property
    def pdsa(self) -> PdsaService:
        from qidesk.services.pdsa_service import PdsaService

        return PdsaService(self.db.unit_of_work)

    @cached_property
    def progress(self) -> ProgressService:
        from qidesk.services.progress_service import ProgressService

        return ProgressService(self.db.unit_of_work)

    @cached_property
    def programme(self) -> ProgrammeService:
        from qidesk.services.programme_service import ProgrammeService

        return ProgrammeService(self.db.unit_of_work, self.assessments, self.pdsa, self.progress)

    @cached_property
    def conflicts(self) -> ConflictService:
        from qidesk.services.conflict_service import ConflictService

        return ConflictService(self.db.unit_of_work)

    @cached_property
    def import_log(self) -> ImportLogService:
        from qidesk.services.import_log_service import ImportLogService

        return ImportLogService(self.db.unit_of_work)

    @cached_property
    def workbook_export(self) -> ExportService:
        from qidesk.services.export_service import ExportService

        return ExportService(self.db.unit_of_work)

    @cached_property
    def workbook_import(self) -> ImportService:
        from qidesk.services.import_service import ImportService

        return ImportService(self.db.unit_of_work, self.db.path)

    @cached_property
    def history(self) -> HistoryService:
        from qidesk.services.history_service import HistoryService

        return HistoryService(self.db.unit_of_work)
