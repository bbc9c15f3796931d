"""Read several workbooks (pre-flight and parse) in worker processes; results in the order given.

Reading is CPU-bound Python and Rust under the GIL, so threads do not help; a process pool does
once enough bytes are read to pay for starting it (measured by ``bench/parallel_read.py``). The
workers use the ``forkserver`` start method where it exists (Linux, macOS) and ``spawn``
elsewhere (Windows): never ``fork``, which is unsafe in a process with threads (the GUI reads in
a QThread). The fork server preloads the reader once, so later pools in the same session start
in milliseconds. A frozen (PyInstaller) build needs ``multiprocessing.freeze_support()`` at the
start of its entry point, which ``installer/qidesk_entry.py`` and ``qidesk/__main__.py`` call.

While the workers read (and while they start), this process reads the files no worker has taken
yet, the smallest first: a cold pool then costs little more than its start-up on an idle core.

A worker only reads files: it never opens the database nor imports Qt. It never makes its
versions into objects either: the reader keeps each data sheet's versions as columns
(:class:`~qidesk.sync.versions.VersionColumns`), which is what pickles back; the parent keeps
them as columns too (bench/parallel_read.py measures the payload).

If no pool can be started (a sandbox that forbids processes or semaphores) or a worker dies, the
files not yet read are read here, one after the other, as before.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qidesk.sync.preflight import PreflightError, check_file
from qidesk.sync.record_types import RecordTypeSpec, install_reader_specs, reader_specs
from qidesk.sync.versions import pack_versions, unpack_versions
from qidesk.sync.workbook_reader import ParsedWorkbook, ReadCancelled, WorkbookMeta, read_workbook

log = logging.getLogger(__name__)

#: pack_versions and unpack_versions (qidesk.sync.versions) are here too, for older callers.
__all__ = [
    "ReadJob",
    "ReadOutcome",
    "default_start_method",
    "pack_versions",
    "pool_context",
    "pool_pays",
    "read_one",
    "read_workbooks",
    "unpack_versions",
]

#: A pool is used for at least this many files ...
POOL_MIN_FILES = 2
#: ... whose reading here would take at least this long (seconds; estimated from the files read
#: so far). bench/parallel_read.py on 2 cores: a cold pool costs ~0.5 s to start (the fork
#: server imports the reader) and a worker spends ~25% more CPU per file than reading here
#: (packing, pickling, a fresh heap) while the parent spends ~10% rebuilding; it broke even
#: between 1 and 2 s of reading here (8 files, 1.2 s here: 1.15-1.65x slower in a cold pool;
#: 40 files, 6 s here: 0.73x). Spawned workers (Windows) each import the reader (~0.45 s CPU).
#: Below it, starting workers costs more than sharing the reading saves. Deciding by time, not
#: bytes, keeps a re-import whose sheets are skipped as already merged (fast) in this process.
#: (Measured when the reader still imported SQLAlchemy and the ORM models for its registry; it
#: now gets the registry as plain data and imports in ~0.1 s of CPU, so both thresholds are on
#: the safe side. They were not measured again, and never on Windows.)
POOL_MIN_SECONDS = {"forkserver": 1.5, "spawn": 3.0}
#: Bytes a file counts for at least when estimating reading times.
MIN_FILE_WEIGHT = 64 * 1024
#: How often the parent checks ``cancelled`` while it waits for the next result.
POLL_SECONDS = 0.05
#: While a pool reads, this process reads the files no worker has taken yet (smallest first).
PARENT_HELPS = True
#: Modules the fork server imports once, so that each worker forked from it starts warm.
WORKER_PRELOAD = ("qidesk.sync.reader_preload",)

Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class ReadJob:
    """One file to read and the name its problems and sources carry."""

    path: Path
    display_name: str


@dataclass
class ReadOutcome:
    """One file read: its parsed workbook, or (when pre-flight refused the file) an empty one and
    pre-flight's message."""

    parsed: ParsedWorkbook
    preflight_error: str | None = None


#: Announces one file: (files finished before it, its job). Called before a file is read when
#: reading in this process, and as its result arrives when reading in a pool.
Announce = Callable[[int, ReadJob], None]


