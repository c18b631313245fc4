"""The report's statistics against known answers (and scipy, when it is installed)."""

from __future__ import annotations

import math
import random

import pytest

from shared_ollama._report._stats import (
    bootstrap_median_ratio,
    holm,
    mann_whitney_greater,
    median,
    quantile,
)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1.0], 0.5, 1.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
        ([1.0, 2.0, 3.0, 4.0], 0.25, 1.75),
        ([4.0, 1.0, 3.0, 2.0], 1.0, 4.0),
        ([10.0, 20.0], 0.0, 10.0),
        ([0.0, 10.0], 0.95, 9.5),
    ],
)
def test_quantile_interpolates_linearly(values: list[float], q: float, expected: float) -> None:
    """Quantiles match numpy's default (type 7) definition."""
    assert quantile(values, q) == pytest.approx(expected)


def test_quantile_rejects_empty_and_out_of_range() -> None:
    """No values or q outside [0, 1] is a ValueError."""
    with pytest.raises(ValueError, match="no values"):
        quantile([], 0.5)
    with pytest.raises(ValueError, match="within"):
        quantile([1.0], 1.5)


def test_mann_whitney_exact_small_case() -> None:
    """Complete separation of 3 vs 3 has p = 1 / C(6, 3) = 0.05."""
    assert mann_whitney_greater([4.0, 5.0, 6.0], [1.0, 2.0, 3.0]) == pytest.approx(1 / 20)
    assert mann_whitney_greater([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == pytest.approx(1.0)


def test_mann_whitney_exact_distribution_sums_to_one() -> None:
    """P(U >= 0) is 1 for any sizes: the exact counts add up to C(m + n, m)."""
    x = [float(i) for i in range(7)]
    y = [float(i) + 0.5 for i in range(9)]
    assert mann_whitney_greater(x, y) <= 1.0
    assert mann_whitney_greater([-1e9] * 1 + x[1:], y) <= mann_whitney_greater(x, y)


def test_mann_whitney_agrees_with_scipy() -> None:
    """Exact and asymptotic p-values match scipy's one-sided test."""
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(7)
    cases = [
        ([rng.gauss(1.0, 1) for _ in range(12)], [rng.gauss(0.0, 1) for _ in range(15)], "exact"),
        ([rng.gauss(0.3, 1) for _ in range(80)], [rng.gauss(0.0, 1) for _ in range(90)],
         "asymptotic"),
        ([float(rng.randint(0, 5)) for _ in range(40)], [float(rng.randint(0, 4)) for _ in range(30)],
         "asymptotic"),
    ]  # fmt: skip
    for x, y, method in cases:
        expected = stats.mannwhitneyu(x, y, alternative="greater", method=method).pvalue
        assert mann_whitney_greater(x, y) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_holm_adjusts_step_down_and_keeps_order() -> None:
    """Holm multiplies the i-th smallest p by (m - i), keeps it monotone and caps it at 1."""
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_bootstrap_is_seeded_and_brackets_the_true_ratio() -> None:
    """The same seed gives the same interval, and a 1.2x shift lands inside it."""
    rng = random.Random(3)
    base = [math.exp(rng.gauss(0, 0.1)) for _ in range(60)]
    cand = [1.2 * math.exp(rng.gauss(0, 0.1)) for _ in range(60)]
    first = bootstrap_median_ratio(base, cand, seed=11, resamples=500)
    assert first == bootstrap_median_ratio(base, cand, seed=11, resamples=500)
    assert first != bootstrap_median_ratio(base, cand, seed=12, resamples=500)
    low, high = first
    assert low < 1.2 < high
    assert low > 1.0
    assert median(cand) / median(base) == pytest.approx(1.2, rel=0.1)


def test_bootstrap_rejects_empty_samples() -> None:
    """An empty side is a ValueError."""
    with pytest.raises(ValueError, match="each side"):
        bootstrap_median_ratio([], [1.0])
