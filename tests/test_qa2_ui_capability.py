"""QA (second pass) of a team's capability summary as a coach shows it: areas of progress and
for development when scores tie, and while a later stage is being entered."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pypdf
import pytest

from qidesk.core.assessment_stats import Answer, areas_for_development, team_summaries
from qidesk.services.registry import Services
from qidesk.store.engine import Database
from qidesk.ui.pages.team_assessment_tab import TeamAssessmentTab
from qidesk.ui.reports.team_report import write_team_report


@pytest.fixture
def team(db: Database) -> tuple[Services, str, list[str], list[str]]:
    """A new team of two in the demo-free database, on the default 12-item template."""
    services = Services.create(db)
    cohort = services.cohorts.create(name="Cohort 10")
    team = services.teams.create(cohort.uuid, "Pharmacy Llanelli")
    members = [services.members.create(team.uuid, n).uuid for n in ("Seren Jones", "Owain Rees")]
    codes = [i.code for i in services.assessments.stage_sheet(team.uuid, "start").template.items]
    return services, team.uuid, members, codes


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def test_a_tie_over_every_item_is_not_twelve_areas_for_development(
    qtbot, team, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A team whose members scored every item 3 was told that all twelve items were "areas
    for development" (ties were always listed whole); the same with one low item listed the
    low one and the eleven others."""
    services, team_uuid, members, codes = team
    answers = [(m, c, 3, None) for m in members for c in codes]
    services.assessments.set_answers(team_uuid, "start", answers)
    results = services.assessments.team_results(team_uuid)
    assert results.development == ()
    assert results.development_note == "12 items score 3.0: none stands out."

    tab = TeamAssessmentTab(services)
    qtbot.addWidget(tab)
    tab.show_team(team_uuid)
    tab.refresh_results()
    assert tab.development_label.text() == "12 items score 3.0: none stands out."

    services.assessments.set_answers(team_uuid, "start", [(members[0], "LEAD", 1, None)])
    results = services.assessments.team_results(team_uuid)
    assert [(e.item_code, e.score) for e in results.development] == [("LEAD", 2.0)]
    assert results.development_note == "11 more items score 3.0."
    path = write_team_report(results, tmp_path / "pharmacy.pdf")
    text = pdf_text(path)
    assert "Leadership for improvement: 2.0" in text
    assert "11 more items score 3.0." in text

    # Everyone one level up at the end: no item's rise stands out either.
    services.assessments.set_answers(
        team_uuid, "end", [(m, c, 4 if c != "LEAD" else 5, None) for m in members for c in codes]
    )
    results = services.assessments.team_results(team_uuid)
    assert [(e.item_code, e.gain) for e in results.progress] == [("LEAD", 3.0)]
    assert results.progress_note == "11 more items rose by +1.0."


def test_a_stage_just_begun_does_not_take_over_the_areas(qtbot, team) -> None:  # type: ignore[no-untyped-def]
    """Typing the first midpoint answer (4 for Model for Improvement) turned the summary over to
    the midpoint: its only area for development was that item, the team's best, and the start's
    weak items vanished from the list."""
    services, team_uuid, members, codes = team
    start = {c: 2 + (i % 3) for i, c in enumerate(codes)}  # 2, 3, 4, 2, 3, 4, ...
    services.assessments.set_answers(
        team_uuid, "start", [(m, c, start[c], None) for m in members for c in codes]
    )
    before = services.assessments.team_results(team_uuid)
    services.assessments.set_answers(team_uuid, "mid", [(members[0], "MFI", 4, None)])
    results = services.assessments.team_results(team_uuid)
    assert results.latest_stage == "mid"  # the chart and table show the midpoint as it is
    assert results.development == before.development  # the areas still rank the start
    assert results.progress == ()
    assert results.progress_note == "Shown once more of the Midpoint stage is entered."
    assert results.areas_note == (
        "The areas are from the Start stage: the Midpoint stage has answers to only 1 of 12 "
        "items so far."
    )
    tab = TeamAssessmentTab(services)
    qtbot.addWidget(tab)
    tab.show_team(team_uuid)
    tab.refresh_results()
    assert results.areas_note in tab.development_label.text()
    assert tab.progress_label.text() == "Shown once more of the Midpoint stage is entered."

    # Once half the items have a midpoint answer, the midpoint ranks.
    services.assessments.set_answers(
        team_uuid, "mid", [(members[0], c, 5, None) for c in codes[1:6]]
    )
    results = services.assessments.team_results(team_uuid)
    assert results.areas_note == ""
    assert results.development[0].item_code == "MFI"  # 4, the other five 5
    assert results.progress[0].item_code == "DRIVER"  # 2 at the start, 5 now


def test_a_tie_that_fits_is_still_listed_whole() -> None:
    """The rule keeps what it had: a tie at the cut that leaves a short list is listed whole."""
    answers = [
        Answer("start", "m", code, score)
        for code, score in zip("ABCDEF", (1, 2, 3, 3, 4, 5), strict=True)
    ]
    dev = areas_for_development(team_summaries(answers), list("ABCDEF"))
    assert [e.item_code for e in dev] == ["A", "B", "C", "D"]
    assert dev.tied_out == 0


def test_areas_rank_scores_as_the_team_reads_them() -> None:
    """Two items both shown as 1.7 (5/3 and 12/7, members skipped some) were split: one listed
    as an area for development, the other not, and a rise shown as "+0.0" was listed as an
    area of progress."""
    from qidesk.core.assessment_stats import areas_of_progress

    def answers(stage: str, code: str, scores: list[int]) -> list[Answer]:
        return [Answer(stage, f"m{i}", code, s) for i, s in enumerate(scores)]

    start = (
        answers("start", "A", [2, 2, 1])  # 1.67
        + answers("start", "B", [2, 2, 1, 2, 2, 2, 1])  # 1.71
        + answers("start", "C", [1])
        + answers("start", "D", [1, 2])
        + answers("start", "E", [2] * 25)
    )
    summaries = team_summaries(start)
    development = areas_for_development(summaries, list("ABCDE"), count=3)
    assert [e.item_code for e in development] == ["C", "D", "A", "B"]  # A and B tie at 1.7

    end = (
        answers("end", "E", [2] * 24 + [3])  # 2.04: reads "+0.0"
        + answers("end", "C", [2])
        + answers("end", "A", [2, 2, 1])
    )
    summaries = team_summaries(start + end)
    assert [e.item_code for e in areas_of_progress(summaries, list("ABCDE"))] == ["C"]
