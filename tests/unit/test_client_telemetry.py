"""Telemetry through the client: one span per model call, ended once on every path."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared_ollama import ModelNotFoundError, SharedOllamaClient
from shared_ollama.telemetry import CaptureMode, Instrumentation

FINAL = {
    "model": "m",
    "message": {"role": "assistant", "content": ""},
    "done": True,
    "done_reason": "stop",
    "prompt_eval_count": 7,
    "eval_count": 3,
    "total_duration": 2_000_000_000,
    "load_duration": 1_000_000,
}


def _line(content: str) -> bytes:
    return (
        json.dumps(
            {"model": "m", "message": {"role": "assistant", "content": content}, "done": False}
        ).encode()
        + b"\n"
    )


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def client(exporter: InMemorySpanExporter) -> Iterator[SharedOllamaClient]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": [{"model": "m"}]})
        if body.get("model") == "missing":
            return httpx.Response(
                404, json={"error": 'model "missing" not found, try pulling it first'}
            )
        if request.url.path == "/api/embed":
            return httpx.Response(
                200, json={"model": "m", "embeddings": [[0.1, 0.2, 0.3]], "prompt_eval_count": 2}
            )
        if body.get("stream"):
            return httpx.Response(
                200, content=b"".join(_line(c) for c in "abcd") + json.dumps(FINAL).encode() + b"\n"
            )
        return httpx.Response(
            200, json={**FINAL, "message": {"role": "assistant", "content": "hi"}}
        )

    instrumentation = Instrumentation(tracer_provider=provider)
    with SharedOllamaClient(
        "http://ollama.test:11434",
        transport=httpx.MockTransport(handler),
        instrumentation=instrumentation,
    ) as built:
        yield built


def test_chat_span_has_genai_attributes(
    client: SharedOllamaClient, exporter: InMemorySpanExporter
) -> None:
    """A chat produces one CLIENT span named "chat m" with request and usage attributes."""
    client.chat(
        "m",
        [{"role": "user", "content": "secret prompt"}],
        options={"temperature": 0.5, "num_predict": 9},
    )
    (span,) = exporter.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert span.name == "chat m"
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "ollama"
    assert attributes["server.address"] == "ollama.test"
    assert attributes["server.port"] == 11434
    assert attributes["gen_ai.request.temperature"] == 0.5
    assert attributes["gen_ai.request.max_tokens"] == 9
    assert attributes["gen_ai.usage.input_tokens"] == 7
    assert attributes["gen_ai.usage.output_tokens"] == 3
    assert "secret prompt" not in json.dumps({k: str(v) for k, v in attributes.items()})


def test_stream_span_ends_once_after_last_chunk(
    client: SharedOllamaClient, exporter: InMemorySpanExporter
) -> None:
    """A consumed stream ends its span once, with the final chunk's statistics."""
    chunks = list(client.chat("m", [], stream=True))
    assert len(chunks) == 5
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["gen_ai.request.stream"] is True
    assert span.attributes["gen_ai.usage.output_tokens"] == 3


def test_stream_span_ends_once_on_early_break(
    client: SharedOllamaClient, exporter: InMemorySpanExporter
) -> None:
    """Breaking out of a stream and dropping it still ends the span exactly once."""
    stream = client.chat("m", [], stream=True)
    for _ in stream:
        break
    del stream
    gc.collect()
    assert len(exporter.get_finished_spans()) == 1


def test_error_span_records_error_type(
    client: SharedOllamaClient, exporter: InMemorySpanExporter
) -> None:
    """A call the server refused ends its span with error.type set to the HTTP status."""
    with pytest.raises(ModelNotFoundError):
        client.generate("missing", "x")
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["error.type"] == "404"
    assert span.name == "text_completion missing"


def test_embed_span_records_dimension_count(
    client: SharedOllamaClient, exporter: InMemorySpanExporter
) -> None:
    """embed() produces an "embeddings m" span with the vector size."""
    client.embed("m", ["a"])
    (span,) = exporter.get_finished_spans()
    assert span.name == "embeddings m"
    assert span.attributes is not None
    assert span.attributes["gen_ai.embeddings.dimension.count"] == 3


def test_admin_calls_are_not_traced(
    client: SharedOllamaClient, exporter: InMemorySpanExporter
) -> None:
    """list/ps/version are not GenAI operations and make no span."""
    client.ps()
    assert exporter.get_finished_spans() == ()


def test_breaker_transitions_are_counted_on_global_meter() -> None:
    """Opening a breaker is reported through the process-wide transition reporter."""
    from shared_ollama import RetryPolicy
    from shared_ollama._core._learned_state import report_transition
    from shared_ollama._resilience._breaker_registry import breaker_registry

    seen: list[tuple[str, str, str]] = []
    breaker_registry().add_listener(
        lambda old, new, host: seen.append((old.value, new.value, host))
    )

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with SharedOllamaClient(
        "http://down.test:1", transport=httpx.MockTransport(refuse), retry=RetryPolicy(attempts=1)
    ) as client:
        for _ in range(5):
            with pytest.raises(Exception, match="Could not connect"):
                client.version()
    assert ("closed", "open", "http://down.test:1") in seen
    assert report_transition in breaker_registry()._listeners


def test_chat_with_json_format_sets_the_output_type(
    client: SharedOllamaClient, exporter: InMemorySpanExporter
) -> None:
    """format="json" gives gen_ai.output.type=json; a plain chat says text."""
    client.chat("m", [{"role": "user", "content": "hi"}], format="json")
    client.chat("m", [{"role": "user", "content": "hi"}])
    spans = exporter.get_finished_spans()
    assert [s.attributes["gen_ai.output.type"] for s in spans if s.attributes] == ["json", "text"]


def test_calls_inside_suppress_instrumentation_make_no_span(
    client: SharedOllamaClient, exporter: InMemorySpanExporter
) -> None:
    """A chat and a stream made inside suppress_instrumentation() are not traced."""
    with suppress_instrumentation():
        client.chat("m", [{"role": "user", "content": "hi"}])
        assert len(list(client.chat("m", [{"role": "user", "content": "hi"}], stream=True))) == 5
    assert exporter.get_finished_spans() == ()
    client.chat("m", [{"role": "user", "content": "hi"}])
    assert len(exporter.get_finished_spans()) == 1


def test_streamed_chat_content_is_captured_from_typed_chunks(
    exporter: InMemorySpanExporter,
) -> None:
    """With capture on, a stream's reply text and final statistics reach the span."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    lines = b"".join(_line(c) for c in "abcd") + json.dumps(FINAL).encode() + b"\n"
    instrumentation = Instrumentation(
        tracer_provider=provider, capture_content=CaptureMode.SPAN_ONLY
    )
    with SharedOllamaClient(
        "http://ollama.test:11434",
        transport=httpx.MockTransport(lambda _: httpx.Response(200, content=lines)),
        instrumentation=instrumentation,
    ) as client:
        chunks = list(client.chat("m", [{"role": "user", "content": "hi"}], stream=True))
    assert "".join(c.message.content or "" for c in chunks) == "abcd"
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    output = json.loads(str(span.attributes["gen_ai.output.messages"]))
    assert output == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "abcd"}],
            "finish_reason": "stop",
        }
    ]
    assert span.attributes["gen_ai.usage.output_tokens"] == 3
    assert span.attributes["ollama.stream.chunks"] == 5
