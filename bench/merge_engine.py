"""Benchmark the merge engine alone (no workbooks): plan and apply received versions.

Builds N demo installations, takes every record's shown version from each (what a full export
carries), then measures, as medians of --repeat runs on fresh databases:
- baseline: plain SQLAlchemy Core inserts of the same rows into the record tables (no merge);
- first merge into an empty database (plan + apply + commit);
- re-merge of the same versions (everything unchanged: plan only, nothing written).
Prints seconds, microseconds per version and the ratio to the baseline.

    PYTHONPATH=src python bench/merge_engine.py [--installations 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("QIDESK_DATA_DIR", tempfile.mkdtemp(prefix="qidesk-bench-"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installations", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from sqlalchemy import insert

    from qidesk.services.demo import build_demo
    from qidesk.store.base import APPLYING_RECEIVED_VERSIONS
    from qidesk.store.engine import Database
    from qidesk.sync.merge import apply_plan, plan_merge, record_spec, winning_versions

    folder = Path(tempfile.mkdtemp(prefix="qidesk-bench-merge-"))
    versions = []
    for index in range(args.installations):
        with Database.open(folder / f"inst-{index}.sqlite", installation_id=f"inst-{index}") as db:
            build_demo(db.unit_of_work, seed=100 + index)
            with db.unit_of_work() as session:
                versions.extend(winning_versions(session))
    print(f"{len(versions)} versions from {args.installations} demo installations")

    counter = iter(range(10**6))

    def fresh() -> Database:
        return Database.open(folder / f"target-{next(counter)}.sqlite", installation_id="target")

    def baseline() -> float:
        rows: dict[str, dict[str, dict]] = defaultdict(dict)
        for v in versions:  # one row per record (natural-key records come from every one)
            rows[v.record_type][v.uuid] = {
                **v.values,
                "uuid": v.uuid,
                "rev": 1,
                "vv": v.vv,
                "updated_at": v.updated_at,
                "updated_by": v.updated_by,
                "deleted_at": v.deleted_at,
            }
        with fresh() as db:
            started = time.perf_counter()
            with db.unit_of_work() as session:
                session.connection().exec_driver_sql("PRAGMA defer_foreign_keys=ON")
                for record_type, batch in rows.items():
                    session.execute(insert(record_spec(record_type).table), list(batch.values()))
            return time.perf_counter() - started

    def merge_into(db: Database) -> float:
        started = time.perf_counter()
        with db.unit_of_work() as session:
            plan = plan_merge(session, versions)
            session.info[APPLYING_RECEIVED_VERSIONS] = True
            apply_plan(session, plan, import_id="bench")
        return time.perf_counter() - started

    base_times, first_times, again_times = [], [], []
    for _ in range(args.repeat):
        base_times.append(baseline())
        with fresh() as db:
            first_times.append(merge_into(db))
            again_times.append(merge_into(db))
    base = statistics.median(base_times)
    n = len(versions)
    print(f"baseline Core inserts   {base:7.3f} s  {base / n * 1e6:6.1f} µs/version")
    for label, times in (("first merge", first_times), ("re-merge (unchanged)", again_times)):
        t = statistics.median(times)
        print(f"{label:22s}  {t:7.3f} s  {t / n * 1e6:6.1f} µs/version  ratio {t / base:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
