"""A lead's Conflicts page: hundreds of records in conflict are read in bulk, described alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from qidesk.services.conflict_service import ConflictService
from qidesk.store.engine import Database
from qidesk.store.models import Member, PdsaCycle, Team
from qidesk.store.models.assessment import AssessmentResponse
from test_merge_support import export, fresh_database, merge


def _edit_on_both(a: Database, b: Database, offset: int, n: int) -> None:
    """Edit ``n`` teams, members, PDSA cycles and self-assessment answers (from ``offset``)
    differently on both installations."""
    for db, tag in ((a, "A"), (b, "B")):
        with db.unit_of_work() as session:
            for model, attr in (
                (Team, "project_title"),
                (Member, "role"),
                (PdsaCycle, "study_learning"),
                (AssessmentResponse, "comment"),
            ):
                key: Any = model.uuid
                for record in session.scalars(select(model).order_by(key).offset(offset).limit(n)):
                    setattr(record, attr, f"{tag} {attr} {offset}")


def _statements(db: Database, action: Any) -> tuple[Any, int]:
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        return action(), len(counted)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_conflicts_are_listed_in_a_few_queries_whatever_their_number(
    demo_db: Database, tmp_path: Path
) -> None:
    """Listing read each record's versions, then each name a value refers to, one query at
    a time: with 620 records in conflict (a lead merging coaches' workbooks) the Conflicts page
    took over half a second to open, and longer with self-assessment answers in conflict."""
    a = demo_db
    b = fresh_database(tmp_path, "b", "bbbb2222")
    try:
        merge(b, export(a))
        _edit_on_both(a, b, 0, 3)
        merge(a, export(b))
        service = ConflictService(a.unit_of_work)
        few, queries_for_few = _statements(a, service.list_conflicts)
        assert len(few) == 12

        _edit_on_both(a, b, 3, 12)
        merge(a, export(b))
        many, queries_for_many = _statements(a, service.list_conflicts)
    finally:
        b.close()
    assert len(many) == 60
    assert queries_for_many <= queries_for_few < 40
    # Each reads as it does alone (its page, after Keep, reads one conflict).
    assert many == [service.get(c.record_type, c.uuid) for c in many]
    answers = [c for c in many if c.record_type == "AssessmentResponse"]
    assert len(answers) == 15
    # "Item wording · member · team · stage", not codes or uuids.
    assert all(c.title.count(" · ") == 3 for c in answers), answers[0].title
    members = [c for c in many if c.record_type == "Member"]
    team_names = {f.values[0] for c in members for f in c.fields if f.key == "team_uuid"}
    with a.unit_of_work() as session:
        assert team_names <= set(session.scalars(select(Team.name)))
