"""Splitting texts into ``/api/embed`` batches and running them with bounded concurrency.

:func:`run_bounded` starts at most ``limit`` workers that take the next job in order until none
is left, so never more than ``limit`` requests are in flight and never more than ``limit`` tasks
exist, however many batches there are. Results keep the order of the jobs. The first failure
cancels the remaining work and is raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, cast

__all__ = ["DEFAULT_MAX_CONCURRENT_BATCHES", "run_bounded", "split_batches"]

T = TypeVar("T")

DEFAULT_MAX_CONCURRENT_BATCHES = 4
"""Batches embedded at once by async calls when ``num_workers`` is not set."""


def split_batches(texts: Sequence[str], size: int) -> list[list[str]]:
    """Cut ``texts`` into consecutive batches of at most ``size`` texts.

    Raises:
        ValueError: ``size`` is not positive.
    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}: pass embed_batch_size >= 1")
    return [list(texts[start : start + size]) for start in range(0, len(texts), size)]


async def run_bounded(jobs: Sequence[Callable[[], Awaitable[T]]], *, limit: int) -> list[T]:
    """Await every job, at most ``limit`` at a time, and return their results in job order.

    Raises:
        ValueError: ``limit`` is not positive.
        BaseException: The first exception a job raised (the other jobs are cancelled).
    """
    if limit < 1:
        raise ValueError(f"concurrency limit must be at least 1, got {limit}")
    results: list[T | None] = [None] * len(jobs)
    pending = iter(range(len(jobs)))

    async def worker() -> None:
        for index in pending:  # one shared iterator: each job is taken by exactly one worker
            results[index] = await jobs[index]()

    workers = [asyncio.ensure_future(worker()) for _ in range(min(limit, len(jobs)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return cast("list[T]", results)  # every slot was filled by its job
