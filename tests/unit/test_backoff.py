"""Waits: full-jitter backoff, the pause after overload, and how long a circuit stays open."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_ollama._resilience._backoff import full_jitter_delay, open_duration, overload_delay


def _top() -> float:
    return 1.0


@pytest.mark.parametrize(
    ("retry_number", "ceiling"),
    [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (100, 8.0), (10_000, 8.0)],
)
def test_full_jitter_delay_ceiling_doubles_up_to_the_cap(retry_number: int, ceiling: float) -> None:
    """With the random source at its top the wait is the ceiling: 0.5 s doubling to 8 s."""
    assert full_jitter_delay(retry_number, random=_top) == ceiling


def test_full_jitter_delay_scales_with_the_random_draw() -> None:
    """The wait is the draw times the ceiling, so zero is possible (full jitter)."""
    assert full_jitter_delay(2, random=lambda: 0.0) == 0.0
    assert full_jitter_delay(2, random=lambda: 0.25) == 0.5
    assert full_jitter_delay(1, base=2.0, cap=3.0, random=_top) == 3.0


def test_full_jitter_delay_rejects_a_negative_retry_number() -> None:
    """Retry numbers count from 0; a negative one is a bug in the caller."""
    with pytest.raises(ValueError, match="from 0"):
        full_jitter_delay(-1, random=_top)


@given(
    retry_number=st.integers(0, 200),
    draw=st.floats(0.0, 1.0, exclude_max=True),
    base=st.floats(0.0, 10.0),
    extra=st.floats(0.0, 100.0),
)
def test_full_jitter_delay_stays_within_its_formula(
    retry_number: int, draw: float, base: float, extra: float
) -> None:
    """For any inputs the wait lies in [0, min(cap, base * 2**n)]."""
    cap = base + extra
    delay = full_jitter_delay(retry_number, base=base, cap=cap, random=lambda: draw)
    assert 0.0 <= delay <= min(cap, base * 2.0 ** min(retry_number, 64))


@pytest.mark.parametrize(("draw", "expected"), [(0.0, 1.0), (0.5, 1.5), (0.75, 1.75)])
def test_overload_delay_is_uniform_between_one_and_two_seconds(
    draw: float, expected: float
) -> None:
    """After a busy server the wait is 1 s plus up to 1 s of jitter."""
    assert overload_delay(lambda: draw) == expected


def test_overload_delay_honours_a_custom_range() -> None:
    """The range comes from the policy when given."""
    assert overload_delay(lambda: 0.5, low=2.0, high=4.0) == 3.0


@pytest.mark.parametrize(
    ("opening", "expected"),
    [(1, 5.0), (2, 10.0), (3, 20.0), (4, 40.0), (5, 80.0), (6, 120.0), (7, 120.0), (500, 120.0)],
)
def test_open_duration_doubles_per_opening_up_to_the_cap(opening: int, expected: float) -> None:
    """Without jitter (draw 0.5) the k-th opening lasts 5 s * 2**(k-1), capped at 120 s."""
    assert open_duration(opening, random=lambda: 0.5) == expected


def test_open_duration_jitter_is_twenty_percent_either_way() -> None:
    """The lowest draw shortens the open period by 20%, the highest lengthens it by 20%."""
    assert open_duration(1, random=lambda: 0.0) == pytest.approx(4.0)
    assert open_duration(1, random=_top) == pytest.approx(6.0)
    assert open_duration(5, random=lambda: 0.0) == pytest.approx(64.0)
    assert open_duration(5, random=_top) == 96.0
    assert open_duration(6, random=lambda: 0.0) == 120.0


def test_open_duration_rejects_opening_zero() -> None:
    """Openings count from 1."""
    with pytest.raises(ValueError, match="from 1"):
        open_duration(0, random=_top)
