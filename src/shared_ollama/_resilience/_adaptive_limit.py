"""How many requests a client may have in flight to one host: a cap that learns from 503s.

Ollama answers ``503 server busy`` when its queue (``OLLAMA_MAX_QUEUE``) is full, which on a
shared daemon means *everybody* is sending too much. The limit starts at the client's
``max_in_flight`` and follows additive-increase, multiplicative-decrease: each busy answer halves
it (never below one), and each run of ``limit`` successes raises it by one again (never above the
configured maximum). So a client backs off to what the daemon can take and creeps back up when
the pressure is gone. Pure bookkeeping; the clients wait on it with a condition variable.
"""

from __future__ import annotations

__all__ = ["AdaptiveLimit"]


class AdaptiveLimit:
    """The current cap on requests in flight, adjusted by outcomes.

    Args:
        maximum: The configured ``max_in_flight``; the cap never exceeds it.
    """

    __slots__ = ("_successes", "in_flight", "limit", "maximum")

    def __init__(self, maximum: int) -> None:
        if maximum < 1:
            raise ValueError(f"max_in_flight={maximum!r} must be at least 1.")
        self.maximum = maximum
        self.limit = maximum
        self.in_flight = 0
        self._successes = 0

    def has_room(self) -> bool:
        """Whether one more request may start now."""
        return self.in_flight < self.limit

    def start(self) -> None:
        """Count a request as in flight (call only when :meth:`has_room`)."""
        self.in_flight += 1

    def finish(self, *, busy: bool) -> None:
        """A request ended; ``busy`` when the server said its queue was full."""
        self.in_flight -= 1
        if busy:
            self.limit = max(1, self.limit // 2)
            self._successes = 0
            return
        self._successes += 1
        if self._successes >= self.limit and self.limit < self.maximum:
            self.limit += 1
            self._successes = 0

    def reset(self) -> None:
        """Forget the busy answers seen so far: back to the maximum (in-flight requests stay counted)."""
        self.limit = self.maximum
        self._successes = 0

    def __repr__(self) -> str:
        return f"AdaptiveLimit(limit={self.limit}/{self.maximum}, in_flight={self.in_flight})"
