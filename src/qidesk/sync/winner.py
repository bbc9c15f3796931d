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
- :func:`join_identical` makes concurrent heads with equal values one version (their join).
- When the same version (same vector and digest) arrives with different metadata (its
  ``updated_at``, ``updated_by`` or ``deleted_at``, say after a lossy round trip), the largest
  metadata is kept, again the same everywhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from qidesk.core.version_vector import VersionVector

_NO_TIME = datetime.min


def version_digest(canon: Mapping[str, Any], deleted: bool) -> str:
    """Hash of a version's values and deletion flag (with its vector, a version's identity)."""
    text = json.dumps([canon, deleted], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(eq=False)
class KnownVersion:
    """One version of one record as the merge handles it (values in canonical JSON form).

    ``vv`` is the vector's canonical text (origins sorted); the parsed vector and the digest
    are computed when first needed (most records of a re-import never need them).
    """

    record_type: str
    uuid: str
    vv: str
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

    @cached_property
    def vector(self) -> VersionVector:
        return VersionVector.parse(self.vv)

    @cached_property
    def digest(self) -> str:
        return version_digest(self.canon, self.deleted_at is not None)

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


def join_identical(heads: Sequence[KnownVersion]) -> list[KnownVersion]:
    """Heads with the same values and deletion flag, made independently (say the same natural-key
    record created on two installations), are one version: their join, whose vector is the
    pointwise maximum of theirs (no new counter) and whose metadata is the largest of theirs.
    Every installation computes the same join from the same heads, in any order."""
    groups: dict[str, list[KnownVersion]] = {}
    for head in heads:
        groups.setdefault(head.digest, []).append(head)
    if all(len(group) == 1 for group in groups.values()):
        return list(heads)
    joined: list[KnownVersion] = []
    for group in groups.values():
        if len(group) == 1:
            joined.append(group[0])
            continue
        newest = max(group, key=lambda v: v.meta)
        vector = VersionVector.merged(v.vector for v in group)
        joined.append(
            KnownVersion(
                record_type=newest.record_type,
                uuid=newest.uuid,
                vv=str(vector),
                updated_at=newest.updated_at,
                updated_by=newest.updated_by,
                deleted_at=newest.deleted_at,
                canon=newest.canon,
                origin="joined",
                source=newest.source,
            )
        )
    return maximal(joined)


def merged_vector(versions: Iterable[KnownVersion], origin: str) -> VersionVector:
    """Pointwise maximum of the versions' vectors, plus one for ``origin``: a version with this
    vector descends from every one of them."""
    return VersionVector.merged(v.vector for v in versions).incremented(origin)
