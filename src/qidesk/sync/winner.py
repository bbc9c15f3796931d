"""Heads of a record and the winner among them: the pure rules every installation applies alike.

A *version* of a record is identified by its version vector **and** a digest of its values and
deletion flag: two copies of one database file can make different versions with equal vectors,
and those must meet as a conflict, not silently collapse into one.

- :func:`maximal` keeps the versions no other version strictly descends from (the heads). This
  is a set union followed by "keep the maximal elements", so the result does not depend on the
  order in which versions arrive, nor on how often.
- :func:`winner_key` is the total order that picks the version a record shows: the largest
  ``(updated_at, updated_by, vv text, digest)``. Every installation computes it alike from the
  same heads. A deletion is not special: a deletion concurrent with an edit is a conflict like any
  other, and whichever was made later is shown, the other kept as a losing head.
- When the same version (same vector and digest) arrives with different metadata (its
  ``updated_at``, ``updated_by`` or ``deleted_at``, say after a lossy round trip), the largest
  metadata is kept, again the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qidesk.core.version_vector import VersionVector

_NO_TIME = datetime.min


@dataclass
class KnownVersion:
    """One version of one record as the merge handles it (values in canonical JSON form)."""

    record_type: str
    uuid: str
    vv: str
    vector: VersionVector
    digest: str
    updated_at: datetime
    updated_by: str
    deleted_at: datetime | None
    #: Values keyed by ORM attribute, JSON-friendly and normalised by column type.
    canon: dict[str, Any]
    #: "live" (the record's row), "conflict" (a stored losing head), "incoming" or "history".
    origin: str = "incoming"
    #: Where it came from, for messages (a workbook cell reference or None).
    source: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str]:
        return (self.vv, self.digest)

    @property
    def key(self) -> str:
        """Text naming this version among a record's heads (vector and digest)."""
        return f"{self.vv}|{self.digest}"

    @property
    def meta(self) -> tuple[datetime, str, datetime]:
        return (self.updated_at, self.updated_by, self.deleted_at or _NO_TIME)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def winner_key(version: KnownVersion) -> tuple[datetime, str, str, str]:
    """The total order of heads: the largest key is shown (see the module docstring)."""
    return (version.updated_at, version.updated_by, version.vv, version.digest)


def union(versions: Iterable[KnownVersion]) -> dict[tuple[str, str], KnownVersion]:
    """Versions by identity; of equal versions the one with the largest metadata is kept."""
    by_identity: dict[tuple[str, str], KnownVersion] = {}
    for version in versions:
        known = by_identity.get(version.identity)
        if known is None or version.meta > known.meta:
            by_identity[version.identity] = version
    return by_identity


def maximal(versions: Sequence[KnownVersion]) -> list[KnownVersion]:
    """The versions no other one strictly descends from, winner first, then by winner key."""
    heads = [v for v in versions if not any(o.vector.descends_from(v.vector) for o in versions)]
    heads.sort(key=winner_key, reverse=True)
    return heads


def merged_vector(versions: Iterable[KnownVersion], origin: str) -> VersionVector:
    """Pointwise maximum of the versions' vectors, plus one for ``origin``: a version with this
    vector descends from every one of them."""
    return VersionVector.merged(v.vector for v in versions).incremented(origin)
