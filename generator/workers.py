"""Independent per-item work (the check of each file, the rendering of each page) spread over the cores.

Worker processes are forked, so they inherit the work function and everything it refers to (the fact
base, the templates): only the items and the results cross the pipes. Results come back in item order,
so the output does not depend on how the work was split. The work runs in this process instead when
forking is unsafe or not worth it: one core or one job asked for, few items, other threads running
(`factsheet serve`), or a platform where forking is not the default; and again in this process if a
worker dies (the work is pure, so redoing it is safe, and a dead worker never leaves the build hanging).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar, cast

Item = TypeVar("Item")
Result = TypeVar("Result")

_CHUNKS_PER_JOB = 4  # a few chunks per process, so that one slow chunk does not leave a core idle

# Set in each worker process, before any chunk arrives. Any: a module global cannot carry the item type
# of the `spread` call that set it; that call sends the worker only its own items.
_work: Callable[[Any], object] | None = None


def available_cores() -> int:
    """The cores this process may run on (fewer than the machine's under a CPU affinity mask)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    # Forking copies only the calling thread: with others running, a lock one of them holds stays held.
    return sys.platform == "linux" and threading.active_count() == 1


def _start(work: Callable[[Any], object]) -> None:
    global _work
    _work = work
    gc.freeze()  # the inherited objects are never collected here: their pages stay shared, not copied


def _run(chunk: Sequence[object]) -> list[object]:
    assert _work is not None
    return [_work(item) for item in chunk]


def spread(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    *,
    jobs: int | None = None,
    min_per_job: int = 1,
    alone: int = 0,
) -> list[Result]:
    """[work(item) for item in items], over `jobs` processes (default: every available core) when there
    are at least `min_per_job` items for each. Items and results must pickle; `work` need not.

    Each of the first `alone` items is sent to a worker on its own, before the others: a long job, which
    the many short ones then fill in around (in a chunk of its own, it does not hold the items after it)."""
    return list(each(work, items, jobs=jobs, min_per_job=min_per_job, alone=alone))


def each(
    work: Callable[[Item], Result],
    items: Sequence[Item],
    *,
    jobs: int | None = None,
    min_per_job: int = 1,
    alone: int = 0,
) -> Iterator[Result]:
    """`spread`'s results one at a time, in item order, each as soon as its chunk is done: the caller
    works on the first results while the processes still work on the others."""
    jobs = min(jobs or available_cores(), (len(items) - alone) // max(min_per_job, 1))
    if jobs <= 1 or not can_fork():
        yield from (work(item) for item in items)
        return
    # Imported here: a check of a few changed files never forks, and these cost a command's start 25 ms.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = -(-(len(items) - alone) // (jobs * _CHUNKS_PER_JOB))
    chunks = [items[i : i + 1] for i in range(alone)]
    chunks += [items[i : i + size] for i in range(alone, len(items), size)]
    context = multiprocessing.get_context("fork")
    done = 0
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start, initargs=(work,)) as pool:
            for part in pool.map(_run, chunks):
                # Each result is what `work` returned in the worker, so a Result; the pipe types it object.
                yield from cast("list[Result]", part)
                done += len(part)
    except BrokenProcessPool:  # a worker died (killed, out of memory): the work is pure, do the rest here
        yield from (work(item) for item in items[done:])


@contextmanager
def made_apart(make: Callable[[], Result]) -> Iterator[Result]:
    """`make()`'s value, made with the cyclic garbage collector paused, and kept out of its sight with
    everything else alive then (`gc.freeze`) until the block ends. For many objects that form no cycles
    and live as long as the block (the fact base, unpickled): the collector scanned them again each time
    they survived a generation, 0.35 s of an incremental build at 10,000 facts. Frozen objects are still
    freed by reference counting."""
    with ExitStack() as frozen:
        enabled = gc.isenabled()
        gc.disable()
        try:
            value = make()
            # Frozen before the collector runs again: it would scan all of them once more first.
            frozen.enter_context(collected_apart())
        finally:
            if enabled:
                gc.enable()
        yield value


@contextmanager
def collected_apart() -> Iterator[None]:
    """Keep the cyclic garbage collector off the objects that exist now (the fact base, the pages) while
    the pages or the site are built: each full collection scanned those millions of objects again (0.2-0.3
    s apiece at 10,000 facts, most of an incremental build's MkDocs overhead). `gc.freeze` moves them to a
    generation the collector skips; `gc.unfreeze` gives them back (garbage among them is freed then;
    collecting it first would be the very scan this avoids)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def few_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while the fact base and the pages are built.

    They are millions of small objects (parse nodes, model values, page contexts) that form no cycles,
    and with CPython's default thresholds the collector scans them again and again: a quarter of a
    10,000-fact check. Memory is still freed by reference counting; the thresholds are restored after."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)
