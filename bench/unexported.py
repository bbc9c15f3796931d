"""Time of the status bar's "changes not yet exported" count (it runs after every edit).

Builds the demo in a temporary folder and prints the median time of
``ActivityService.unexported()`` in four states: the fresh demo (counted from its build); after
20 edits; every demo record counted (as if the demo build were not the starting point); and that
plus many versions received by import (``--received``, default 300,000 synthetic history rows),
with and without the partial index of local versions, as a ratio.

    PYTHONPATH=src python bench/unexported.py [--repeat 50] [--received 300000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from qidesk.services.activity_service import DEMO_BUILT_KEY
from qidesk.services.demo import build_demo
from qidesk.services.registry import Services
from qidesk.store.engine import Database


def median_ms(call: Callable[[], object], repeat: int) -> float:
    call()  # warm the page cache and the statement cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--received", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database.open(Path(folder) / "demo.sqlite")
        build_demo(db.unit_of_work, seed=1)
        services = Services.create(db)
        count = services.activity.unexported

        def report(state: str) -> float:
            ms = median_ms(count, args.repeat)
            print(f"{state:<58} {count().records:>6} records  median {ms:7.2f} ms")
            return ms

        report("fresh demo (counted from its build)")
        teams = [t for c in services.teams.navigator() for t in c.teams][:20]
        for team in teams:
            services.teams.update(team.uuid, site="Bench ward")
        report("after 20 team edits")
        with db.unit_of_work() as session:
            session.execute(text("DELETE FROM app_meta WHERE key = :k"), {"k": DEMO_BUILT_KEY})
        report("every demo record counted")
        with db.unit_of_work() as session:
            session.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :n) "
                    "INSERT INTO record_version (record_type, record_uuid, rev, vv, updated_at, "
                    "updated_by, data, origin) SELECT 'AssessmentResponse', printf('%036d', i), "
                    "1, 'x:1', '2026-01-01', 'x', '{}', 'bench-import-' || (i % 40) FROM n"
                ),
                {"n": args.received},
            )
        with_index = report(f"... plus {args.received:,} received versions")
        with db.unit_of_work() as session:
            session.execute(text("DROP INDEX ix_record_version_local"))
        without = report("... the same without the partial index of local versions")
        print(f"ratio without / with the index: {without / with_index:.1f}")
        db.close()


if __name__ == "__main__":
    main()