def read_one(
    job: ReadJob, options: Mapping[str, Any] | None = None, cancelled: Cancelled | None = None
) -> ReadOutcome:
    """Pre-flight and read one file here. ``options`` are extra keyword arguments of
    :func:`read_workbook`."""
    try:
        result = check_file(job.path)
    except PreflightError as exc:
        empty = ParsedWorkbook(path=job.path, meta=WorkbookMeta(), display_name=job.display_name)
        return ReadOutcome(empty, str(exc))
    parsed = read_workbook(
        job.path, result, display_name=job.display_name, cancelled=cancelled, **(options or {})
    )
    return ReadOutcome(parsed)


def pool_pays(seconds_here: float, files: int, start_method: str) -> int:
    """Worker processes for ``files`` files that would take ``seconds_here`` to read here: 0
    (read them here) below the break-even, else one per file up to the number of CPUs."""
    cpus = os.cpu_count() or 1
    if files < POOL_MIN_FILES or cpus < 2:
        return 0
    if seconds_here < POOL_MIN_SECONDS.get(start_method, POOL_MIN_SECONDS["spawn"]):
        return 0
    return min(files, cpus)


def read_workbooks(
    jobs: Sequence[ReadJob],
    *,
    options: Mapping[str, Any] | None = None,
    cancelled: Cancelled | None = None,
    announce: Announce | None = None,
    workers: int | None = None,
    start_method: str | None = None,
) -> list[ReadOutcome]:
    """Read ``jobs``; outcomes in the order of ``jobs``, the same as reading them one by one.

    ``workers`` None decides while reading: files are read here, in order, until the rest would
    take long enough here (estimated from the time per byte so far) for a pool to pay
    (:func:`pool_pays`), which then reads the rest. 0 reads everything here; more uses a pool of
    that many processes from the start. ``start_method`` None is :func:`default_start_method`.
    Raises :class:`ReadCancelled` when ``cancelled()`` turns true (checked before each file
    here; with a pool, between results and every few hundredths of a second, and the workers
    are then stopped at once).
    """
    jobs = list(jobs)
    options = dict(options or {})
    method = start_method or default_start_method()
    outcomes: list[ReadOutcome | None] = [None] * len(jobs)
    # A file costs at least as much as a small workbook's worth of bytes (opening, metadata):
    # a tiny refused file must not make the rest look slow.
    sizes = [max(_size(job.path), MIN_FILE_WEIGHT) for job in jobs]
    finished = 0
    deciding = workers is None
    started = time.perf_counter()
    for index, job in enumerate(jobs):
        if cancelled is not None and cancelled():
            raise ReadCancelled()
        if deciding and index > 0:
            per_byte = (time.perf_counter() - started) / max(sum(sizes[:index]), 1)
            workers = pool_pays(per_byte * sum(sizes[index:]), len(jobs) - index, method)
        if workers:
            rest = list(range(index, len(jobs)))
            context = pool_context(method)
            finished = _read_in_pool(
                jobs, rest, options, cancelled, announce, workers, outcomes, context, finished
            )
            break
        if announce is not None:
            announce(finished, job)
        outcomes[index] = read_one(job, options, cancelled)
        finished += 1
    for index, job in enumerate(jobs):  # what a pool could not read (it did not start, or broke)
        if outcomes[index] is not None:
            continue
        if cancelled is not None and cancelled():
            raise ReadCancelled()
        if announce is not None:
            announce(finished, job)
        outcomes[index] = read_one(job, options, cancelled)
        finished += 1
    return [outcome for outcome in outcomes if outcome is not None]


# ---- the pool -----------------------------------------------------------------------------------


