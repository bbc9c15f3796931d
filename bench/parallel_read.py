"""Benchmark: read coach workbooks one by one versus in a pool of worker processes.

Reads the first 2, 5 and all of the coach workbooks in WORKDIR (pre-flight and parse, as an
import does, with the cyclic GC paused, and the versions made into objects) and prints the median
seconds of each way and the ratio parallel / sequential:

- ``sequential``: in this process, one file after the other (what a single file always gets);
- ``pool, cold``: the first pool of a session (the fork server starts and imports the reader);
- ``pool, warm``: a later pool in the same session (the fork server is running);
- ``pool, spawn``: every worker a fresh interpreter, as on Windows;
- ``cold, no help``: a cold pool while this process only waits (it normally reads the files no
  worker has taken yet);
- ``auto, cold``: what ``read_workbooks`` chooses by itself: the first file here, then a pool
  if the rest would take longer than the break-even here.

Then the break-even sweep (``--sweep``) reads 1..N files to find the total size from which a
cold pool beats reading here, and the payload figures: what it costs to send one file's versions
from a worker and make them objects in the parent: pickled dataclasses, packed objects, and the
columns the reader keeps (what the workers send).

    PYTHONPATH=src python bench/parallel_read.py [--workdir /work/benchwb] [--repeat 3] [--sweep 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Worker processes import this file again as their __main__: keep its top light and guarded.


def median_time(run: Callable[[], object], repeat: int, before: Callable[[], None]) -> float:
    times = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def stop_fork_server() -> None:
    """Stop the fork server, so that the next pool starts cold (as the first of a session)."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def nothing() -> None:
    pass


