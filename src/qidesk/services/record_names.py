"""Record types as a coach names them ("PDSA cycle", not "PdsaCycle"), for every screen."""

from __future__ import annotations

#: Record types as a coach names them: (one, many), in running text (lower case but acronyms).
RECORD_TYPE_NAMES: dict[str, tuple[str, str]] = {
    "Cohort": ("cohort", "cohorts"),
    "Coach": ("coach", "coaches"),
    "Team": ("team", "teams"),
    "Member": ("member", "members"),
    "AssessmentTemplate": ("assessment template", "assessment templates"),
    "TemplateItem": ("assessment item", "assessment items"),
    "Assessment": ("self-assessment", "self-assessments"),
    "AssessmentResponse": ("self-assessment answer", "self-assessment answers"),
    "ChangeIdea": ("change idea", "change ideas"),
    "PdsaCycle": ("PDSA cycle", "PDSA cycles"),
    "ProgressScore": ("progress score", "progress scores"),
}


def record_noun(record_type: str, *, plural: bool = False) -> str:
    """``"team"``, ``"PDSA cycles"``: the name in running text (the type itself if unknown)."""
    one, many = RECORD_TYPE_NAMES.get(record_type, (record_type, record_type))
    return many if plural else one


def record_type_label(record_type: str, *, plural: bool = False) -> str:
    """``"Team"``, ``"PDSA cycles"``, ``"Self-assessment answer"``: the name as a column value
    or a title (first letter upper case)."""
    noun = record_noun(record_type, plural=plural)
    return noun[:1].upper() + noun[1:]


def record_type_order(item: tuple[str, object]) -> tuple[int, str]:
    """Sort key of ``(record type, anything)`` pairs: parents first (cohorts, coaches, teams,
    ...), unknown types last by name."""
    order = _ORDER.get(item[0], len(_ORDER))
    return (order, item[0])


_ORDER = {record_type: i for i, record_type in enumerate(RECORD_TYPE_NAMES)}


def type_name(record_type: str, count: int) -> str:
    """``"3 teams"``, ``"1 PDSA cycle"``: a count of records as a coach names them."""
    return f"{count:,} {record_noun(record_type, plural=count != 1)}"
