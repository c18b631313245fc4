"""Timing of contenders: warm-up, calibrated batches, interleaved rounds and medians.

The plan is pure (:func:`batch_size`, :func:`round_order`, :func:`summarize`); :class:`Runner`
is the thin shell that calls a contender and reads the clocks. CPU time is
``time.process_time()`` of this process (the server runs in another process, so its work never
counts); wall time is ``time.perf_counter()``.

Within one case every round runs every contender once, one batch each, and the order flips
every round (A B C, then C B A, ...), so slow drifts of a shared, noisy machine fall on all
contenders alike. Reported figures are medians over rounds of the per-call time of each batch.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "DEFAULT_PLAN",
    "QUICK_PLAN",
    "Call",
    "Plan",
    "Runner",
    "Summary",
    "batch_size",
    "round_order",
    "summarize",
]

Call = Callable[[], Any]
"""One call of a contender: returns a result, or an awaitable of it for async contenders."""

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Plan:
    """How much to run each contender.

    Attributes:
        warmup_calls: Calls before timing starts (the first one is checked for correctness).
        rounds: Interleaved rounds; each gives one sample per contender.
        batch_cpu_s: Target CPU seconds of one timed batch; sets the calls per batch.
        max_batch: Upper bound on calls per batch.
    """

    warmup_calls: int
    rounds: int
    batch_cpu_s: float
    max_batch: int


DEFAULT_PLAN = Plan(warmup_calls=3, rounds=7, batch_cpu_s=0.08, max_batch=400)
"""The plan of a full run."""

QUICK_PLAN = Plan(warmup_calls=1, rounds=2, batch_cpu_s=0.0, max_batch=1)
"""A smoke run: one checked warm-up call and two one-call rounds per contender."""


@dataclass(frozen=True, slots=True)
class Summary:
    """Medians and spread of per-call times over rounds.

    Attributes:
        cpu_s: Median client CPU seconds per call.
        wall_s: Median wall seconds per call.
        cpu_min_s: Fastest round's CPU seconds per call.
        cpu_max_s: Slowest round's CPU seconds per call.
        calls: Calls per batch.
        rounds: Rounds measured.
    """

    cpu_s: float
    wall_s: float
    cpu_min_s: float
    cpu_max_s: float
    calls: int
    rounds: int


def batch_size(one_call_cpu_s: float, plan: Plan) -> int:
    """Return how many calls make one batch of about ``plan.batch_cpu_s`` CPU seconds.

    Args:
        one_call_cpu_s: CPU seconds of one call, from the warm-up.
        plan: The plan.

    Returns:
        A count between 1 and ``plan.max_batch``.
    """
    if one_call_cpu_s <= 0:
        return plan.max_batch
    return max(1, min(plan.max_batch, round(plan.batch_cpu_s / one_call_cpu_s)))


def round_order(names: Sequence[_T], round_index: int) -> list[_T]:
    """Return the order of contenders in a round: forward on even rounds, reversed on odd ones.

    Args:
        names: Contenders in their declared order.
        round_index: Zero-based round number.

    Returns:
        The order for that round.
    """
    return list(names) if round_index % 2 == 0 else list(reversed(names))


def summarize(samples: Sequence[tuple[float, float]], calls: int) -> Summary:
    """Reduce per-round samples to medians.

    Args:
        samples: ``(cpu_s, wall_s)`` per call, one pair per round.
        calls: Calls per batch.

    Returns:
        The summary.

    Raises:
        ValueError: ``samples`` is empty.
    """
    if not samples:
        raise ValueError("no samples to summarize: run at least one round")
    cpu = [sample[0] for sample in samples]
    wall = [sample[1] for sample in samples]
    return Summary(
        cpu_s=statistics.median(cpu),
        wall_s=statistics.median(wall),
        cpu_min_s=min(cpu),
        cpu_max_s=max(cpu),
        calls=calls,
        rounds=len(samples),
    )


class Runner:
    """Runs calls in batches and reads the clocks (the I/O shell of this module).

    Args:
        loop: Event loop for async contenders (one loop for the whole run, so async clients
            keep their connections).
        cpu_clock: CPU clock of this process.
        wall_clock: Monotonic wall clock.
    """

    __slots__ = ("_cpu_clock", "_loop", "_wall_clock")

    def __init__(
        self,
        *,
        loop: asyncio.AbstractEventLoop,
        cpu_clock: Callable[[], float] = time.process_time,
        wall_clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._loop = loop
        self._cpu_clock = cpu_clock
        self._wall_clock = wall_clock

    def __repr__(self) -> str:
        return f"Runner(loop={self._loop!r})"

    def settle(self) -> None:
        """Collect garbage, then freeze every surviving object out of the collector's reach.

        With LangChain and LlamaIndex loaded, a full collection scans some 200,000 objects
        (about a second on a loaded machine); frozen, that cost no longer lands on whichever
        contender happens to trigger a collection.
        """
        gc.collect()
        gc.freeze()

    def once(self, call: Call, *, is_async: bool) -> Any:
        """Run one call (on the loop when it is async) and return its result."""
        if is_async:
            return self._loop.run_until_complete(_awaited(call()))
        return call()

    def batch(self, call: Call, calls: int, *, is_async: bool) -> tuple[float, float]:
        """Time ``calls`` calls in a row.

        Args:
            call: The contender's call.
            calls: How many calls (at least one).
            is_async: Whether ``call`` returns an awaitable.

        Returns:
            ``(cpu_s, wall_s)`` per call.
        """
        calls = max(calls, 1)
        gc.collect()
        if is_async:
            coroutine = _repeat_async(call, calls)
            cpu, wall = self._cpu_clock(), self._wall_clock()
            self._loop.run_until_complete(coroutine)
        else:
            cpu, wall = self._cpu_clock(), self._wall_clock()
            for _ in range(calls):
                call()
        return (self._cpu_clock() - cpu) / calls, (self._wall_clock() - wall) / calls


async def _awaited(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


async def _repeat_async(call: Call, calls: int) -> None:
    for _ in range(calls):
        await call()