def made(outcomes: list[Any]) -> list[Any]:
    """The outcomes with their versions made into objects, as an import needs them (a pool
    makes them as results arrive; reading here leaves it to the first use)."""
    for outcome in outcomes:
        outcome.parsed.versions  # noqa: B018  (the property makes and keeps them)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/work/benchwb"))
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--sweep", type=int, default=0, help="break-even sweep up to N files")
    args = parser.parse_args(argv)

    import gc
    import multiprocessing
    import os
    import pickle

    from qidesk.sync import parallel_read
    from qidesk.sync.parallel_read import ReadJob, read_workbooks
    from qidesk.sync.versions import pack_versions, unpack_versions
    from qidesk.sync.workbook_reader import read_workbook

    files = sorted(args.workdir.glob("coach-*.xlsx"))
    if len(files) < 2:
        print(f"no coach-*.xlsx workbooks in {args.workdir}: run bench/merge.py --workdir first")
        return 2
    cpus = os.cpu_count() or 1
    has_fork_server = "forkserver" in multiprocessing.get_all_start_methods()
    print(
        f"{len(files)} workbooks in {args.workdir}, {cpus} CPUs, pool start method "
        f"{'forkserver' if has_fork_server else 'spawn'}; median of {args.repeat} runs; "
        f"auto: a pool for >= {parallel_read.POOL_MIN_FILES} files left that would take >= "
        f"{parallel_read.POOL_MIN_SECONDS} s here"
    )
    gc.disable()  # as ImportService does around an import
    counts = sorted({n for n in (2, 5, len(files)) if n <= len(files)})
    header = f"{'files':>5} {'MB':>6}  {'way':<14} {'seconds':>8}  {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for count in counts:
        jobs = [ReadJob(path, path.name) for path in files[:count]]
        size = sum(path.stat().st_size for path in files[:count]) / 1e6
        workers = min(count, cpus)

        def sequential(jobs: list[ReadJob] = jobs) -> object:
            return made(read_workbooks(jobs, workers=0))

        def pool(jobs: list[ReadJob] = jobs, workers: int = workers) -> object:
            return made(read_workbooks(jobs, workers=workers))

        def spawn(jobs: list[ReadJob] = jobs, workers: int = workers) -> object:
            return made(read_workbooks(jobs, workers=workers, start_method="spawn"))

        def auto(jobs: list[ReadJob] = jobs) -> object:
            return made(read_workbooks(jobs))

        base = median_time(sequential, args.repeat, nothing)
        rows = [("sequential", base)]
        if has_fork_server:
            rows.append(("pool, cold", median_time(pool, args.repeat, stop_fork_server)))
            pool(jobs)
            rows.append(("pool, warm", median_time(pool, args.repeat, nothing)))
        rows.append(("pool, spawn", median_time(spawn, args.repeat, nothing)))
        if has_fork_server:
            parallel_read.PARENT_HELPS = False
            rows.append(("cold, no help", median_time(pool, args.repeat, stop_fork_server)))
            parallel_read.PARENT_HELPS = True
        rows.append(("auto, cold", median_time(auto, args.repeat, stop_fork_server)))
        for way, seconds in rows:
            print(f"{count:>5} {size:>6.1f}  {way:<14} {seconds:>8.3f}  {seconds / base:>5.2f}x")

    if args.sweep:
        print("\nbreak-even sweep (cold pool versus here, 1 run each, median of the repeat):")
        for count in range(1, min(args.sweep, len(files)) + 1):
            jobs = [ReadJob(path, path.name) for path in files[:count]]
            size = sum(path.stat().st_size for path in files[:count]) / 2**20
            here = median_time(
                lambda jobs=jobs: made(read_workbooks(jobs, workers=0)), args.repeat, nothing
            )
            cold = median_time(
                lambda jobs=jobs: made(read_workbooks(jobs, workers=min(len(jobs), cpus))),
                args.repeat,
                stop_fork_server if has_fork_server else nothing,
            )
            print(
                f"  {count:>2} files {size:5.1f} MiB: here {here:6.3f} s, cold pool {cold:6.3f} s"
                f"  ({cold / here:4.2f}x)"
            )

    # What a worker sends back: its ParsedWorkbook, versions still columns (never objects
    # there), against the versions as objects pickled as dataclasses or packed.
    read_s = median_time(lambda: read_workbook(files[0]), max(args.repeat, 5), nothing)
    parsed = read_workbook(files[0])
    as_read = pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)
    objects = parsed.versions
    plain = pickle.dumps(objects, protocol=pickle.HIGHEST_PROTOCOL)
    compact = pickle.dumps(pack_versions(objects), protocol=pickle.HIGHEST_PROTOCOL)
    assert unpack_versions(pickle.loads(compact)) == objects
    assert pickle.loads(as_read).versions == objects
    ways: list[tuple[str, bytes, Callable[[], object], Callable[[], object]]] = [
        (
            "dataclasses",
            plain,
            lambda: pickle.dumps(objects, protocol=pickle.HIGHEST_PROTOCOL),
            lambda: pickle.loads(plain),
        ),
        (
            "packed",
            compact,
            lambda: pickle.dumps(pack_versions(objects), protocol=pickle.HIGHEST_PROTOCOL),
            lambda: unpack_versions(pickle.loads(compact)),
        ),
        (
            "columns",
            as_read,
            lambda: pickle.dumps(read_workbook(files[0]), protocol=pickle.HIGHEST_PROTOCOL),
            lambda: pickle.loads(as_read).versions,
        ),
    ]
    reps = max(args.repeat, 5)
    print(
        f"\npayload of {files[0].name} ({len(objects)} versions, read here in "
        f"{read_s * 1000:.0f} ms without making objects):"
    )
    for way, data, send, receive in ways:
        send_s = median_time(send, reps, nothing)
        if way == "columns":
            send_s -= read_s  # the worker only pickles what it read
        receive_s = median_time(receive, reps, nothing)
        print(
            f"  {way:<12} {len(data) / 1e6:5.2f} MB; worker packs+pickles {send_s * 1000:5.1f} ms,"
            f" parent unpickles+makes objects {receive_s * 1000:5.1f} ms"
            f" ({receive_s / read_s:.0%} of reading it)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
