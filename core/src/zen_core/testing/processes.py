"""Running store operations in other processes, for the contract suite.

:func:`run_concurrently` starts one *spawned* process per job; each opens its
own store through an opener (so openers and jobs must pickle: module-level
functions, ``functools.partial``), waits at a barrier with the others, runs its
job and sends back the result. :func:`done_count` lets a reader job watch the
writers finish. :func:`run_and_kill` runs one job and kills its process with
SIGKILL (``kill -9``) while it runs.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import queue as _queue
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from zen_core.store import BaseStore

#: Seconds a whole concurrent run may take before the test fails.
CONCURRENCY_TIMEOUT = 120.0

Opener = Callable[[], BaseStore] | tuple[str, str]


def open_store(opener: Opener) -> BaseStore:
    """Another instance of the store behind ``opener`` (a callable or ``("mod:Class", url)``)."""
    if isinstance(opener, tuple):
        spec, url = opener
        module_name, _, class_name = spec.partition(":")
        store_class = getattr(importlib.import_module(module_name), class_name)
        return store_class(url)
    return opener()


#: State of a child process, set by :func:`_child_main` before the job runs.
_CHILD: dict[str, Any] = {}


def _child_main(opener, func, args, index, barrier, done, results) -> None:
    try:
        store = open_store(opener)
        _CHILD["done"] = done
        barrier.wait(CONCURRENCY_TIMEOUT)
        try:
            value = func(store, *args)
        finally:
            store.close()
        results.put((index, True, value))
    except BaseException as err:
        barrier.abort()  # release the others at once instead of after the timeout
        results.put((index, False, f"{type(err).__name__}: {err}\n{traceback.format_exc()}"))
    finally:
        with done.get_lock():
            done.value += 1


def run_concurrently(
    opener: Opener,
    jobs: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]],
    timeout: float = CONCURRENCY_TIMEOUT,
) -> list[Any]:
    """Run each ``func(store, *args)`` of ``jobs`` in its own spawned process, all at once.

    Every process opens its own store through ``opener`` and waits for the
    others before starting. Returns the values in job order; fails the test if a
    job raised, a process died or the run took longer than ``timeout``.
    """
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    barrier = ctx.Barrier(len(jobs))
    done = ctx.Value("i", 0)
    processes = [
        ctx.Process(
            target=_child_main,
            args=(opener, func, args, i, barrier, done, results),
            name=f"zen-contract-{i}",
        )
        for i, (func, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    got: dict[int, tuple[bool, Any]] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(got) < len(jobs) and time.monotonic() < deadline:
            try:
                index, ok, value = results.get(timeout=0.2)
            except _queue.Empty:
                if not any(p.is_alive() for p in processes):
                    with contextlib.suppress(_queue.Empty):
                        while len(got) < len(jobs):
                            index, ok, value = results.get(timeout=1.0)
                            got[index] = (ok, value)
                    break
                continue
            got[index] = (ok, value)
        for process in processes:
            process.join(max(0.1, deadline - time.monotonic()))
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    problems = [
        f"job {i} ({jobs[i][0].__name__}): "
        + (got[i][1] if i in got else f"no result (exit code {processes[i].exitcode})")
        for i in range(len(jobs))
        if i not in got or not got[i][0]
    ]
    assert not problems, "concurrent jobs failed:\n" + "\n".join(problems)
    return [got[i][1] for i in range(len(jobs))]



def done_count() -> int:
    """In a job: how many jobs of this run have finished so far."""
    return _CHILD["done"].value


def _killable_main(opener, func, args, started, took) -> None:
    store = open_store(opener)
    store.stack_names()  # connected and ready: what is timed and killed is the job alone
    started.set()
    start = time.monotonic()
    func(store, *args)
    took.value = time.monotonic() - start
    store.close()


def run_and_kill(opener: Opener, func: Callable[..., Any], args: tuple[Any, ...],
                 kill_after: float | None, timeout: float = CONCURRENCY_TIMEOUT) -> float | None:
    """Run ``func(store, *args)`` in a spawned process that opens its own store.

    ``kill_after`` None: wait for it, and return how many seconds ``func`` took. Else
    kill the process with SIGKILL (TerminateProcess on Windows) that many seconds after
    ``func`` started, and return None (or its time, if it was done by then). Fails the
    test if the job raised or did not start or end within ``timeout``.
    """
    ctx = multiprocessing.get_context("spawn")
    started = ctx.Event()
    took = ctx.Value("d", -1.0)
    process = ctx.Process(target=_killable_main, args=(opener, func, args, started, took),
                          name="zen-contract-killed")
    process.start()
    try:
        deadline = time.monotonic() + timeout
        while not started.wait(0.1):
            assert process.is_alive(), f"the job died before it started (exit code " \
                                       f"{process.exitcode}; its traceback is above)"
            assert time.monotonic() < deadline, f"the job did not start within {timeout} s"
        process.join(timeout if kill_after is None else kill_after)
        if process.is_alive() and kill_after is not None:
            process.kill()
            process.join()
            return None
        assert not process.is_alive(), f"the job did not end within {timeout} s"
    finally:
        if process.is_alive():
            process.kill()
            process.join()
    assert process.exitcode == 0, \
        f"the job failed (exit code {process.exitcode}; its traceback is above)"
    return took.value
