"""The store: sync fields, history, transactions, migrations, locking and bad files."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from qidesk.core.ids import is_uuid_text
from qidesk.core.version_vector import VersionVector
from qidesk.store import migrate
from qidesk.store.backup import backup_folder
from qidesk.store.engine import Database
from qidesk.store.errors import (
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseTooNew,
    DatabaseUnreadable,
)
from qidesk.store.models import (
    Cohort,
    FocusArea,
    QualityDomain,
    RecordVersion,
    StrategicObjective,
    Team,
)


def _add_cohort(db: Database, name: str = "Cohort 8") -> str:
    with db.unit_of_work() as session:
        cohort = Cohort(name=name)
        session.add(cohort)
    return cohort.uuid


def test_new_record_gets_sync_fields(db: Database) -> None:
    uuid = _add_cohort(db)
    with db.unit_of_work() as session:
        cohort = session.get(Cohort, uuid)
        assert cohort is not None
        assert is_uuid_text(cohort.uuid)
        assert cohort.rev == 1
        assert cohort.updated_by == db.installation_id
        assert VersionVector.parse(cohort.vv).get(db.installation_id) == 1
        assert cohort.deleted_at is None


def test_every_change_bumps_rev_vector_and_history(db: Database) -> None:
    uuid = _add_cohort(db)
    for n in range(3):
        with db.unit_of_work() as session:
            session.get(Cohort, uuid).name = f"Renamed {n}"
    with db.unit_of_work() as session:
        cohort = session.get(Cohort, uuid)
        assert cohort.rev == 4
        assert VersionVector.parse(cohort.vv).get(db.installation_id) == 4
        history = session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_uuid == uuid)
            .order_by(RecordVersion.id)
        ).all()
        assert [h.rev for h in history] == [1, 2, 3, 4]
        assert '"Renamed 2"' in history[-1].data


def _history_data(session, uuid: str) -> list[dict]:
    from qidesk.store.models.history import version_values

    rows = session.scalars(
        select(RecordVersion).where(RecordVersion.record_uuid == uuid).order_by(RecordVersion.id)
    ).all()
    return [version_values(r.data) for r in rows]


def test_history_holds_references_set_through_relationships(db: Database) -> None:
    """A record linked through a relationship (not its ``*_uuid`` column) is stored in history
    as the database holds it: the flush fills the column only after the hook ran."""
    from qidesk.store.models import Coach, Member

    with db.unit_of_work() as session:
        cohort, other = Cohort(name="Cohort A"), Cohort(name="Cohort B")
        coach = Coach(name="Huw Phillips")
        team = Team(name="Ward 7", cohort=cohort, coach=coach)
        member = Member(name="Ann Jones", team=team)
        other.teams.append(Team(name="Ward 9"))  # linked from the parent's side
        session.add_all([cohort, other, coach, team, member])
    with db.unit_of_work() as session:
        stored = session.scalars(select(Team).order_by(Team.name)).all()
        for t in stored:
            live = {"cohort_uuid": t.cohort_uuid, "coach_uuid": t.coach_uuid}
            first = _history_data(session, t.uuid)[0]
            assert {k: first[k] for k in live} == live
        assert _history_data(session, member.uuid)[0]["team_uuid"] == team.uuid
        # Moving a team by its relationship: the new version names the new cohort.
        moved = session.get(Team, team.uuid)
        moved.cohort = session.get(Cohort, other.uuid)
        moved.coach = None
    with db.unit_of_work() as session:
        moved = session.get(Team, team.uuid)
        assert moved.cohort_uuid == other.uuid and moved.coach_uuid is None
        last = _history_data(session, team.uuid)[-1]
        assert (last["cohort_uuid"], last["coach_uuid"]) == (other.uuid, None)
        # A column set directly wins over a relationship merely loaded before.
        assert moved.cohort is not None  # loads the relationship
        moved.cohort_uuid = cohort.uuid
    with db.unit_of_work() as session:
        assert session.get(Team, team.uuid).cohort_uuid == cohort.uuid
        assert _history_data(session, team.uuid)[-1]["cohort_uuid"] == cohort.uuid


def test_unchanged_assignment_does_not_bump(db: Database) -> None:
    uuid = _add_cohort(db, "Same")
    with db.unit_of_work() as session:
        session.get(Cohort, uuid).name = "Same"
    with db.unit_of_work() as session:
        assert session.get(Cohort, uuid).rev == 1


def test_tombstone_is_a_new_version_and_row_stays(db: Database) -> None:
    from qidesk.services.base import tombstone

    uuid = _add_cohort(db)
    with db.unit_of_work() as session:
        tombstone(session.get(Cohort, uuid))
    with db.unit_of_work() as session:
        cohort = session.get(Cohort, uuid)
        assert cohort is not None and cohort.deleted_at is not None
        assert cohort.rev == 2


def test_failed_unit_of_work_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        session.add(Cohort(name="Half done"))
        session.flush()
        raise RuntimeError("user action failed half way")
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Cohort)) == 0
        assert session.scalar(select(func.count()).select_from(RecordVersion)) == 0


def test_foreign_keys_are_enforced(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.unit_of_work() as session:
        session.add(Team(cohort_uuid="00000000-0000-4000-8000-000000000000", name="Orphan"))


def test_pragmas_and_begin_immediate(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # A unit of work holds the write lock from its first statement: another connection
    # cannot begin a write transaction meanwhile.
    with db.unit_of_work() as session:
        session.execute(text("SELECT 1"))
        other = sqlite3.connect(db.path, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_migration_from_empty_seeds_vocabularies(db: Database) -> None:
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(StrategicObjective)) == 4
        assert session.scalar(select(func.count()).select_from(FocusArea)) == 6
        domains = session.scalars(select(QualityDomain.title).order_by(QualityDomain.position))
        assert list(domains) == [
            "Safe",
            "Timely",
            "Effective",
            "Efficient",
            "Equitable",
            "Patient-centred",
        ]
    assert migrate.current_revision(db.engine) == migrate.HEAD_REVISION


def test_known_revisions_match_alembic_graph() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    chain = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(chain) == migrate.KNOWN_REVISIONS
    assert script.get_current_head() == migrate.HEAD_REVISION


def test_newer_database_is_refused_naming_both_versions(db_path: Path) -> None:
    Database.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num='0099'")
    conn.execute("UPDATE app_meta SET value='9.9.0' WHERE key='app_version'")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(DatabaseTooNew) as err:
        Database.open(db_path)
    message = str(err.value)
    assert "0099" in message and "9.9.0" in message and migrate.HEAD_REVISION in message
    assert db_path.read_bytes() == before


def test_database_is_backed_up_before_a_migration(db_path: Path) -> None:
    # Build a database that stops one revision short of head, as an older QI Desk left it.
    from alembic import command

    from qidesk.store.engine import make_engine

    older = migrate.KNOWN_REVISIONS[-2]
    engine = make_engine(db_path)
    config = migrate.alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, older)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO cohort(uuid, name, status, notes, rev, vv, updated_at, updated_by) "
            "VALUES ('00000000-0000-4000-8000-000000000001', 'Keep me', 'planned', '', 1, "
            "'x:1', '2026-01-01 00:00:00', 'x')"
        )
    engine.dispose()
    with Database.open(db_path) as db:
        assert migrate.current_revision(db.engine) == migrate.HEAD_REVISION
    backups = list(backup_folder(db_path).glob(f"*before-migration-{older}-*.sqlite"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT name FROM cohort").fetchall() == [("Keep me",)]
    assert copy.execute("SELECT version_num FROM alembic_version").fetchall() == [(older,)]
    copy.close()


def test_second_process_gets_a_clear_message(db: Database) -> None:
    with pytest.raises(DatabaseLocked, match="already open"):
        Database.open(db.path)


def test_corrupt_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(DatabaseUnreadable, match="not a QI Desk database"):
        Database.open(bad)


def test_damaged_sqlite_file_is_refused(db_path: Path) -> None:
    Database.open(db_path).close()
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wreck the schema page after the header
    db_path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    with pytest.raises(DatabaseUnreadable, match="damaged"):
        Database.open(db_path)


def test_read_only_file_is_refused(db_path: Path) -> None:
    Database.open(db_path).close()
    db_path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        with pytest.raises(DatabaseReadOnly, match="read-only"):
            Database.open(db_path)
    finally:
        db_path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_installation_id_is_created_once_and_kept(db_path: Path) -> None:
    with Database.open(db_path) as first:
        ident = first.installation_id
    with Database.open(db_path) as second:
        assert second.installation_id == ident
    assert is_uuid_text(ident)


def test_text_longer_than_a_cell_is_refused_and_nothing_saved(db: Database) -> None:
    """A field the export could not write (over 32,767 characters) is not saved at all."""
    from qidesk.services.cohort_service import CohortService
    from qidesk.store.errors import TextTooLong

    uuid = _add_cohort(db)
    cohorts = CohortService(db.unit_of_work)
    with pytest.raises(TextTooLong, match=r"notes is 40,000 characters long.*nothing was saved"):
        cohorts.update(uuid, notes="x" * 40_000)
    with pytest.raises(TextTooLong):
        cohorts.create(name="y" * 32_768)
    cohorts.update(uuid, notes="x" * 32_767)
    with db.unit_of_work() as session:
        assert len(session.get(Cohort, uuid).notes) == 32_767
        assert session.scalar(select(func.count()).select_from(Cohort)) == 1
