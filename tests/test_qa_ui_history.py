"""QA of History on demo data: the first version of a team or member names what it belongs to."""

from __future__ import annotations

from qidesk.services.registry import Services
from qidesk.store.engine import Database


def first_fields(services: Services, record_type: str, uuid: str) -> dict[str, str]:
    history = services.history.history(record_type, uuid)
    first = history.versions[-1]  # newest first
    return {f.key: f.value for f in first.fields}


def test_demo_records_history_names_their_team_cohort_and_coach(demo_db: Database) -> None:
    """History of a demo member showed "Team: —" and of a demo team "Cohort: —", "Coach: —"
    (the demo made them through relationships, and the first version was written before the
    references were filled in); restoring that version was refused as referring to a record
    this database does not have."""
    services = Services.create(demo_db)
    team = services.teams.navigator()[0].teams[0]
    detail = services.teams.get(team.uuid)
    fields = first_fields(services, "Team", team.uuid)
    assert fields["cohort_uuid"] == detail.cohort_name
    assert fields["coach_uuid"] == detail.coach_name
    member = services.members.list_for_team(team.uuid)[0]
    assert first_fields(services, "Member", member.uuid)["team_uuid"] == team.name

    services.members.update(member.uuid, role="Ward sister")
    first = services.history.history("Member", member.uuid).versions[-1]
    services.history.restore("Member", member.uuid, first.id)
    assert services.members.list_for_team(team.uuid)[0].role == member.role


def test_a_deleted_progress_score_is_named_in_words(demo_db: Database) -> None:
    """Recently deleted listed a deleted score as "ProgressScore d6e69a80", and its History
    was titled "2026-08-01"."""
    services = Services.create(demo_db)
    team = services.teams.navigator()[0].teams[0]
    score = next(s for s in services.progress.team_scores(team.uuid) if s.rater == "coach")
    services.progress.delete_score(score.uuid)
    (deleted,) = services.deleted.list_deleted()
    month = f"{score.month:%b %Y}"
    assert deleted.title == f"Coach's score for {month}"
    assert deleted.context.endswith(team.name)
    assert services.history.history("ProgressScore", score.uuid).title == deleted.title
