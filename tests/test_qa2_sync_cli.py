"""The export commands as a lead uses them: two teams of one name in two cohorts, and a
database that can only be read (a read-only file, or a copy on a read-only medium)."""

from __future__ import annotations

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
