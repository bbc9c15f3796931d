"""The Conflicts and Import log services: what a user sees of conflicts and imports, and picking."""

from __future__ import annotations

import pytest

from qidesk.services.base import ServiceError
from qidesk.services.conflict_service import ConflictService, field_label
from qidesk.services.import_log_service import ImportLogService
from qidesk.store.engine import Database
from qidesk.store.models import Coach, Cohort, Team
from qidesk.sync.merge import apply_plan, log_import, plan_merge
from test_merge import add, delete, edit, row, team_tree
from test_merge_support import export, fresh_database, merge, state


def team_conflict(a: Database, b: Database, *, site: str = "Glangwili") -> str:
    """A team edited on both installations since they shared it; ``a`` then receives ``b``'s."""
    _, team, _ = team_tree(a)
    coach = add(a, Coach(name="Dr Siân Morgan"))
    merge(b, export(a))
    edit(a, Team, team, name="ED Carmarthen (A)", site=site)
    edit(b, Team, team, name="ED Carmarthen (B)", coach_uuid=coach)
    merge(a, export(b))
    return team


def test_conflicts_are_listed_with_both_versions_side_by_side(pair) -> None:
    a, b = pair
    team = team_conflict(a, b)
    service = ConflictService(a.unit_of_work)
    assert service.count() == 1
    (conflict,) = service.list_conflicts()
    assert (conflict.record_type, conflict.uuid) == ("Team", team)
    assert conflict.title == "ED Carmarthen (B)"
    assert [v.shown for v in conflict.versions] == [True, False]
    assert [v.made_where for v in conflict.versions] == [
        "another installation (bbbb2222)",
        "this computer",
    ]
    by_key = {f.key: f for f in conflict.fields}
    assert by_key["name"].values == ("ED Carmarthen (B)", "ED Carmarthen (A)")
    assert by_key["coach_uuid"].values == ("Dr Siân Morgan", "—")
    assert by_key["site"].values == ("—", "Glangwili")
    assert set(conflict.differing) == {"Name", "Coach", "Site"}
    assert not by_key["service"].differs
    assert "changed in 2 places" in conflict.summary
    assert "(name, site, coach differ)" in conflict.summary


def test_keeping_a_version_resolves_the_conflict_everywhere(pair) -> None:
    a, b = pair
    team = team_conflict(a, b)
    service = ConflictService(a.unit_of_work)
    (conflict,) = service.list_conflicts()
    other = conflict.versions[1]
    service.keep_version("Team", team, other.key)
    assert service.count() == 0
    assert service.list_conflicts() == []
    assert row(a, Team, team).name == "ED Carmarthen (A)"
    merge(b, export(a))
    assert ConflictService(b.unit_of_work).count() == 0
    assert state(a).shown() == state(b).shown()
    with pytest.raises(ServiceError):
        service.keep_version("Team", team, other.key)


def test_keeping_a_version_that_an_import_replaced_is_refused(pair, tmp_path) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="C"))
    merge(b, export(a))
    c = fresh_database(tmp_path, "c", "cccc3333")
    merge(c, export(a))
    edit(a, Cohort, cohort, name="A")
    edit(b, Cohort, cohort, name="B")
    edit(c, Cohort, cohort, name="C2")
    merge(a, export(b))
    service = ConflictService(a.unit_of_work)
    (conflict,) = service.list_conflicts()
    merge(a, export(c))
    shown = ConflictService(a.unit_of_work).get("Cohort", cohort)
    assert shown is not None and len(shown.versions) == 3
    assert "others are kept" in shown.summary
    stale = "nope|nope"
    with pytest.raises(ServiceError, match="no longer one of"):
        service.keep_version("Cohort", cohort, stale)
    assert conflict.versions[0].key in {v.key for v in shown.versions}
    c.close()


def test_deletion_against_an_edit_is_explained(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="Cohort 8"))
    merge(b, export(a))
    delete(a, Cohort, cohort)
    edit(b, Cohort, cohort, notes="still running")
    merge(a, export(b))
    (conflict,) = ConflictService(a.unit_of_work).list_conflicts()
    assert "deleted in one place and changed in another" in conflict.summary
    deleted = next(f for f in conflict.fields if f.key == "deleted")
    assert deleted.differs
    assert deleted.values[0] == "No" and deleted.values[1].startswith("Yes (")
    # Keeping the deletion deletes the record, and the conflict is gone.
    ConflictService(a.unit_of_work).keep_version("Cohort", cohort, conflict.versions[1].key)
    assert row(a, Cohort, cohort).deleted_at is not None


def test_field_labels() -> None:
    assert field_label("coach_uuid") == "Coach"
    assert field_label("project_title") == "Project title"


def test_import_log_lists_imports_newest_first_with_counts(pair) -> None:
    a, b = pair
    team_tree(a)
    for name, import_id in (("first.xlsx", "imp-1"), ("again.xlsx", "imp-2")):
        with b.unit_of_work() as session:
            plan = plan_merge(session, export(a))
            apply_plan(session, plan, import_id=import_id)
            log_import(
                session,
                export_id="exp-1",
                file_name=name,
                file_hash="f" * 64,
                summary={"merge": plan.summary(), "kind": "full", "files_in_merge": 1},
                import_id=import_id,
            )
    service = ImportLogService(b.unit_of_work)
    entries = service.list_imports()
    assert [e.file_name for e in entries] == ["again.xlsx", "first.xlsx"]
    again, first = entries
    assert first.totals["created"] == 3 and first.changed_anything
    assert first.by_type["Team"]["created"] == 1
    assert first.summary_text == "3 created"
    assert first.versions_received == 3
    assert again.summary_text == "3 unchanged" and not again.changed_anything
    assert again.versions_received == 0
    received = service.versions_received("imp-1")
    assert sorted(v.record_type for v in received) == ["Cohort", "Member", "Team"]
    assert {v.title for v in received} == {"Cohort 8", "ED Carmarthen", "Rhian Evans"}
    assert service.versions_received("imp-2") == []


def test_import_log_reads_a_flat_summary_too(pair) -> None:
    _, b = pair
    with b.unit_of_work() as session:
        log_import(
            session,
            export_id="e",
            file_name="x.xlsx",
            file_hash="h",
            summary={"created": 2, "conflicts": 1, "by_type": {"Team": {"created": 2}}},
        )
    (entry,) = ImportLogService(b.unit_of_work).list_imports()
    assert entry.summary_text == "2 created, 1 conflict"
    assert entry.by_type == {"Team": {"created": 2}}


def test_keeping_a_version_whose_reference_is_missing_is_refused(pair) -> None:
    """Defence in depth: an import validates references, but a stored head could still point
    at a record that is not here; keeping it says so and changes nothing."""
    from sqlalchemy import update

    from qidesk.store.models.sync import ConflictHead

    a, b = pair
    team = team_conflict(a, b)
    with a.unit_of_work() as session:
        head = session.query(ConflictHead).one()
        data = head.data.replace(head.data.split('"cohort_uuid": "')[1][:36], "0" * 36)
        session.execute(update(ConflictHead).values(data=data))
    service = ConflictService(a.unit_of_work)
    (conflict,) = service.list_conflicts()
    with pytest.raises(ServiceError, match="refers to a record"):
        service.keep_version("Team", team, conflict.versions[1].key)
    assert service.count() == 1
