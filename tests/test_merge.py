"""The merge rules, one by one: idempotent, order-independent, no lost update, tombstones hold."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from qidesk.core.version_vector import VersionVector
from qidesk.services.base import tombstone
from qidesk.store.base import SyncMixin
from qidesk.store.engine import Database
from qidesk.store.models import Coach, Cohort, Member, RecordVersion, Team
from qidesk.store.models.sync import ConflictHead, ImportLog
from qidesk.sync.merge import (
    MergeError,
    apply_plan,
    conflict_heads,
    losing_heads,
    model_for,
    open_conflicts,
    plan_merge,
    resolve_conflict,
)
from qidesk.sync.versions import CellRef
from test_merge_support import export, fresh_database, merge, merge_and_log, state


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    a = fresh_database(tmp_path, "a", "aaaa")
    b = fresh_database(tmp_path, "b", "bbbb")
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def add(db: Database, obj: SyncMixin) -> str:
    with db.unit_of_work() as session:
        session.add(obj)
        session.flush()
        return obj.uuid


def edit(db: Database, model: type[SyncMixin], uuid: str, **changes: Any) -> None:
    with db.unit_of_work() as session:
        obj = session.get(model, uuid)
        assert obj is not None
        for key, value in changes.items():
            setattr(obj, key, value)


def delete(db: Database, model: type[SyncMixin], uuid: str) -> None:
    with db.unit_of_work() as session:
        obj = session.get(model, uuid)
        assert obj is not None
        tombstone(obj)


def row(db: Database, model: type[SyncMixin], uuid: str) -> Any:
    with db.unit_of_work() as session:
        obj = session.get(model, uuid)
        assert obj is not None
        session.expunge(obj)
        return obj


def count(db: Database, model: type[Any]) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def team_tree(db: Database) -> tuple[str, str, str]:
    cohort = add(db, Cohort(name="Cohort 8"))
    team = add(db, Team(name="ED Carmarthen", cohort_uuid=cohort))
    member = add(db, Member(name="Rhian Evans", team_uuid=team))
    return cohort, team, member


def test_first_merge_creates_everything_parents_before_children(pair) -> None:
    a, b = pair
    _, team, member = team_tree(a)
    versions = export(a)
    random.Random(3).shuffle(versions)  # children before parents, say
    plan = merge(b, versions)
    assert plan.totals.created == 3
    assert {t: c.created for t, c in plan.by_type.items()} == {
        "Cohort": 1,
        "Team": 1,
        "Member": 1,
    }
    assert row(b, Member, member).team_uuid == team
    assert row(b, Team, team).vv == row(a, Team, team).vv
    assert state(a).winners == state(b).winners


def test_reimport_changes_nothing_and_writes_nothing(pair) -> None:
    a, b = pair
    team_tree(a)
    merge(b, export(a))
    before = b.path.read_bytes()
    history = count(b, RecordVersion)
    plan = merge(b, export(a))
    assert plan.totals.unchanged == 3
    assert not plan.has_changes
    assert count(b, RecordVersion) == history
    assert b.path.read_bytes() == before


def test_plan_writes_nothing(pair) -> None:
    a, b = pair
    team_tree(a)
    with b.unit_of_work() as session:
        plan = plan_merge(session, export(a))
    assert plan.totals.created == 3
    assert count(b, Team) == 0
    assert count(b, RecordVersion) == 0


def test_order_of_versions_does_not_matter(pair, tmp_path: Path) -> None:
    a, b = pair
    _, team, _ = team_tree(a)
    merge(b, export(a))
    edit(a, Team, team, name="ED Carmarthen (A)")
    edit(b, Team, team, name="ED Carmarthen (B)")
    edit(b, Team, team, site="Glangwili")
    versions = export(a) + export(b)
    results = []
    for seed in range(4):
        c = fresh_database(tmp_path, f"c{seed}", "cccc")
        shuffled = list(versions)
        random.Random(seed).shuffle(shuffled)
        plan = merge(c, shuffled)
        results.append(
            (plan.summary(), [(x.uuid, x.action, x.winner.key) for x in plan.actions], state(c))
        )
        c.close()
    assert all(r == results[0] for r in results)


def test_concurrent_edits_are_a_conflict_with_the_same_winner_everywhere(pair) -> None:
    a, b = pair
    _, team, _ = team_tree(a)
    merge(b, export(a))
    edit(a, Team, team, name="Name from A")
    edit(b, Team, team, name="Name from B")  # later: the winner
    plan_a = merge(a, export(b))
    plan_b = merge(b, export(a))
    assert plan_a.by_type["Team"].conflicts == 1
    assert plan_b.by_type["Team"].conflicts == 1
    assert row(a, Team, team).name == row(b, Team, team).name == "Name from B"
    with a.unit_of_work() as session:
        heads = conflict_heads(session, "Team", team)
        assert [h.canon["name"] for h in heads] == ["Name from B", "Name from A"]
        assert [v.values["name"] for v in losing_heads(session)] == ["Name from A"]
        assert losing_heads(session)[0].is_conflict_head
    assert state(a).shown() == state(b).shown()


def test_stale_version_changes_nothing_but_joins_the_history(pair, tmp_path: Path) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="v1"))
    old = export(a)
    edit(a, Cohort, cohort, name="v2")
    merge(b, export(a))  # b has v2 only
    assert count(b, RecordVersion) == 1
    plan = merge(b, old)
    assert plan.by_type["Cohort"].unchanged == 1
    assert row(b, Cohort, cohort).name == "v2"
    assert count(b, RecordVersion) == 2  # v1 is now in b's history too
    assert not merge(b, old).has_changes


def test_several_versions_of_one_record_in_one_batch(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="v1"))
    first = export(a)
    edit(a, Cohort, cohort, name="v2")
    plan = merge(b, export(a) + first + export(a))
    assert plan.totals.created == 1
    assert row(b, Cohort, cohort).name == "v2"
    assert count(b, RecordVersion) == 2


def test_tombstone_is_never_resurrected_by_an_older_version(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="Cohort 8"))
    merge(b, export(a))
    old = export(a)
    delete(a, Cohort, cohort)
    plan = merge(b, export(a))
    assert plan.by_type["Cohort"].deleted == 1
    assert row(b, Cohort, cohort).deleted_at is not None
    plan = merge(b, old)
    assert plan.totals.unchanged == 1
    assert row(b, Cohort, cohort).deleted_at is not None
    merge(a, old)
    assert row(a, Cohort, cohort).deleted_at is not None


def test_deletion_against_a_concurrent_edit_is_a_conflict(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="Cohort 8"))
    merge(b, export(a))
    delete(a, Cohort, cohort)
    edit(b, Cohort, cohort, notes="kept going")  # later: the winner
    plan = merge(a, export(b))
    merge(b, export(a))
    assert plan.by_type["Cohort"].conflicts == 1
    for db in (a, b):
        shown = row(db, Cohort, cohort)
        assert shown.deleted_at is None and shown.notes == "kept going"
        with db.unit_of_work() as session:
            assert [h.is_deleted for h in conflict_heads(session, "Cohort", cohort)] == [
                False,
                True,
            ]
    assert state(a).shown() == state(b).shown()


def test_deletion_made_later_wins_and_the_edit_is_kept(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="Cohort 8"))
    merge(b, export(a))
    edit(b, Cohort, cohort, notes="an edit")
    delete(a, Cohort, cohort)
    merge(a, export(b))
    merge(b, export(a))
    for db in (a, b):
        assert row(db, Cohort, cohort).deleted_at is not None
        with db.unit_of_work() as session:
            assert [v.values["notes"] for v in losing_heads(session)] == ["an edit"]


def test_equal_vectors_with_different_values_are_a_conflict(pair, tmp_path: Path) -> None:
    a, _ = pair
    cohort = add(a, Cohort(name="Cohort 8"))
    a.close()
    shutil.copyfile(a.path, tmp_path / "copy.sqlite")
    a1 = Database.open(a.path, installation_id="aaaa")
    a2 = Database.open(tmp_path / "copy.sqlite", installation_id="aaaa")
    try:
        edit(a1, Cohort, cohort, name="Edited in the original")
        edit(a2, Cohort, cohort, name="Edited in the copy")
        assert row(a1, Cohort, cohort).vv == row(a2, Cohort, cohort).vv
        plan = merge(a1, export(a2))
        merge(a2, export(a1))
        assert plan.totals.conflicts == 1
        assert state(a1).winners == state(a2).winners
        with a1.unit_of_work() as session:
            names = {h.canon["name"] for h in conflict_heads(session, "Cohort", cohort)}
        assert names == {"Edited in the original", "Edited in the copy"}
    finally:
        a1.close()
        a2.close()


def test_resolving_a_conflict_closes_it_everywhere(pair) -> None:
    a, b = pair
    _, team, _ = team_tree(a)
    merge(b, export(a))
    edit(a, Team, team, name="Name from A")
    edit(b, Team, team, name="Name from B")
    merge(a, export(b))
    merge(b, export(a))
    with a.unit_of_work() as session:
        heads = conflict_heads(session, "Team", team)
        loser = heads[1]
        new = resolve_conflict(session, "Team", team, loser.key)
    assert all(new.vector.descends_from(h.vector) for h in heads)
    assert new.vector.get("aaaa") == max(h.vector.get("aaaa") for h in heads) + 1
    assert row(a, Team, team).name == "Name from A"
    with a.unit_of_work() as session:
        assert open_conflicts(session) == []
    plan = merge(b, export(a))
    assert plan.by_type["Team"].updated == 1
    assert row(b, Team, team).name == "Name from A"
    assert state(a).shown() == state(b).shown()
    with b.unit_of_work() as session:
        assert open_conflicts(session) == []


def test_keeping_the_shown_version_also_closes_the_conflict(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="C"))
    merge(b, export(a))
    edit(a, Cohort, cohort, name="A")
    edit(b, Cohort, cohort, name="B")
    merge(a, export(b))
    with a.unit_of_work() as session:
        shown = conflict_heads(session, "Cohort", cohort)[0]
        resolve_conflict(session, "Cohort", cohort, shown.key)
    assert row(a, Cohort, cohort).name == "B"
    merge(b, export(a))
    assert state(a).shown() == state(b).shown()
    with b.unit_of_work() as session:
        assert open_conflicts(session) == []


def test_resolving_an_unknown_version_is_refused(pair) -> None:
    a, _ = pair
    cohort = add(a, Cohort(name="C"))
    with a.unit_of_work() as session, pytest.raises(KeyError):
        resolve_conflict(session, "Cohort", cohort, "nope|nope")


def test_local_edit_in_conflict_supersedes_only_the_heads_it_has_seen(pair, tmp_path) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="Original"))
    merge(b, export(a))
    c = fresh_database(tmp_path, "c", "cccc")
    merge(c, export(a))
    edit(a, Cohort, cohort, name="A1")
    edit(a, Cohort, cohort, name="A2")  # aaaa:3
    edit(b, Cohort, cohort, name="B")  # later than A2: wins at a
    edit(c, Cohort, cohort, name="From C")  # later still
    merge(a, export(b))
    assert row(a, Cohort, cohort).name == "B"
    with a.unit_of_work() as session:
        assert len(conflict_heads(session, "Cohort", cohort)) == 2
    # The user at a edits the shown version (B's): a counter is never reused...
    edit(a, Cohort, cohort, notes="edited while in conflict")
    shown = row(a, Cohort, cohort)
    vector = VersionVector.parse(shown.vv)
    assert vector.get("aaaa") == 4
    assert shown.rev == sum(vector.counters.values())
    with a.unit_of_work() as session:
        # ...and it descends from B's version and from a's own earlier edit: conflict closed.
        assert open_conflicts(session) == []
        history = session.scalars(
            select(RecordVersion).where(RecordVersion.record_uuid == cohort)
        ).all()
        assert history[-1].vv == shown.vv and history[-1].updated_at == shown.updated_at
    # c's concurrent edit it has not seen stays in conflict, and the local edit is shown.
    merge(a, export(c))
    edit(a, Cohort, cohort, notes="edited again")
    assert row(a, Cohort, cohort).notes == "edited again"
    with a.unit_of_work() as session:
        assert [h.canon["name"] for h in conflict_heads(session, "Cohort", cohort)] == [
            "B",
            "From C",
        ]
    for db in (b, c):
        merge(db, export(a))
        merge(db, export(b))
        merge(db, export(c))
    merge(a, export(b))
    merge(a, export(c))
    assert state(a).shown() == state(b).shown() == state(c).shown()
    c.close()


def test_local_edit_in_conflict_is_shown_even_when_another_head_is_newer(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="C"))
    merge(b, export(a))
    edit(a, Cohort, cohort, name="A")
    versions = export(a)
    with b.unit_of_work() as session:  # b's version carries a clock far ahead
        obj = session.get(Cohort, cohort)
        obj.name = "B"
    future = [
        replace(v, updated_at=v.updated_at + timedelta(days=30), updated_by="bbbb")
        for v in export(b)
    ]
    merge(a, future)
    assert row(a, Cohort, cohort).name == "B"
    edit(a, Cohort, cohort, name="A again")
    shown = row(a, Cohort, cohort)
    assert shown.name == "A again"
    assert shown.updated_at > future[0].updated_at
    assert versions  # the first export is not needed further


def test_dangling_reference_is_a_problem_and_nothing_is_written(pair) -> None:
    a, b = pair
    _, team, _ = team_tree(a)
    versions = [v for v in export(a) if v.record_type != "Cohort"]
    with b.unit_of_work() as session:
        plan = plan_merge(session, versions)
        assert len(plan.problems) == 1
        problem = plan.problems[0]
        assert "cohort_uuid" in problem.message and team in problem.message
        assert problem.source.column == "cohort_uuid"
        with pytest.raises(MergeError):
            apply_plan(session, plan, import_id="x")
    assert count(b, Team) == 0


def test_reference_to_a_record_already_here_resolves(pair) -> None:
    a, b = pair
    cohort, team, _ = team_tree(a)
    merge(b, export(a))
    edit(a, Team, team, name="Renamed")
    team_only = [v for v in export(a) if v.record_type == "Team"]
    plan = merge(b, team_only)
    assert plan.by_type["Team"].updated == 1
    assert row(b, Team, team).cohort_uuid == cohort


def test_bad_input_is_reported_with_its_location(pair) -> None:
    a, b = pair
    add(a, Cohort(name="C"))
    good = export(a)[0]
    where = CellRef("x.xlsx", "Cohorts", 2)
    bad = [
        replace(good, record_type="Nonsense", source=where),
        replace(good, values={"name": "only a name"}, source=where),
        replace(good, vv="aaaa:zero", source=where),
        replace(good, vv="", source=where),
    ]
    with b.unit_of_work() as session:
        plan = plan_merge(session, bad)
    assert len(plan.problems) == 4
    assert all(p.source == where for p in plan.problems)
    assert any("unknown record type" in p.message for p in plan.problems)
    assert any("missing" in p.message for p in plan.problems)


def test_history_records_each_received_version_once_with_the_import_id(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="C"))
    merge(b, export(a), import_id="import-1")
    merge(b, export(a), import_id="import-2")
    with b.unit_of_work() as session:
        rows = session.scalars(select(RecordVersion)).all()
    assert [(r.record_uuid, r.origin) for r in rows] == [(cohort, "import-1")]
    assert rows[0].rev == 1


def test_local_history_holds_default_values(pair) -> None:
    a, _ = pair
    coach = add(a, Coach(name="Dr Jones"))
    with a.unit_of_work() as session:
        data = json.loads(session.scalars(select(RecordVersion.data)).one())
        assert data["role"] == "coach" and data["active"] is True
        assert session.get(Coach, coach).role == "coach"


def test_same_version_with_different_metadata_converges(pair, tmp_path: Path) -> None:
    a, b = pair
    add(a, Cohort(name="C"))
    original = export(a)
    lossy = [replace(v, updated_at=v.updated_at.replace(microsecond=0)) for v in original]
    merge(b, lossy)
    c = fresh_database(tmp_path, "c", "cccc")
    merge(c, original)
    merge(b, original)
    merge(c, lossy)
    assert state(b).shown() == state(c).shown()
    assert export(b)[0].updated_at == export(c)[0].updated_at == original[0].updated_at
    assert not merge(b, lossy).has_changes
    c.close()


def test_rev_is_the_sum_of_the_vector(pair) -> None:
    a, b = pair
    cohort = add(a, Cohort(name="C"))
    merge(b, export(a))
    edit(b, Cohort, cohort, name="B")
    edit(a, Cohort, cohort, name="A")
    edit(a, Cohort, cohort, name="A2")
    merge(b, export(a))
    for db in (a, b):
        shown = row(db, Cohort, cohort)
        assert shown.rev == sum(VersionVector.parse(shown.vv).counters.values())
    with b.unit_of_work() as session:
        for head in session.scalars(select(ConflictHead)):
            assert head.rev == sum(VersionVector.parse(head.vv).counters.values())


def test_log_import_records_the_file(pair) -> None:
    a, b = pair
    team_tree(a)
    merge_and_log(a, b, file_name="coach.xlsx")
    with b.unit_of_work() as session:
        entry = session.scalars(select(ImportLog)).one()
        assert (entry.export_id, entry.file_name) == ("exp-1", "coach.xlsx")
        assert entry.import_id == "imp-1"
        assert json.loads(entry.summary)["created"] == 3
        assert json.loads(entry.summary)["by_type"]["Team"]["created"] == 1


def test_model_for_finds_every_travelling_model() -> None:
    assert model_for("Team") is Team
    assert model_for("Member") is Member
    with pytest.raises(KeyError):
        model_for("Nonsense")


def test_empty_text_and_null_are_the_same_value(pair) -> None:
    """A spreadsheet cell cannot tell "" from NULL, so re-importing must not see a change."""
    a, b = pair
    _, team, _ = team_tree(a)
    versions = export(a)
    blanked = [
        replace(v, values={**v.values, "coach_uuid": ""}) if v.record_type == "Team" else v
        for v in versions
    ]
    with a.unit_of_work() as session:
        plan = plan_merge(session, blanked)
    assert not plan.problems
    assert not plan.has_changes
    merge(b, blanked)
    assert row(b, Team, team).coach_uuid is None


def test_same_record_made_alike_on_two_installations_is_not_a_conflict(pair) -> None:
    """A natural-key record (uuid5) created with the same values in two places is one version:
    the join of both, with the pointwise maximum vector, the same everywhere."""
    from qidesk.core.ids import natural_uuid

    a, b = pair
    uuid = natural_uuid("test-cohort", "2026")
    add(a, Cohort(uuid=uuid, name="Cohort 2026"))
    add(b, Cohort(uuid=uuid, name="Cohort 2026"))
    plan = merge(a, export(b))
    merge(b, export(a))
    assert plan.totals.conflicts == 0 and plan.totals.updated == 1
    assert row(a, Cohort, uuid).vv == row(b, Cohort, uuid).vv == "aaaa:1;bbbb:1"
    assert state(a).shown() == state(b).shown()
    assert len(state(a).history) == 3  # a's version, b's version and their join
    with a.unit_of_work() as session:
        assert open_conflicts(session) == []
    assert not merge(a, export(b)).has_changes
    # Made alike but edited differently afterwards: an ordinary conflict.
    edit(a, Cohort, uuid, notes="from a")
    edit(b, Cohort, uuid, notes="from b")
    assert merge(a, export(b)).totals.conflicts == 1


def test_same_values_but_one_deleted_stay_a_conflict(pair) -> None:
    from qidesk.core.ids import natural_uuid

    a, b = pair
    uuid = natural_uuid("test-cohort", "2027")
    add(a, Cohort(uuid=uuid, name="Cohort 2027"))
    add(b, Cohort(uuid=uuid, name="Cohort 2027"))
    delete(b, Cohort, uuid)
    assert merge(a, export(b)).totals.conflicts == 1
