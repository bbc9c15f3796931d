"""row_hash stays bit-identical: exported workbooks carry these hashes in their hidden sheet.

The pins in ``data/row_hash_pins.json`` were computed by the implementation of 2026-11-26
(commit 99abf3b) from the value dicts this module generates; they must never be regenerated.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

from qidesk.sync.cells import row_hash

PINS = Path(__file__).parent / "data" / "row_hash_pins.json"
KEYS = ["uuid", "name", "a", "b_2", "zeta", "Name", "_x", "description", "level", "ü"]
TEXTS = [
    "",
    " ",
    "plain",
    "it's",
    'say "hi"',
    "both ' and \"",
    "back\\slash",
    "line\nbreak",
    "cr\r\nlf",
    "lone\rcr",
    "\r",
    "tab\there",
    "ünïcödé ✓",
    "emoji 🙂",
    "\x00nul",
    "\x1f",
    "=1+1",
    "176e6c55-f3f5-4ccb-9d56-4a8f00cf4905",
    "x" * 300,
    "\u2028sep",
]


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(12)
    if kind == 0:
        return None
    if kind in (1, 2, 3):
        text = rng.choice(TEXTS)
        return text + rng.choice(["", "\r\n", " tail", "\r"]) if rng.random() < 0.3 else text
    if kind == 4:
        return rng.randint(-(10**6), 10**6)
    if kind == 5:
        return rng.choice([0, 1, -1, 2**53, 2**63, -(2**70)])
    if kind == 6:
        return rng.choice([True, False])
    if kind == 7:
        return rng.choice([0.0, -0.0, 1.0, 2.5, -3.25, 1e16, 1e-7, 0.1 + 0.2, float("inf")])
    if kind == 8:
        return float(rng.randint(-1000, 1000)) / rng.choice([1, 2, 3, 8])
    if kind == 9:
        return date(rng.randint(1900, 2100), rng.randint(1, 12), rng.randint(1, 28))
    if kind == 10:
        return datetime(
            rng.randint(1990, 2100),
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.randint(0, 23),
            rng.randint(0, 59),
            rng.randint(0, 59),
            rng.choice([0, 0, 1, 999_999, rng.randint(0, 999_999)]),
        )
    return rng.choice(["a", "b"]) * rng.randint(0, 3)


def generated_cases() -> list[tuple[dict[str, Any], datetime | None]]:
    """The same few hundred (values, deleted_at) pairs every time."""
    rng = random.Random(20261126)
    cases: list[tuple[dict[str, Any], datetime | None]] = [({}, None)]
    for _ in range(400):
        keys = rng.sample(KEYS, rng.randint(1, len(KEYS)))
        values = {key: _value(rng) for key in keys}
        deleted = None
        if rng.random() < 0.25:
            deleted = datetime(2026, rng.randint(1, 12), 5, 7, 8, 9, rng.choice([0, 123456]))
        cases.append((values, deleted))
    return cases


def test_row_hash_matches_the_pinned_hashes() -> None:
    pins = json.loads(PINS.read_text(encoding="utf-8"))
    cases = generated_cases()
    assert len(pins) == len(cases) > 300
    for number, ((values, deleted), pinned) in enumerate(zip(cases, pins, strict=True)):
        assert row_hash(values, deleted) == pinned, (number, values, deleted)


def test_row_hash_ignores_key_order_and_copies() -> None:
    for values, deleted in generated_cases()[:50]:
        reordered = dict(reversed(list(values.items())))
        assert row_hash(reordered, deleted) == row_hash(values, deleted)
        assert row_hash(dict(values), deleted) == row_hash(values, deleted)
