"""The in-flight cap halves on each 503 and grows back by one per run of successes."""

from __future__ import annotations

import pytest

from shared_ollama._resilience._adaptive_limit import AdaptiveLimit


def _run(limit: AdaptiveLimit, *, busy: bool) -> None:
    assert limit.has_room()
    limit.start()
    limit.finish(busy=busy)


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        ("", 4),
        ("B", 2),
        ("BB", 1),
        ("BBB", 1),
        ("B" + "S" * 2, 3),
        ("BB" + "S" * 1 + "S" * 2 + "S" * 3, 4),
        ("S" * 50, 4),
    ],
)
def test_adaptive_limit_follows_aimd(outcomes: str, expected: int) -> None:
    """B = busy answer, S = success: halve on B (floor 1), +1 after `limit` successes (cap 4)."""
    limit = AdaptiveLimit(4)
    for outcome in outcomes:
        _run(limit, busy=outcome == "B")
    assert limit.limit == expected


def test_adaptive_limit_has_no_room_at_the_cap() -> None:
    """With the limit reached, no further request may start until one finishes."""
    limit = AdaptiveLimit(2)
    limit.start()
    limit.start()
    assert not limit.has_room()
    limit.finish(busy=True)
    assert limit.limit == 1
    assert not limit.has_room()
    limit.finish(busy=False)
    assert limit.has_room()


def test_adaptive_limit_rejects_zero() -> None:
    """max_in_flight below one is a clear error."""
    with pytest.raises(ValueError, match="at least 1"):
        AdaptiveLimit(0)
