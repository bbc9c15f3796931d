"""The team summary PDF: from the service and from ``qidesk report`` on the command line."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from qidesk.cli import main
from qidesk.services.assessment_service import AssessmentService
from qidesk.services.template_service import default_template_definition
from qidesk.store.engine import Database
from qidesk.store.models import Cohort, Member, Team
from qidesk.ui.reports.team_report import write_team_report


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))  # ligatures: "ﬀ" -> "ff"


@pytest.fixture
def app(qapp):
    return qapp


def test_report_of_a_team_with_only_a_start_stage(app, db: Database, tmp_path: Path) -> None:
    with db.unit_of_work() as session:
        cohort = Cohort(name="Cohort 10")
        team = Team(cohort=cohort, name="Théâtre Recovery Team")
        member = Member(team=team, name="Seren Jones")
        session.add_all([cohort, team, member])
        session.flush()
        team_uuid, member_uuid = team.uuid, member.uuid
    service = AssessmentService(db.unit_of_work)
    service.set_answers(team_uuid, "start", [(member_uuid, "PDSA", 2, None)])
    out = write_team_report(service.team_results(team_uuid), tmp_path / "r.pdf")
    text = pdf_text(out)
    assert "Théâtre Recovery Team" in text and "Cohort 10" in text
    for item in default_template_definition().items:
        assert item.title in text
    assert "1 of 1 members answered" in text
    assert "Shown once a later stage has been entered" in text


def test_cli_report_on_demo_data(demo_db: Database, tmp_path: Path, capsys, app) -> None:
    with demo_db.unit_of_work() as session:
        team = session.scalars(
            select(Team).join(Cohort).where(Cohort.status == "completed").order_by(Team.name)
        ).first()
        assert team is not None
        name, cohort_name = team.name, team.cohort.name
        coach = team.coach.name if team.coach else ""
    path = demo_db.path
    demo_db.close()  # the command opens the database itself (one process per database)
    out = tmp_path / "summary.pdf"
    assert main(["report", "--db", str(path), "--team", name, "--out", str(out)]) == 0
    text = pdf_text(out)
    assert name in text and cohort_name in text and coach in text
    assert "Testing changes with PDSA cycles" in text
    assert "Areas of progress" in text and "Areas for development" in text
    assert "Change start → end" in text
    assert len(pypdf.PdfReader(str(out)).pages) == 1  # one A4 page for 12 items


def test_cli_unknown_team_is_one_clear_line(db: Database, tmp_path: Path, capsys) -> None:
    path = db.path
    db.close()
    out = str(tmp_path / "x.pdf")
    status = main(["report", "--db", str(path), "--team", "No Such Team", "--out", out])
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"qidesk report: no team named 'No Such Team' in {path}"]
    assert not (tmp_path / "x.pdf").exists()


def test_cli_report_names_a_team_by_uuid_when_cohorts_share_a_name(
    demo_db: Database, tmp_path: Path, capsys, app
) -> None:
    """Two coaches each made "Cohort 9" with a team of one name: --cohort cannot choose, so the
    refusal lists each team's uuid, and --team takes a uuid."""
    with demo_db.unit_of_work() as session:
        cohorts = session.scalars(select(Cohort).order_by(Cohort.start_date)).all()
        cohorts[0].name = cohorts[1].name
        first, second = (
            session.scalars(
                select(Team).where(Team.cohort_uuid == c.uuid).order_by(Team.name)
            ).all()[0]
            for c in cohorts[:2]
        )
        first.name = second.name
        session.flush()
        name, cohort_name, wanted = second.name, cohorts[1].name, first.uuid
    path = demo_db.path
    demo_db.close()
    out = tmp_path / "summary.pdf"
    args = ["report", "--db", str(path), "--out", str(out)]
    assert main([*args, "--team", name, "--cohort", cohort_name]) == 2
    err = capsys.readouterr().err
    assert "2 teams match" in err and wanted in err and "uuid" in err
    assert main([*args, "--team", wanted]) == 0
    assert name in pdf_text(out)
