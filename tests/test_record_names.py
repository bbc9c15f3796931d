"""Record types are shown as a coach names them, everywhere."""

from __future__ import annotations

from qidesk.services.import_log_service import ImportEntry
from qidesk.services.record_names import (
    RECORD_TYPE_NAMES,
    record_noun,
    record_type_label,
    record_type_order,
    type_name,
)
from qidesk.sync.merge import record_specs


def test_every_travelling_record_type_has_a_name() -> None:
    assert {s.record_type for s in record_specs()} == set(RECORD_TYPE_NAMES)


def test_labels_nouns_and_counts() -> None:
    assert record_type_label("PdsaCycle") == "PDSA cycle"
    assert record_type_label("AssessmentResponse", plural=True) == "Self-assessment answers"
    assert record_noun("Team") == "team"
    assert record_noun("PdsaCycle", plural=True) == "PDSA cycles"
    assert type_name("Member", 1) == "1 member"
    assert type_name("AssessmentResponse", 124_652) == "124,652 self-assessment answers"
    assert record_type_label("Unknown") == "Unknown"  # a type this version does not know


def test_record_types_sort_parents_first() -> None:
    pairs = [("Member", 1), ("Unknown", 0), ("Cohort", 2), ("Team", 3)]
    assert [t for t, _ in sorted(pairs, key=record_type_order)] == [
        "Cohort",
        "Team",
        "Member",
        "Unknown",
    ]


def test_import_log_entry_says_its_kind_and_counts_in_words() -> None:
    from datetime import datetime

    entry = ImportEntry(
        id=1,
        imported_at=datetime(2026, 11, 26, 12, 0),
        file_name="pack.xlsx",
        export_id="e",
        import_id="i",
        file_hash="h",
        kind="assessment-pack",
        totals={"created": 149_033, "updated": 2},
        by_type={},
        files_in_merge=3,
        versions_received=149_035,
    )
    assert entry.kind_label == "Self-assessment pack"
    assert entry.summary_text == "149,033 created, 2 updated (merged with 2 other files)"


def test_import_log_names_a_self_assessment_by_its_stage() -> None:
    from qidesk.services.import_log_service import _title

    assert _title('{"stage": "end", "team_uuid": "t"}', "Assessment", "u" * 36) == "End"
    assert _title('{"name": "Ann"}', "Member", "u" * 36) == "Ann"
    assert _title("not json", "Member", "abcdefgh-rest") == "Member abcdefgh"


def test_import_log_names_the_answers_an_import_brought(tmp_path) -> None:
    from sqlalchemy import select

    from qidesk.services.demo import build_demo
    from qidesk.services.export_service import ExportService
    from qidesk.services.import_log_service import ImportLogService
    from qidesk.services.import_service import ImportService
    from qidesk.store.engine import Database
    from qidesk.store.models import Member

    with Database.open(tmp_path / "coach.sqlite") as coach:
        build_demo(coach.unit_of_work, seed=1)
        ExportService(coach.unit_of_work).export_full(tmp_path / "coach.xlsx")
        with coach.unit_of_work() as session:
            members = set(session.scalars(select(Member.name)))
    with Database.open(tmp_path / "lead.sqlite") as lead:
        ImportService(lead.unit_of_work, lead.path).apply([tmp_path / "coach.xlsx"])
        log = ImportLogService(lead.unit_of_work)
        entry = log.list_imports()[0]
        received = log.versions_received(entry.import_id, limit=100_000)
    answers = [v.title for v in received if v.record_type == "AssessmentResponse"]
    assert answers
    what = answers[0].partition(" · ")[0]
    assert len(what) > 8 and what.upper() != what  # the item's wording, not its code
    assert all(t.partition(" · ")[2] in members | {"team consensus"} for t in answers)
