"""Helpers the merge tests share: simulated installations exchanging versions, and their state."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

from qidesk.store.base import APPLYING_RECEIVED_VERSIONS
from qidesk.store.engine import Database
from qidesk.sync.merge import (
    MergePlan,
    apply_plan,
    history_versions,
    log_import,
    losing_heads,
    plan_merge,
    winning_versions,
)
from qidesk.sync.versions import IncomingVersion

_TEMPLATES: dict[str, Path] = {}


def fresh_database(folder: Path, name: str, installation_id: str) -> Database:
    """A migrated database with ``installation_id`` (copied from a migrated template: fast)."""
    template = _TEMPLATES.get("empty")
    if template is None or not template.exists():
        template = Path(tempfile.mkdtemp(prefix="qidesk-template-")) / "empty.sqlite"
        Database.open(template, installation_id="template").close()
        _TEMPLATES["empty"] = template
    target = folder / f"{name}.sqlite"
    shutil.copyfile(template, target)
    db = Database.open(target, installation_id=installation_id)
    # Simulated installations need no durability: skip the fsyncs (semantics are unchanged).
    event.listen(db.engine, "connect", _no_fsync)
    db.engine.dispose()
    return db


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def export(db: Database, *, with_history: bool = False) -> list[IncomingVersion]:
    """What a full export carries: every record's shown version and the losing heads
    (and, if asked, every version of the history)."""
    with db.unit_of_work() as session:
        versions = winning_versions(session) + losing_heads(session)
        if with_history:
            versions += history_versions(session)
        return versions


def merge(db: Database, versions: list[IncomingVersion], import_id: str | None = None) -> MergePlan:
    """Plan and apply ``versions`` in one unit of work, as the import service does."""
    with db.unit_of_work() as session:
        plan = plan_merge(session, versions)
        session.info[APPLYING_RECEIVED_VERSIONS] = True
        apply_plan(session, plan, import_id=import_id or f"import-{uuid.uuid4()}")
        return plan


def merge_and_log(
    source: Database,
    target: Database,
    *,
    file_name: str,
    file_hash: str = "abc",
    summary_of: Callable[[MergePlan], dict[str, Any]] = MergePlan.summary,
) -> MergePlan:
    """Merge ``source``'s export into ``target`` as import ``imp-1`` and log it in the import
    log as the file ``file_name`` of export ``exp-1``, in one unit of work."""
    with target.unit_of_work() as session:
        plan = plan_merge(session, export(source))
        apply_plan(session, plan, import_id="imp-1")
        log_import(
            session,
            export_id="exp-1",
            file_name=file_name,
            file_hash=file_hash,
            summary=summary_of(plan),
            import_id="imp-1",
        )
        return plan


@dataclass(frozen=True)
class State:
    """What must converge: shown versions, open conflicts and the history's versions."""

    winners: dict[tuple[str, str], tuple[str, Any]]
    conflicts: dict[tuple[str, str], frozenset[tuple[str, Any]]]
    history: frozenset[tuple[str, str, str, Any]]

    def shown(self) -> tuple[Any, Any]:
        """Winners and open conflicts (the history converges only where history travels)."""
        return (self.winners, self.conflicts)


def _identity(version: IncomingVersion) -> tuple[str, Any]:
    values = tuple(sorted((k, repr(v)) for k, v in version.values.items()))
    return (version.vv, (values, version.deleted_at is not None))


def state(db: Database) -> State:
    with db.unit_of_work() as session:
        winners = {(v.record_type, v.uuid): _identity(v) for v in winning_versions(session)}
        conflicts: dict[tuple[str, str], set[tuple[str, Any]]] = {}
        for v in losing_heads(session):
            conflicts.setdefault((v.record_type, v.uuid), set()).add(_identity(v))
        history = frozenset(
            (v.record_type, v.uuid, *_identity(v)) for v in history_versions(session)
        )
    return State(winners, {k: frozenset(v) for k, v in conflicts.items()}, history)


def test_fresh_databases_have_their_own_installation_ids(tmp_path: Path) -> None:
    a = fresh_database(tmp_path, "a", "inst-a")
    b = fresh_database(tmp_path, "b", "inst-b")
    try:
        assert (a.installation_id, b.installation_id) == ("inst-a", "inst-b")
        assert a.path != b.path
        assert export(a) == []
    finally:
        a.close()
        b.close()
