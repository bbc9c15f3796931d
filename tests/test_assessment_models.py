"""The assessment tables: migration matches the models, records get sync fields, ids are natural."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from qidesk.store.base import Base
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Team
from qidesk.store.models.assessment import (
    Assessment,
    AssessmentResponse,
    AssessmentTemplate,
    TemplateItem,
    assessment_uuid,
    response_uuid,
    template_uuid,
)


def test_migration_matches_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_records_get_sync_fields_and_natural_ids(db: Database) -> None:
    with db.unit_of_work() as session:
        cohort = Cohort(name="C")
        team = Team(cohort=cohort, name="T")
        session.add_all([cohort, team])
        session.flush()
        t_uuid = template_uuid("x", 1)
        session.add(AssessmentTemplate(uuid=t_uuid, code="x", version=1, title="X"))
        session.add(TemplateItem(template_uuid=t_uuid, code="a", title="A"))
        a_uuid = assessment_uuid(team.uuid, "start")
        session.add(
            Assessment(uuid=a_uuid, team_uuid=team.uuid, stage="start", template_uuid=t_uuid)
        )
        session.add(
            AssessmentResponse(
                uuid=response_uuid(a_uuid, "m1", "a"),
                assessment_uuid=a_uuid,
                respondent="m1",
                item_code="a",
                score=None,
            )
        )
    with db.unit_of_work() as session:
        response = session.get(AssessmentResponse, response_uuid(a_uuid, "m1", "a"))
        assert response is not None
        assert response.rev == 1 and response.vv and response.score is None
    assert assessment_uuid("t", "start") == assessment_uuid("t", "start")
    assert assessment_uuid("t", "start") != assessment_uuid("t", "mid")
