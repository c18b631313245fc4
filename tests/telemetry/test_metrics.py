"""Metrics: the conventions' histograms with advisory buckets, and our counters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from shared_ollama._errors import ModelNotFoundError, ServerBusyError
from shared_ollama.telemetry import Instrumentation
from shared_ollama.telemetry._metrics import (
    DURATION_BUCKETS,
    TIME_PER_CHUNK_BUCKETS,
    TIME_TO_FIRST_CHUNK_BUCKETS,
    TOKEN_BUCKETS,
)

MakeInstrumentation = Callable[..., Instrumentation]


def points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    """Return every data point by metric name."""
    found: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            assert scope.scope.name == "shared_ollama"
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


def units(reader: InMemoryMetricReader) -> dict[str, str]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        metric.name: metric.unit
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }


def stream_chat(instrumentation: Instrumentation, shapes: dict[str, Any]) -> None:
    observation = instrumentation.start(
        operation="chat", model="smollm2:135m", body=shapes["chat_body"], stream=True,
        server_address="127.0.0.1", server_port=11434,
    )  # fmt: skip
    for chunk in shapes["chat_chunks"]:
        observation.chunk(chunk)
    observation.finish(shapes["chat_chunks"][-1])


def test_streamed_chat_records_every_histogram_with_advisory_buckets(
    make_instrumentation: MakeInstrumentation,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
) -> None:
    """Duration, tokens, TTFT, per-chunk time and load time, each with its buckets and unit."""
    stream_chat(make_instrumentation(), shapes)
    found = points(metric_reader)

    assert units(metric_reader) == {
        "gen_ai.client.operation.duration": "s",
        "gen_ai.client.token.usage": "{token}",
        "gen_ai.client.operation.time_to_first_chunk": "s",
        "gen_ai.client.operation.time_per_output_chunk": "s",
        "ollama.client.load.duration": "s",
    }
    assert tuple(found["gen_ai.client.operation.duration"][0].explicit_bounds) == DURATION_BUCKETS
    assert tuple(found["gen_ai.client.token.usage"][0].explicit_bounds) == TOKEN_BUCKETS
    ttft = found["gen_ai.client.operation.time_to_first_chunk"][0]
    assert tuple(ttft.explicit_bounds) == TIME_TO_FIRST_CHUNK_BUCKETS
    per_chunk = found["gen_ai.client.operation.time_per_output_chunk"][0]
    assert tuple(per_chunk.explicit_bounds) == TIME_PER_CHUNK_BUCKETS
    assert per_chunk.count == 3  # 4 content chunks: 3 gaps; the done chunk is not output
    load = found["ollama.client.load.duration"][0]
    assert load.sum == pytest.approx(0.01132821)


def test_token_usage_is_split_by_token_type(
    make_instrumentation: MakeInstrumentation,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
) -> None:
    """Input and output tokens are two points told apart by ``gen_ai.token.type``."""
    stream_chat(make_instrumentation(), shapes)
    by_type = {
        p.attributes["gen_ai.token.type"]: p.sum
        for p in points(metric_reader)["gen_ai.client.token.usage"]
    }
    assert by_type == {"input": 10, "output": 4}


def test_duration_attributes_follow_the_conventions(
    make_instrumentation: MakeInstrumentation,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
) -> None:
    """The duration point carries operation, provider, models, server and project."""
    stream_chat(make_instrumentation(), shapes)
    (point,) = points(metric_reader)["gen_ai.client.operation.duration"]
    assert dict(point.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "ollama",
        "gen_ai.request.model": "smollm2:135m",
        "gen_ai.response.model": "smollm2:135m",
        "server.address": "127.0.0.1",
        "server.port": 11434,
        "shared_ollama.project": "billing",
    }


def test_failed_call_duration_has_error_type_and_no_tokens(
    make_instrumentation: MakeInstrumentation,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
) -> None:
    """A failed call records its duration with ``error.type`` and no token usage."""
    observation = make_instrumentation().start(
        operation="chat", model="nope", body={}, stream=False,
        server_address="127.0.0.1", server_port=11434,
    )  # fmt: skip
    observation.fail(ModelNotFoundError("missing", status_code=404, error="not found"))
    found = points(metric_reader)
    (point,) = found["gen_ai.client.operation.duration"]
    assert point.attributes["error.type"] == "404"
    assert "gen_ai.client.token.usage" not in found
    assert "gen_ai.client.operation.time_to_first_chunk" not in found


def test_whole_reply_records_no_time_to_first_chunk(
    make_instrumentation: MakeInstrumentation,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
) -> None:
    """TTFT and per-chunk times are for streams only."""
    make_instrumentation().start(
        operation="chat", model="smollm2:135m", body=shapes["chat_body"], stream=False,
        server_address="127.0.0.1", server_port=11434,
    ).finish(shapes["chat_reply"])  # fmt: skip
    found = points(metric_reader)
    assert "gen_ai.client.operation.time_to_first_chunk" not in found
    assert "gen_ai.client.operation.time_per_output_chunk" not in found
    assert found["gen_ai.client.operation.duration"][0].count == 1


def test_abandoned_stream_records_no_duration(
    make_instrumentation: MakeInstrumentation,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
) -> None:
    """A stream the caller stopped reading does not pollute the duration histogram."""
    observation = make_instrumentation().start(
        operation="chat", model="smollm2:135m", body=shapes["chat_body"], stream=True,
        server_address="127.0.0.1", server_port=11434,
    )  # fmt: skip
    observation.chunk(shapes["chat_chunks"][0])
    observation.close()
    found = points(metric_reader)
    assert "gen_ai.client.operation.duration" not in found
    assert found["gen_ai.client.operation.time_to_first_chunk"][0].count == 1


def test_retry_breaker_and_rejection_counters(
    make_instrumentation: MakeInstrumentation,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
) -> None:
    """Retries count per error type; transitions and rejections count per host."""
    instrumentation = make_instrumentation()
    observation = instrumentation.start(
        operation="chat", model="smollm2:135m", body=shapes["chat_body"], stream=False,
        server_address="127.0.0.1", server_port=11434,
    )  # fmt: skip
    observation.retry(1, ServerBusyError("busy", status_code=503, error="busy"))
    observation.finish(shapes["chat_reply"])
    instrumentation.breaker_transition(host="http://127.0.0.1:11434", old="closed", new="open")
    instrumentation.rejected_while_open(host="http://127.0.0.1:11434")
    instrumentation.rejected_while_open(host="http://127.0.0.1:11434")

    found = points(metric_reader)
    (retry,) = found["ollama.client.retries"]
    assert retry.value == 1
    assert retry.attributes["error.type"] == "503"
    (transition,) = found["ollama.client.breaker.transitions"]
    assert dict(transition.attributes) == {
        "server.address": "127.0.0.1",
        "server.port": 11434,
        "ollama.breaker.previous_state": "closed",
        "ollama.breaker.state": "open",
    }
    (rejected,) = found["ollama.client.breaker.rejections"]
    assert rejected.value == 2
