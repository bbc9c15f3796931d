"""The export commands as a lead uses them: two teams of one name in two cohorts, and a
database that can only be read (a read-only file, or a copy on a read-only medium)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from qidesk.cli import main
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.sync.pack import FILL_SHEET


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def two_ward_sevens(path: Path) -> dict[str, str]:
    """Cohort 8 and Cohort 9/25 (a cohort name with a '/') each have a 'Ward 7'; a third team
    is called 'A&E/Minors' (a team name with a '/'). Returns team uuids by 'COHORT/TEAM'."""
    with Database.open(path) as db, db.unit_of_work() as session:
        eight, nine = Cohort(name="Cohort 8"), Cohort(name="Cohort 9/25")
        teams = {
            "Cohort 8/Ward 7": Team(cohort=eight, name="Ward 7"),
            "Cohort 9/25/Ward 7": Team(cohort=nine, name="Ward 7"),
            "Cohort 9/25/A&E/Minors": Team(cohort=nine, name="A&E/Minors"),
        }
        session.add_all([eight, nine, *teams.values()])
        for key, team in teams.items():
            session.add(Member(team=team, name=f"Member of {key}"))
        session.flush()
        return {key: team.uuid for key, team in teams.items()}


def export_assessment(capsys, db: Path, team: str, out: Path) -> tuple[int, str, str]:
    return run(
        capsys,
        "export-assessment",
        "--db",
        str(db),
        "--team",
        team,
        "--stage",
        "start",
        "--out",
        str(out),
    )


def pack_member(pack: Path) -> str:
    """The first member's header in a pack (names the team the pack is for)."""
    return str(openpyxl.load_workbook(pack)[FILL_SHEET].cell(4, 5).value)


def test_an_ambiguous_team_name_is_refused_listing_the_matches(capsys, tmp_path: Path) -> None:
    db = tmp_path / "lead.sqlite"
    uuids = two_ward_sevens(db)
    out = tmp_path / "pack.xlsx"

    status, text, err = export_assessment(capsys, db, "Ward 7", out)

    assert status == 2 and not out.exists() and not text
    assert "2 teams match 'Ward 7'" in err
    assert f"Cohort 8/Ward 7 (uuid {uuids['Cohort 8/Ward 7']})" in err
    assert f"Cohort 9/25/Ward 7 (uuid {uuids['Cohort 9/25/Ward 7']})" in err
    assert "COHORT/TEAM" in err and "'Cohort 8/Ward 7'" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("Cohort 8/Ward 7", "Cohort 8/Ward 7"),
        ("Cohort 9/25/Ward 7", "Cohort 9/25/Ward 7"),  # the cohort's own '/' is fine
        ("Cohort 9/25 / Ward 7", "Cohort 9/25/Ward 7"),
        ("A&E/Minors", "Cohort 9/25/A&E/Minors"),  # a team name with '/' still works
        ("Cohort 9/25/A&E/Minors", "Cohort 9/25/A&E/Minors"),
        ("uuid", "Cohort 9/25/Ward 7"),
    ],
)
def test_a_team_named_as_cohort_and_team_or_by_uuid(
    capsys, tmp_path: Path, given: str, meant: str
) -> None:
    db = tmp_path / "lead.sqlite"
    uuids = two_ward_sevens(db)
    if given == "uuid":
        given = uuids[meant].upper()  # as copied from somewhere that shouts
    out = tmp_path / "pack.xlsx"

    status, text, err = export_assessment(capsys, db, given, out)

    assert status == 0, err
    assert pack_member(out) == f"Member of {meant}"
    team, cohort = meant.rsplit("/", 1)[1], meant.rsplit("/", 1)[0]
    if meant.endswith("Minors"):
        team, cohort = "A&E/Minors", "Cohort 9/25"
    assert f"pack of {team} ({cohort}) to {out}" in text


def test_the_full_export_takes_a_team_as_cohort_and_team(capsys, tmp_path: Path) -> None:
    db = tmp_path / "lead.sqlite"
    uuids = two_ward_sevens(db)
    out = tmp_path / "one.xlsx"

    team = "Cohort 8/Ward 7"
    status, _, err = run(capsys, "export", "--db", str(db), "--out", str(out), "--team", team)

    assert status == 0, err
    teams = openpyxl.load_workbook(out, read_only=True)["Teams"]
    rows = list(teams.iter_rows(values_only=True))
    uuid_col = rows[0].index("uuid")
    assert [r[uuid_col] for r in rows[1:]] == [uuids["Cohort 8/Ward 7"]]
    # An exact name still brings every team of that name, as before.
    status, _, _ = run(capsys, "export", "--db", str(db), "--out", str(out), "--team", "Ward 7")
    rows = list(openpyxl.load_workbook(out, read_only=True)["Teams"].iter_rows(values_only=True))
    assert status == 0 and len(rows) == 3
    status, _, err = run(capsys, "export", "--db", str(db), "--out", str(out), "--team", "Nope")
    assert status == 2 and "no team named 'Nope'" in err


def test_help_says_how_to_name_one_of_two_teams(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["export-assessment", "--help"])
    text = capsys.readouterr().out
    assert "COHORT/TEAM" in text and "uuid" in text


