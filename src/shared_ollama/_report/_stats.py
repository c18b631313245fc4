"""The statistics behind the report, in pure Python: no numpy, no scipy.

* :func:`quantile`: linear interpolation between order statistics (Hyndman-Fan type 7, the
  default of numpy and R).
* :func:`mann_whitney_greater`: one-sided Mann-Whitney U test, ``H1: x tends to be larger
  than y``. Exact null distribution when there are no ties and ``len(x) * len(y) <=
  EXACT_LIMIT`` (the coefficients of the Gaussian binomial ``[m+n choose m]_q``); otherwise the
  normal approximation with tie and continuity corrections.
* :func:`holm`: Holm-Bonferroni step-down adjusted p-values.
* :func:`bootstrap_median_ratio`: seeded percentile-bootstrap interval of
  ``median(candidate) / median(baseline)``, each side resampled independently.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

__all__ = [
    "DEFAULT_CONFIDENCE",
    "DEFAULT_RESAMPLES",
    "DEFAULT_SEED",
    "EXACT_LIMIT",
    "bootstrap_median_ratio",
    "holm",
    "mann_whitney_greater",
    "median",
    "quantile",
]

EXACT_LIMIT = 2500
DEFAULT_RESAMPLES = 2000
DEFAULT_CONFIDENCE = 0.95
DEFAULT_SEED = 20240607


def quantile(values: Sequence[float], q: float, *, presorted: bool = False) -> float:
    """Return the ``q`` quantile (0 <= q <= 1) by linear interpolation.

    Raises:
        ValueError: When ``values`` is empty or ``q`` is outside [0, 1].
    """
    if not values:
        raise ValueError("cannot take a quantile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q must be within [0, 1], got {q}")
    ordered = values if presorted else sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def median(values: Sequence[float]) -> float:
    """Return the median (the 0.5 quantile)."""
    return quantile(values, 0.5)


def _ranks(pooled: Sequence[float]) -> tuple[list[float], list[int]]:
    """Return mid-ranks of ``pooled`` (1-based) and the sizes of its groups of ties."""
    order = sorted(range(len(pooled)), key=pooled.__getitem__)
    ranks = [0.0] * len(pooled)
    ties: list[int] = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and pooled[order[end + 1]] == pooled[order[start]]:
            end += 1
        mid_rank = (start + end) / 2 + 1
        for index in order[start : end + 1]:
            ranks[index] = mid_rank
        if end > start:
            ties.append(end - start + 1)
        start = end + 1
    return ranks, ties


def _exact_upper_tail(u_statistic: float, m: int, n: int) -> float:
    """Return ``P(U >= u)`` under the null for sizes ``m``, ``n`` without ties (exact)."""
    # Coefficients of prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i): the count of arrangements per U.
    size = m * n + 1
    counts = [0] * size
    counts[0] = 1
    for i in range(1, m + 1):
        step = n + i
        for u in range(size - 1, step - 1, -1):
            counts[u] -= counts[u - step]
        for u in range(i, size):
            counts[u] += counts[u - i]
    total = sum(counts)
    threshold = math.ceil(u_statistic - 1e-9)
    return sum(counts[max(threshold, 0) :]) / total


def mann_whitney_greater(x: Sequence[float], y: Sequence[float]) -> float:
    """Return the one-sided p-value of the Mann-Whitney U test that ``x`` exceeds ``y``.

    ``U`` counts the pairs with ``x_i > y_j`` (ties count one half); small p means ``x``
    values tend to be larger.

    Raises:
        ValueError: When either sample is empty.
    """
    m, n = len(x), len(y)
    if not m or not n:
        raise ValueError("the Mann-Whitney test needs at least one value on each side")
    ranks, ties = _ranks([*x, *y])
    u_statistic = sum(ranks[:m]) - m * (m + 1) / 2
    if not ties and m * n <= EXACT_LIMIT:
        return _exact_upper_tail(u_statistic, m, n)
    total = m + n
    tie_term = sum(t**3 - t for t in ties) / (total * (total - 1))
    variance = m * n / 12 * ((total + 1) - tie_term)
    if variance <= 0:
        return 1.0
    z = (u_statistic - m * n / 2 - 0.5) / math.sqrt(variance)
    return 0.5 * math.erfc(z / math.sqrt(2))


def holm(p_values: Sequence[float]) -> list[float]:
    """Return Holm-Bonferroni adjusted p-values, in the input order, capped at 1."""
    count = len(p_values)
    order = sorted(range(count), key=p_values.__getitem__)
    adjusted = [0.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def bootstrap_median_ratio(
    baseline: Sequence[float],
    candidate: Sequence[float],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float]:
    """Return the percentile-bootstrap interval of ``median(candidate) / median(baseline)``.

    The same seed gives the same interval. Resamples whose baseline median is 0 are dropped.

    Raises:
        ValueError: When a sample is empty, or no resample had a non-zero baseline median.
    """
    if not baseline or not candidate:
        raise ValueError("the bootstrap needs at least one value on each side")
    rng = random.Random(seed)  # noqa: S311 (resampling, not cryptography)
    m, n = len(baseline), len(candidate)
    ratios: list[float] = []
    for _ in range(resamples):
        base = median(rng.choices(baseline, k=m))
        if base == 0:
            continue
        ratios.append(median(rng.choices(candidate, k=n)) / base)
    if not ratios:
        raise ValueError("every bootstrap resample had a baseline median of 0")
    ratios.sort()
    tail = (1 - confidence) / 2
    return (
        quantile(ratios, tail, presorted=True),
        quantile(ratios, 1 - tail, presorted=True),
    )
