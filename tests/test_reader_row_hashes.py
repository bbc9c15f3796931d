"""A sheet's row hashes and version fingerprints computed a column at a time (row_hashes,
version_fingerprints) are row_hash and version_fingerprint of each row, bit for bit."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from qidesk.sync.cells import row_hash, row_hashes
from qidesk.sync.versions import version_fingerprint, version_fingerprints
from test_row_hash_pins import KEYS, PINS, _value, generated_cases


def test_row_hashes_match_the_pinned_hashes() -> None:
    pins = json.loads(PINS.read_text(encoding="utf-8"))
    for (values, deleted), pinned in zip(generated_cases(), pins, strict=True):
        keys = list(values)
        assert row_hashes(keys, [[values[k]] for k in keys], [deleted]) == [pinned]


class Text(str):
    """A str subclass (its repr is a plain str's; row_hash canonicalises it)."""


def _odd_value(rng: random.Random) -> Any:
    kind = rng.randrange(4)
    if kind == 0:
        zone = timezone(timedelta(hours=rng.choice([-5, 0, 2])))
        return datetime(2026, 3, rng.randint(1, 28), 9, 30, 15, 500, tzinfo=zone)
    if kind == 1:
        return Text(rng.choice(["x", "a\r\nb"]))
    if kind == 2:
        return datetime(2026, 11, 26, 9, 30, fold=1)
    return rng.choice(["", "same", None, 7])


def test_row_hashes_of_sheets_are_row_hash_of_each_row() -> None:
    rng = random.Random(5)
    for _ in range(300):
        keys = rng.sample(KEYS, rng.randint(0, len(KEYS)))
        count = rng.randint(0, 6)
        columns: list[list[Any]] = []
        for _ in keys:
            # columns of one kind (what a sheet holds) or of mixed kinds
            if rng.random() < 0.5:
                one = rng.randrange(3)
                column = [
                    [_value(rng), "text", 5][one] if rng.random() < 0.8 else None
                    for _ in range(count)
                ]
            else:
                column = [
                    _value(rng) if rng.random() < 0.7 else _odd_value(rng) for _ in range(count)
                ]
            columns.append(column)
        deleted = [
            rng.choice([None, datetime(2026, 1, 2, 3, 4, 5, 6), _odd_value(rng)])
            if rng.random() < 0.3
            else None
            for _ in range(count)
        ]
        deleted = [d if d is None or isinstance(d, datetime) else None for d in deleted]
        rows = list(zip(*columns, strict=True)) if keys else [()] * count
        expected = [
            row_hash(dict(zip(keys, row, strict=True)), mark)
            for row, mark in zip(rows, deleted, strict=True)
        ]
        assert row_hashes(keys, columns, deleted) == expected, (keys, columns, deleted)


def test_version_fingerprints_are_version_fingerprint_of_each_row() -> None:
    rng = random.Random(7)
    london = timezone(timedelta(hours=1))
    times = [
        datetime(2026, 11, 26, 9, 30),
        datetime(2026, 11, 26, 9, 30, fold=1),
        datetime(2026, 11, 26, 9, 30, 0, 123),
        datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 26, 10, 30, tzinfo=london),  # the same instant, another zone
    ]
    for count in (0, 1, 5, 40):
        uuids = [f"u{n}" for n in range(count)]
        vvs = [rng.choice(["a:1", "a:1;b:2", "ü:3"]) for _ in range(count)]
        at = [rng.choice(times) for _ in range(count)]
        by = [rng.choice(["inst", "x"]) for _ in range(count)]
        hashes = [rng.choice(["0" * 32, "f" * 32]) for _ in range(count)]
        expected = [
            version_fingerprint("Team", *row)
            for row in zip(uuids, vvs, at, by, hashes, strict=True)
        ]
        assert version_fingerprints("Team", uuids, vvs, at, by, hashes) == expected
