"""Sort keys people expect: "Cohort 9" before "Cohort 10", case ignored."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """A key ordering ``text`` as people read it: runs of digits by their value, the rest
    without regard to case ("Cohort 9" < "Cohort 10" < "cohort 11")."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in _NUMBER.split(text)
        if part
    )
