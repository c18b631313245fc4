"""How long to wait: full-jitter backoff before a retry, the pause after overload, open circuits.

Both are pure functions of a random source, so tests pass a fixed one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared_ollama._resilience._policy import (
    DEFAULT_BACKOFF_BASE,
    DEFAULT_BACKOFF_CAP,
    DEFAULT_BASE_OPEN,
    DEFAULT_JITTER,
    DEFAULT_MAX_OPEN,
    DEFAULT_OVERLOAD_DELAY,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["full_jitter_delay", "open_duration", "overload_delay"]

_MAX_EXPONENT = 64  # 2**64 * any sane base is far past any cap; keeps the float finite


def full_jitter_delay(
    retry_number: int,
    *,
    base: float = DEFAULT_BACKOFF_BASE,
    cap: float = DEFAULT_BACKOFF_CAP,
    random: Callable[[], float],
) -> float:
    """Wait before a retry, by full jitter: ``uniform(0, min(cap, base * 2**retry_number))``.

    With the defaults the ceilings are 0.5, 1, 2, 4, 8, 8, ... seconds for retries 0, 1, 2, ...

    Args:
        retry_number: 0 for the first retry of a call, 1 for the second, and so on.
        base: Ceiling in seconds of the first retry's wait.
        cap: The longest wait in seconds.
        random: Returns a float in ``[0, 1)``, like :func:`random.random`.

    Returns:
        Seconds to wait, in ``[0, min(cap, base * 2**retry_number))``.

    Raises:
        ValueError: If ``retry_number`` is negative.
    """
    if retry_number < 0:
        raise ValueError(f"retry_number counts retries from 0, got {retry_number}")
    ceiling = min(cap, base * 2.0 ** min(retry_number, _MAX_EXPONENT))
    return random() * ceiling


def overload_delay(
    random: Callable[[], float],
    *,
    low: float = DEFAULT_OVERLOAD_DELAY[0],
    high: float = DEFAULT_OVERLOAD_DELAY[1],
) -> float:
    """Wait before retrying a busy server (503 queue full, 429): ``uniform(low, high)``.

    Ollama sends no ``Retry-After``; a fixed pause with jitter spreads the retries of many callers
    that were turned away together.

    Args:
        random: Returns a float in ``[0, 1)``, like :func:`random.random`.
        low: Shortest wait in seconds.
        high: Longest wait in seconds.

    Returns:
        Seconds to wait, in ``[low, high)``.
    """
    return low + (high - low) * random()


def open_duration(
    opening: int,
    *,
    base: float = DEFAULT_BASE_OPEN,
    cap: float = DEFAULT_MAX_OPEN,
    jitter: float = DEFAULT_JITTER,
    random: Callable[[], float],
) -> float:
    """How long a circuit stays open: ``min(cap, base * 2**(opening-1) * uniform(1-j, 1+j))``.

    With the defaults the k-th consecutive opening lasts about 5, 10, 20, 40, 80, 120, ... seconds,
    each within 20% either way (and never over the cap).

    Args:
        opening: 1 for the first opening since the circuit last closed, 2 for the next, ...
        base: Seconds open after the first opening.
        cap: The longest open duration in seconds.
        jitter: Relative jitter ``j`` in ``[0, 1)``.
        random: Returns a float in ``[0, 1)``, like :func:`random.random`.

    Returns:
        Seconds to stay open.

    Raises:
        ValueError: If ``opening`` is below 1.
    """
    if opening < 1:
        raise ValueError(f"opening counts openings from 1, got {opening}")
    factor = 1.0 + jitter * (2.0 * random() - 1.0)
    return min(cap, base * 2.0 ** min(opening - 1, _MAX_EXPONENT) * factor)
