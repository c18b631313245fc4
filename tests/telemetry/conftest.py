"""Fixtures for telemetry tests: fresh SDK providers per test and real Ollama 0.5.4 JSON shapes.

The shapes were captured from ``ollama serve`` 0.5.4 with ``smollm2:135m`` (context arrays and
embeddings shortened). Providers are injected, never set globally.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared_ollama.telemetry import CaptureMode, Instrumentation, PerformanceRecorder

MODEL = "smollm2:135m"

CHAT_REPLY: dict[str, Any] = {
    "model": MODEL,
    "created_at": "2026-11-29T10:10:23.145908183Z",
    "message": {"role": "assistant", "content": ",-'s/shirts four--"},
    "done_reason": "length",
    "done": True,
    "total_duration": 971369422,
    "load_duration": 799390624,
    "prompt_eval_count": 10,
    "prompt_eval_duration": 72000000,
    "eval_count": 8,
    "eval_duration": 98000000,
}
CHAT_CHUNKS: list[dict[str, Any]] = [
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.204605581Z",
     "message": {"role": "assistant", "content": "\n"}, "done": False},
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.223488363Z",
     "message": {"role": "assistant", "content": " is"}, "done": False},
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.24044989Z",
     "message": {"role": "assistant", "content": "-"}, "done": False},
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.256088125Z",
     "message": {"role": "assistant", "content": " does"}, "done": False},
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.25610677Z",
     "message": {"role": "assistant", "content": ""}, "done_reason": "length", "done": True,
     "total_duration": 85050152, "load_duration": 11328210, "prompt_eval_count": 10,
     "prompt_eval_duration": 19000000, "eval_count": 4, "eval_duration": 53000000},
]  # fmt: skip
GENERATE_REPLY: dict[str, Any] = {
    "model": MODEL, "created_at": "2026-11-29T10:10:23.4679511Z", "response": "\n is- does,",
    "done": True, "done_reason": "length", "context": [1, 4093, 198],
    "total_duration": 158919411, "load_duration": 18607475, "prompt_eval_count": 10,
    "prompt_eval_duration": 23000000, "eval_count": 5, "eval_duration": 115000000,
}  # fmt: skip
GENERATE_CHUNKS: list[dict[str, Any]] = [
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.856421667Z", "response": "\n", "done": False},
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.889888305Z", "response": " is", "done": False},
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.914100855Z", "response": "-", "done": False},
    {"model": MODEL, "created_at": "2026-11-29T10:10:23.914131242Z", "response": "", "done": True,
     "done_reason": "length", "context": [1, 4093, 198], "total_duration": 121969428,
     "load_duration": 30931764, "prompt_eval_count": 10, "prompt_eval_duration": 28000000,
     "eval_count": 3, "eval_duration": 61000000},
]  # fmt: skip
EMBED_REPLY: dict[str, Any] = {
    "model": MODEL,
    "embeddings": [[-0.056478146, -0.0068168277, -0.032066006], [0.0116, -0.0125, 0.0220]],
    "total_duration": 66594803,
    "load_duration": 1031686,
    "prompt_eval_count": 2,
}
CHAT_BODY: dict[str, Any] = {
    "model": MODEL,
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Why is the sky blue?"},
    ],
    "stream": True,
    "options": {"temperature": 0.2, "top_p": 0.9, "top_k": 40, "num_predict": 8, "seed": 1,
                "stop": ["\n\n"]},
}  # fmt: skip
GENERATE_BODY: dict[str, Any] = {
    "model": MODEL,
    "prompt": "Why is the sky blue?",
    "system": "Be brief.",
    "stream": False,
    "options": {"num_predict": 5, "seed": 1},
}
EMBED_BODY: dict[str, Any] = {"model": MODEL, "input": ["hi", "there"]}
SECRET_WORDS = ("sky blue", "Be brief", "shirts", " does", "there")


@pytest.fixture
def span_exporter() -> InMemorySpanExporter:
    """An in-memory span exporter."""
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(span_exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    """A fresh SDK tracer provider exporting to ``span_exporter`` (never set globally)."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    yield provider
    provider.shutdown()


@pytest.fixture
def metric_reader() -> InMemoryMetricReader:
    """An in-memory metric reader."""
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(metric_reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    """A fresh SDK meter provider read by ``metric_reader`` (never set globally)."""
    provider = MeterProvider(metric_readers=[metric_reader])
    yield provider
    provider.shutdown()


@pytest.fixture
def log_exporter() -> InMemoryLogRecordExporter:
    """An in-memory log record exporter for content events."""
    return InMemoryLogRecordExporter()


@pytest.fixture
def logger_provider(log_exporter: InMemoryLogRecordExporter) -> Iterator[LoggerProvider]:
    """A fresh SDK logger provider exporting to ``log_exporter``."""
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    yield provider
    provider.shutdown()


@pytest.fixture
def make_instrumentation(
    tracer_provider: TracerProvider,
    meter_provider: MeterProvider,
    logger_provider: LoggerProvider,
) -> Callable[..., Instrumentation]:
    """Build an :class:`Instrumentation` wired to the test's SDK providers."""

    def make(**kwargs: Any) -> Instrumentation:
        kwargs.setdefault("capture_content", CaptureMode.NO_CONTENT)
        kwargs.setdefault("project", "billing")
        return Instrumentation(
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            logger_provider=logger_provider,
            **kwargs,
        )

    return make


@pytest.fixture
def recorder() -> PerformanceRecorder:
    """An in-memory performance recorder."""
    return PerformanceRecorder(capacity=100)


@pytest.fixture
def shapes() -> dict[str, Any]:
    """Deep copies of the captured Ollama shapes and request bodies."""
    return copy.deepcopy(
        {
            "chat_reply": CHAT_REPLY,
            "chat_chunks": CHAT_CHUNKS,
            "generate_reply": GENERATE_REPLY,
            "generate_chunks": GENERATE_CHUNKS,
            "embed_reply": EMBED_REPLY,
            "chat_body": CHAT_BODY,
            "generate_body": GENERATE_BODY,
            "embed_body": EMBED_BODY,
            "secrets": SECRET_WORDS,
        }
    )
