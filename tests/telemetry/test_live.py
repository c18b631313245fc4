"""Telemetry of real calls to a real Ollama (run with SHARED_OLLAMA_LIVE_URL set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient
from shared_ollama._report._load_test import LoadTestConfig, run_load_test
from shared_ollama.telemetry import Instrumentation, PerformanceRecorder

pytestmark = pytest.mark.live


def test_live_streamed_chat_span_and_record(
    live_url: str,
    live_model: str,
    make_instrumentation: Callable[..., Instrumentation],
    span_exporter: InMemorySpanExporter,
) -> None:
    """A real streamed chat gives one span with usage and TTFT, and one record."""
    recorder = PerformanceRecorder()
    client = SharedOllamaClient(live_url, instrumentation=make_instrumentation(recorder=recorder))
    with client:
        messages = [{"role": "user", "content": "hi"}]
        options = {"num_predict": 4, "seed": 1}
        chunks = list(client.chat(live_model, messages, stream=True, options=options))
    assert chunks[-1].done

    (span,) = span_exporter.get_finished_spans()
    assert span.name == f"chat {live_model}"
    attributes: dict[str, Any] = dict(span.attributes)
    assert attributes["gen_ai.response.model"] == live_model
    assert attributes["gen_ai.usage.output_tokens"] > 0
    assert attributes["gen_ai.request.max_tokens"] == 4
    assert len(attributes["gen_ai.response.finish_reasons"]) == 1
    assert attributes["ollama.stream.chunks"] == len(chunks)
    (kept,) = recorder.records()
    assert kept.ttft_s is not None
    assert kept.total_s is not None
    assert kept.end_to_end_s >= kept.ttft_s


async def test_live_embed_span_counts_dimensions(
    live_url: str,
    live_model: str,
    make_instrumentation: Callable[..., Instrumentation],
    span_exporter: InMemorySpanExporter,
) -> None:
    """A real embed call gives an embeddings span with the vector size."""
    async with AsyncSharedOllamaClient(live_url, instrumentation=make_instrumentation()) as client:
        reply = await client.embed(live_model, "hello")

    (span,) = span_exporter.get_finished_spans()
    assert span.name == f"embeddings {live_model}"
    assert span.attributes["gen_ai.embeddings.dimension.count"] == len(reply.embeddings[0])


async def test_live_load_test_records_the_fingerprint(live_url: str, live_model: str) -> None:
    """A small load test against the real server records its version and the model digest."""
    config = LoadTestConfig(model=live_model, requests=4, concurrency=2, num_predict=4,
                            host=live_url)  # fmt: skip
    result = await run_load_test(config)
    assert (result.requests, result.errors) == (4, 0)
    assert all(r.ollama_version and r.model_digest for r in result.records)
    assert result.ttft is not None
