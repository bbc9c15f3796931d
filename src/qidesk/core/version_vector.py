"""Version vectors: which versions of a record descend from which, and a total order for winners."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class VersionVector:
    """An immutable map from origin id to counter, written ``origin:counter;...`` by origin."""

    counters: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> VersionVector:
        """Read ``"a:2;b:1"``; empty text is the empty vector. Raises ValueError on bad text."""
        counters: dict[str, int] = {}
        text = (text or "").strip()
        if not text:
            return cls({})
        for part in text.split(";"):
            origin, sep, count = part.strip().rpartition(":")
            if not sep or not origin or not count.isdigit():
                raise ValueError(f"not a version vector entry: {part!r}")
            if origin in counters:
                raise ValueError(f"origin {origin!r} appears twice in version vector")
            value = int(count)
            if value <= 0:
                raise ValueError(f"counter for {origin!r} must be positive")
            counters[origin] = value
        return cls(counters)

    def __str__(self) -> str:
        return ";".join(f"{o}:{self.counters[o]}" for o in sorted(self.counters))

    def get(self, origin: str) -> int:
        return self.counters.get(origin, 0)

    def incremented(self, origin: str) -> VersionVector:
        """This vector with ``origin``'s counter one higher."""
        counters = dict(self.counters)
        counters[origin] = counters.get(origin, 0) + 1
        return VersionVector(counters)

    def dominates_or_equals(self, other: VersionVector) -> bool:
        """True when every counter of ``other`` is <= the same counter here."""
        return all(self.get(o) >= c for o, c in other.counters.items())

    def descends_from(self, other: VersionVector) -> bool:
        """True when this vector is strictly newer than ``other`` (dominates and differs)."""
        return self.dominates_or_equals(other) and dict(self.counters) != dict(other.counters)

    def concurrent_with(self, other: VersionVector) -> bool:
        return not self.dominates_or_equals(other) and not other.dominates_or_equals(self)

    @staticmethod
    def merged(vectors: Iterable[VersionVector]) -> VersionVector:
        """Pointwise maximum of ``vectors``."""
        counters: dict[str, int] = {}
        for v in vectors:
            for o, c in v.counters.items():
                if c > counters.get(o, 0):
                    counters[o] = c
        return VersionVector(counters)
