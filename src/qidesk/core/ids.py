"""Deterministic ids for records with a natural key, so two installations make the same record."""

from __future__ import annotations

import uuid

#: Namespace of every QI Desk uuid5 (fixed forever: changing it would split records in two).
QIDESK_NAMESPACE = uuid.UUID("5f1c2a8e-6b1d-4c1e-9a57-2f0d7c4b9e31")


def natural_uuid(kind: str, *parts: str) -> str:
    """``uuid5`` of ``kind`` and the natural key ``parts`` (for example the start-stage assessment
    of a team is ``natural_uuid("assessment", team_uuid, "start")``)."""
    name = "/".join((kind, *parts))
    return str(uuid.uuid5(QIDESK_NAMESPACE, name))


def is_uuid_text(text: str) -> bool:
    """True for a lowercase, hyphenated UUID in canonical text form."""
    try:
        return str(uuid.UUID(text)) == text
    except (ValueError, AttributeError, TypeError):
        return False