def default_start_method() -> str:
    """forkserver where available (Linux, macOS), else spawn (Windows); never fork."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def pool_context(start_method: str | None = None) -> Any:
    """The multiprocessing context for readers (see :func:`default_start_method`)."""
    start_method = start_method or default_start_method()
    if start_method == "fork":
        raise ValueError("readers never fork: the parent has threads (the GUI reads in a QThread)")
    if start_method == "forkserver":
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(WORKER_PRELOAD))
        return context
    return multiprocessing.get_context(start_method)


def _read_in_pool(
    jobs: list[ReadJob],
    indices: list[int],
    options: dict[str, Any],
    cancelled: Cancelled | None,
    announce: Announce | None,
    workers: int,
    outcomes: list[ReadOutcome | None],
    context: Any,
    finished: int,
) -> int:
    """Fill ``outcomes`` at ``indices`` from a pool; returns ``finished`` plus how many were
    read. Files left None (the pool could not start, or broke) are for the caller to read."""
    try:
        executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_start,
            initargs=(options, reader_specs()),
        )
    except (OSError, ImportError, NotImplementedError, ValueError) as exc:
        log.warning("cannot start reader processes (%s); reading the files one by one", exc)
        return finished
    log.info(
        "reading %d workbook(s) in %d %s worker process(es)",
        len(indices),
        workers,
        context.get_start_method(),
    )
    try:
        # The biggest files first: the last file to finish is then a small one.
        order = sorted(indices, key=lambda i: -_size(jobs[i].path))
        futures: dict[Future[Any], int] = {}
        try:
            for index in order:
                futures[executor.submit(_worker_read, jobs[index])] = index
        except (OSError, RuntimeError) as exc:  # a process or thread could not be started
            raise BrokenProcessPool(str(exc)) from exc
        pending = set(futures)
        # Files no worker has taken yet, the smallest last: this process reads them itself
        # while it would only wait (above all while the workers start).
        untaken = list(futures) if PARENT_HELPS else []
        while pending:
            if cancelled is not None and cancelled():
                raise ReadCancelled()
            timeout = 0 if untaken else POLL_SECONDS
            done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            for number, future in enumerate(sorted(done, key=futures.__getitem__)):
                if number and cancelled is not None and cancelled():
                    raise ReadCancelled()
                index = futures[future]
                outcomes[index] = _received(future.result())
                if announce is not None:
                    announce(finished, jobs[index])
                finished += 1
            if untaken and not done:
                future = untaken.pop()
                if not future.cancel():  # a worker has it, so has it every file before it
                    untaken.clear()
                    continue
                pending.discard(future)
                index = futures[future]
                outcomes[index] = _received(read_one(jobs[index], options, cancelled))
                if announce is not None:
                    announce(finished, jobs[index])
                finished += 1
    except BrokenProcessPool as exc:
        log.warning(
            "reader processes failed (%s); reading the remaining %d file(s) one by one",
            exc,
            sum(outcomes[i] is None for i in indices),
        )
        _stop(executor)
        return finished
    except BaseException:  # cancelled, or an error to pass on: stop the workers first
        _stop(executor)
        raise
    executor.shutdown(wait=True)
    return finished


def _stop(executor: ProcessPoolExecutor) -> None:
    """Cancel what has not started, stop the workers now, and do not wait for their results.

    (``shutdown`` alone would let running workers finish their files; the executor forgets its
    processes on shutdown, so they are taken first.)"""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# ---- in the worker ------------------------------------------------------------------------------

_worker_options: dict[str, Any] = {}


def _worker_start(options: dict[str, Any], specs: tuple[RecordTypeSpec, ...]) -> None:
    """Worker set-up: the reader's extra options (sent once per worker, not per file), the
    record-type registry as plain data (so the worker never imports SQLAlchemy or the ORM),
    and the cyclic garbage collector off, as in the parent during an import (reading makes many
    small acyclic objects; reference counting frees them)."""
    global _worker_options
    _worker_options = options
    install_reader_specs(specs)
    gc.disable()


def _worker_read(job: ReadJob) -> ReadOutcome:
    """Read one file; its versions stay columns (never made into objects here), which is what
    pickles back to the parent (``ParsedWorkbook.__getstate__``)."""
    return read_one(job, _worker_options)


def _received(outcome: ReadOutcome) -> ReadOutcome:
    """A result from a worker, or read here while the workers read. Its versions stay columns:
    the checks and the merge take them as they are (``merge.plan_merge`` makes objects only of
    the versions it must look at one by one)."""
    return outcome
