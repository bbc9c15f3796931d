"""Three installations edit, delete, resolve and exchange versions in random orders: they converge.

Exchanges carry what a full export carries (every record's shown version and the losing heads);
some also carry the whole history. After everyone has everything, the three databases show the
same winners and the same open conflicts, every version an installation received is in its
history, and once the history travels too the three histories are the same set, holding every
version any of them ever made.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from qidesk.core.ids import natural_uuid
from qidesk.services.base import tombstone
from qidesk.store.base import SyncMixin
from qidesk.store.engine import Database
from qidesk.store.models import Coach, Cohort, Member, Team
from qidesk.sync.merge import conflict_heads, open_conflicts, resolve_conflict
from qidesk.sync.winner import winner_key
from test_merge_support import export, fresh_database, merge, state

INSTALLATIONS = ("inst-a", "inst-b", "inst-c")
MODELS: tuple[type[SyncMixin], ...] = (Cohort, Coach, Team, Member)
NAMES = st.sampled_from(["Ash", "Birch", "Cedar", "Elm"])
WHO = st.integers(0, 2)
PICK = st.integers(0, 50)

OPS = st.one_of(
    st.tuples(st.just("create"), WHO, st.sampled_from([m.record_type for m in MODELS]), NAMES),
    st.tuples(st.just("edit"), WHO, PICK, NAMES),
    st.tuples(st.just("edit"), WHO, PICK, NAMES),
    st.tuples(st.just("create_shared"), WHO, NAMES),
    st.tuples(st.just("delete"), WHO, PICK),
    st.tuples(st.just("restore"), WHO, PICK),
    st.tuples(st.just("resolve"), WHO, PICK, st.integers(0, 3)),
    st.tuples(st.just("sync"), WHO, WHO, st.booleans()),
    st.tuples(st.just("sync"), WHO, WHO, st.just(False)),
)


def _records(session: Any) -> list[SyncMixin]:
    records: list[SyncMixin] = []
    for model in MODELS:
        records.extend(session.scalars(select(model).order_by(model.uuid)))
    return records


def _first_live(session: Any, model: type[SyncMixin]) -> Any:
    return session.scalars(
        select(model).where(model.deleted_at.is_(None)).order_by(model.uuid).limit(1)
    ).first()


def _create(session: Any, kind: str, name: str) -> None:
    if kind == "Coach":
        session.add(Coach(name=name))
        return
    cohort = _first_live(session, Cohort)
    if cohort is None or kind == "Cohort":
        session.add(Cohort(name=name))
        return
    team = _first_live(session, Team)
    if team is None or kind == "Team":
        session.add(Team(name=name, cohort_uuid=cohort.uuid))
        return
    session.add(Member(name=name, team_uuid=team.uuid))


def _apply(dbs: list[Database], op: tuple[Any, ...], exported: set[Any]) -> None:
    kind, who = op[0], op[1]
    db = dbs[who]
    if kind == "sync":
        if op[2] != who:
            versions = export(dbs[who], with_history=op[3])
            exported.update((op[2], v.record_type, v.uuid, v.vv, _values(v)) for v in versions)
            merge(dbs[op[2]], versions)
        return
    with db.unit_of_work() as session:
        if kind == "create":
            _create(session, op[2], op[3])
            return
        if kind == "create_shared":
            # A natural-key record: several installations may make it, alike.
            uuid = natural_uuid("convergence-test-cohort", op[2])
            if session.get(Cohort, uuid) is None:
                session.add(Cohort(uuid=uuid, name=op[2]))
            return
        if kind == "resolve":
            conflicts = open_conflicts(session)
            if conflicts:
                record_type, uuid = conflicts[op[2] % len(conflicts)]
                heads = conflict_heads(session, record_type, uuid)
                resolve_conflict(session, record_type, uuid, heads[op[3] % len(heads)].key)
            return
        records = _records(session)
        if not records:
            return
        record = records[op[2] % len(records)]
        if kind == "edit" and record.deleted_at is None:
            record.name = op[3]  # type: ignore[attr-defined]
        elif kind == "delete":
            tombstone(record)
        elif kind == "restore" and record.deleted_at is not None:
            record.deleted_at = None


def _values(version: Any) -> Any:
    values = tuple(sorted((k, repr(v)) for k, v in version.values.items()))
    return (values, version.deleted_at is not None)


def _exchange_everything(dbs: list[Database], exported: set[Any], with_history: bool) -> None:
    for _ in range(2):
        for source in range(3):
            for target in range(3):
                if source != target:
                    _apply(dbs, ("sync", source, target, with_history), exported)


def _check_heads_invariants(db: Database) -> None:
    with db.unit_of_work() as session:
        for record_type, uuid in open_conflicts(session):
            heads = conflict_heads(session, record_type, uuid)
            assert len(heads) >= 2
            for head in heads:
                assert not any(o.vector.descends_from(head.vector) for o in heads)
            assert heads[0] == max(heads, key=winner_key)


@settings(
    max_examples=int(os.environ.get("QIDESK_CONVERGENCE_EXAMPLES", "25")),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(OPS, min_size=4, max_size=28))
def test_three_installations_converge_and_lose_nothing(ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        dbs = [fresh_database(Path(folder), name, name) for name in INSTALLATIONS]
        try:
            exported: set[Any] = set()
            # A shared start, so the random edits often meet on the same records.
            for kind in ("Cohort", "Team", "Member"):
                _apply(dbs, ("create", 0, kind, "Oak"), exported)
            _apply(dbs, ("create", 1, "Coach", "Oak"), exported)
            _exchange_everything(dbs, exported, with_history=False)
            for op in ops:
                _apply(dbs, op, exported)
            _exchange_everything(dbs, exported, with_history=False)
            states = [state(db) for db in dbs]
            assert states[0].shown() == states[1].shown() == states[2].shown()
            event(f"open conflicts after exchange: {min(len(states[0].conflicts), 3)}")
            for index, (db, db_state) in enumerate(zip(dbs, states, strict=True)):
                _check_heads_invariants(db)
                received = {tuple(v) for target, *v in exported if target == index}
                assert received <= {tuple(v) for v in db_state.history}
            # Nothing more to do: another exchange changes nothing anywhere.
            for source in range(3):
                for target in range(3):
                    assert not merge(dbs[target], export(dbs[source])).has_changes
            # Once the history travels too, every history holds every version ever made.
            _exchange_everything(dbs, exported, with_history=True)
            final = [state(db) for db in dbs]
            assert final[0] == final[1] == final[2]
            assert final[0].shown() == states[0].shown()
            assert states[0].history | states[1].history | states[2].history <= final[0].history
        finally:
            for db in dbs:
                db.close()