# ---- a database that can only be read ---------------------------------------------------------


def read_only_database(tmp_path: Path) -> Path:
    """A lead's database with a started self-assessment, then made read-only (as a copy on a
    share the lead may only read, or a file marked read-only)."""
    from qidesk.services.export_service import ExportService

    path = tmp_path / "shared" / "lead.sqlite"
    path.parent.mkdir()
    two_ward_sevens(path)
    with Database.open(path) as db:
        ExportService(db.unit_of_work).export_pack(
            tmp_path / "first.xlsx", team_name="Cohort 8/Ward 7", stage="start"
        )
    for leftover in path.parent.glob("lead.sqlite.lock"):
        leftover.unlink()
    path.chmod(0o444)
    return path


def folder_listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_a_read_only_database_exports_quietly_and_stays_as_it_was(capsys, tmp_path: Path) -> None:
    db = read_only_database(tmp_path)
    before, files = db.read_bytes(), folder_listing(db)
    full, pack = tmp_path / "full.xlsx", tmp_path / "pack.xlsx"

    status, text, err = run(capsys, "export", "--db", str(db), "--out", str(full))
    assert (status, err) == (0, ""), err
    assert text.startswith("Wrote ") and full.exists()
    status, text, err = export_assessment(capsys, db, "Cohort 8/Ward 7", pack)
    assert (status, err) == (0, ""), err
    assert pack_member(pack) == "Member of Cohort 8/Ward 7"

    # Nothing written, nothing left beside it (no journal or lock files).
    assert db.read_bytes() == before and folder_listing(db) == files
    # What was exported is the database's content: it imports into a new database.
    other = tmp_path / "other.sqlite"
    status, text, err = run(capsys, "import", "--db", str(other), "--json", str(full))
    assert status == 0, err
    assert json.loads(text)["by_type"]["Team"]["created"] == 3


def test_a_pack_needing_a_new_stage_from_a_read_only_database_says_why(
    capsys, tmp_path: Path
) -> None:
    db = read_only_database(tmp_path)
    before = db.read_bytes()

    status, _, err = export_assessment(capsys, db, "Cohort 9/25/Ward 7", tmp_path / "p.xlsx")

    assert status == 2 and not (tmp_path / "p.xlsx").exists()
    assert "Ward 7 has no start self-assessment yet, and this database is read-only" in err
    assert db.read_bytes() == before


def test_importing_into_a_read_only_database_is_still_refused(capsys, tmp_path: Path) -> None:
    db = read_only_database(tmp_path)
    before = db.read_bytes()

    status, _, err = run(capsys, "import", "--db", str(db), str(tmp_path / "first.xlsx"))

    assert status == 2 and "is read-only" in err and "Traceback" not in err
    assert db.read_bytes() == before


def test_a_database_on_a_read_only_medium_exports(capsys, tmp_path: Path, monkeypatch) -> None:
    """A read-only medium (a DVD, a share mounted read-only): its folder cannot be written,
    so SQLite could make no journal or lock file there. Simulated: the tests may run as root,
    who may write anywhere except on a real read-only medium."""
    import os

    db = read_only_database(tmp_path)
    db.chmod(0o644)  # on such a medium the file's own mode says nothing
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # type: ignore[no-untyped-def]
        if mode & os.W_OK and Path(path).resolve().is_relative_to(db.parent.resolve()):
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    files = folder_listing(db)
    out = tmp_path / "full.xlsx"

    status, _, err = run(capsys, "export", "--db", str(db), "--out", str(out))

    assert (status, err) == (0, "") and out.exists()
    assert folder_listing(db) == files
    status, _, err = run(capsys, "import", "--db", str(db), str(out))
    assert status == 2 and "read-only" in err


def test_a_read_only_database_of_an_older_version_is_refused_in_words(
    capsys, tmp_path: Path
) -> None:
    db = read_only_database(tmp_path)
    db.chmod(0o644)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alembic_version SET version_num = '0005'")
    conn.commit()
    conn.close()
    db.chmod(0o444)

    status, _, err = run(capsys, "export", "--db", str(db), "--out", str(tmp_path / "x.xlsx"))

    assert status == 2 and "saved by an older QI Desk" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_a_rejected_import_leaves_no_new_database_behind(capsys, tmp_path: Path) -> None:
    """A mistyped --db: the import said 'Rejected files changed nothing' yet left a new empty
    database (and its lock file and folder) at the typo."""
    from test_qa_sync_pack import export_pack, make_team

    with Database.open(tmp_path / "coach.sqlite") as db:
        make_team(db)
        pack = export_pack(db, tmp_path / "pack.xlsx")
    typo = tmp_path / "leda" / "lead.sqlite"

    status, text, err = run(capsys, "import", "--db", str(typo), str(pack))

    assert status == 2 and "not in this database" in text
    assert f"The new database at {typo} was removed again." in err
    assert not typo.parent.exists()
    # A new database that takes the workbook stays, of course.
    coach, full = str(tmp_path / "coach.sqlite"), str(tmp_path / "full.xlsx")
    assert run(capsys, "export", "--db", coach, "--out", full)[0] == 0
    status, _, err = run(capsys, "import", "--db", str(typo), full)
    assert status == 0 and typo.exists()
