"""Small helpers the foundation services share for user-entered values."""

from __future__ import annotations

from typing import Any


def stripped_text(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with surrounding white space removed from every text value (before comparing,
    so typing a trailing space is not a change)."""
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
