"""The bridge from tenacity's retry loop to a call's telemetry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tenacity import RetryCallState

    from shared_ollama.telemetry import CallObservation

__all__ = ["telemetry_retry_hook"]


def telemetry_retry_hook(observation: CallObservation) -> Callable[[RetryCallState], None]:
    """A ``before_sleep`` hook that reports each retry (attempt number and cause) to telemetry."""

    def before_sleep(state: RetryCallState) -> None:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None and outcome.failed else None
        if exc is not None:
            observation.retry(
                state.attempt_number + 1, exc
            )  # the first attempt ran before tenacity

    return before_sleep
