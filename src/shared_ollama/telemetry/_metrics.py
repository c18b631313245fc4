"""The client's metric instruments, with the GenAI conventions' advisory bucket boundaries.

Histograms (recorded with ``error.type`` on failed calls):

* ``gen_ai.client.operation.duration`` (s): every call that finished or failed.
* ``gen_ai.client.token.usage`` ({token}): per ``gen_ai.token.type``, ``input`` or ``output``.
* ``gen_ai.client.operation.time_to_first_chunk`` (s): streamed calls that got a chunk.
* ``gen_ai.client.operation.time_per_output_chunk`` (s): each chunk after the first, except
  the final ``done`` chunk (it carries statistics, not output).
* ``ollama.client.load.duration`` (s): replies that report ``load_duration``.

Counters:

* ``ollama.client.retries`` ({retry}): each retry, with the ``error.type`` that caused it.
* ``ollama.client.breaker.transitions`` ({transition}): each breaker state change per host.
* ``ollama.client.breaker.rejections`` ({request}): calls refused while the breaker was open.

No ``gen_ai.server.*`` metric: a client does not measure the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.metrics import Counter, Histogram, Meter

from shared_ollama.telemetry._records import Outcome
from shared_ollama.telemetry._semconv import ReplyStats

__all__ = [
    "DURATION_BUCKETS",
    "TIME_PER_CHUNK_BUCKETS",
    "TIME_TO_FIRST_CHUNK_BUCKETS",
    "TOKEN_BUCKETS",
    "Instruments",
]

DURATION_BUCKETS = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip
TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip
TIME_TO_FIRST_CHUNK_BUCKETS = (
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
TIME_PER_CHUNK_BUCKETS = (
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
)  # fmt: skip


class Instruments:
    """Every instrument the client records to, made once from one meter."""

    __slots__ = (
        "breaker_transitions",
        "duration",
        "load_duration",
        "rejections",
        "retries",
        "time_per_chunk",
        "time_to_first_chunk",
        "token_usage",
    )

    def __init__(self, meter: Meter) -> None:
        self.duration: Histogram = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="Duration of a GenAI operation, from the call to its last byte.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.token_usage: Histogram = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Input and output tokens used by a GenAI operation.",
            explicit_bucket_boundaries_advisory=TOKEN_BUCKETS,
        )
        self.time_to_first_chunk: Histogram = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time from the call to the first chunk of a streamed reply.",
            explicit_bucket_boundaries_advisory=TIME_TO_FIRST_CHUNK_BUCKETS,
        )
        self.time_per_chunk: Histogram = meter.create_histogram(
            "gen_ai.client.operation.time_per_output_chunk",
            unit="s",
            description="Time between consecutive output chunks of a streamed reply.",
            explicit_bucket_boundaries_advisory=TIME_PER_CHUNK_BUCKETS,
        )
        self.load_duration: Histogram = meter.create_histogram(
            "ollama.client.load.duration",
            unit="s",
            description="Time Ollama spent loading the model for a call (load_duration).",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.retries: Counter = meter.create_counter(
            "ollama.client.retries", unit="{retry}", description="Retries of Ollama calls."
        )
        self.breaker_transitions: Counter = meter.create_counter(
            "ollama.client.breaker.transitions",
            unit="{transition}",
            description="Circuit breaker state changes per Ollama host.",
        )
        self.rejections: Counter = meter.create_counter(
            "ollama.client.breaker.rejections",
            unit="{request}",
            description="Calls refused without touching the network because the breaker was open.",
        )

    def __repr__(self) -> str:
        return "Instruments(meter scope 'shared_ollama')"

    def record_call(
        self,
        base: Mapping[str, Any],
        *,
        stats: ReplyStats | None,
        outcome: Outcome,
        error_type: str | None,
        duration: float,
        ttft: float | None,
    ) -> None:
        """Record the histograms of one ended call.

        An abandoned stream (the caller stopped reading) records no duration: it would drag the
        distribution down with calls that did not finish.

        Args:
            base: The call's attributes (operation, provider, model, server, project).
            stats: The parsed final object, ``None`` when the call failed or was abandoned.
            outcome: ``ok``, ``error`` or ``abandoned``.
            error_type: The error's class name for failed calls.
            duration: Seconds from start to end.
            ttft: Seconds to the first chunk, for streams that got one.
        """
        attributes = dict(base)
        if stats is not None and stats.response_model is not None:
            attributes["gen_ai.response.model"] = stats.response_model
        if error_type is not None:
            attributes["error.type"] = error_type
        if outcome != "abandoned":
            self.duration.record(duration, attributes)
        if ttft is not None:
            self.time_to_first_chunk.record(ttft, attributes)
        if stats is None:
            return
        if stats.input_tokens is not None:
            self.token_usage.record(
                stats.input_tokens, {**attributes, "gen_ai.token.type": "input"}
            )
        if stats.output_tokens is not None:
            self.token_usage.record(
                stats.output_tokens, {**attributes, "gen_ai.token.type": "output"}
            )
        if stats.load_s is not None:
            self.load_duration.record(stats.load_s, attributes)
