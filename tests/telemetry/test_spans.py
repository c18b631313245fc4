"""Spans of chat, generate and embed calls, streamed and not, on success and on every error."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared_ollama._errors import (
    CapabilityError,
    CircuitOpenError,
    InvalidRequestError,
    ModelNotFoundError,
    OllamaUnavailableError,
    RequestTimeoutError,
    ServerBusyError,
    ServerError,
    SharedOllamaError,
    StreamInterruptedError,
)
from shared_ollama.telemetry import CallObservation, Instrumentation, Operation

MakeInstrumentation = Callable[..., Instrumentation]
MODEL = "smollm2:135m"


def start(instrumentation: Instrumentation, operation: Operation, body: Mapping[str, Any], *,
          stream: bool) -> CallObservation:  # fmt: skip
    return instrumentation.start(
        operation=operation,
        model=MODEL,
        body=body,
        stream=stream,
        server_address="127.0.0.1",
        server_port=11434,
    )


def observed(
    observation: CallObservation, chunks: list[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """Wrap chunks the way the client's stream wrapper does (the documented protocol)."""
    try:
        final: dict[str, Any] = {}
        for chunk in chunks:
            observation.chunk(chunk)
            final = chunk
            yield chunk
        observation.finish(final)
    except BaseException as exc:
        observation.fail(exc)
        raise
    finally:
        observation.close()


def only_span(exporter: InMemorySpanExporter) -> Any:
    spans = exporter.get_finished_spans()
    assert len(spans) == 1
    return spans[0]


def test_chat_stream_span_has_the_conventions_attributes(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """A streamed chat span carries the request options, usage, timings and TTFT."""
    observation = start(make_instrumentation(), "chat", shapes["chat_body"], stream=True)
    assert list(observed(observation, shapes["chat_chunks"])) == shapes["chat_chunks"]

    span = only_span(span_exporter)
    assert span.name == "chat smollm2:135m"
    assert span.kind is SpanKind.CLIENT
    assert span.instrumentation_scope.name == "shared_ollama"
    attributes = dict(span.attributes)
    ttft = attributes.pop("gen_ai.response.time_to_first_chunk")
    assert ttft >= 0
    assert attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "ollama",
        "gen_ai.request.model": MODEL,
        "server.address": "127.0.0.1",
        "server.port": 11434,
        "gen_ai.request.stream": True,
        "gen_ai.output.type": "text",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.top_k": 40.0,
        "gen_ai.request.max_tokens": 8,
        "gen_ai.request.seed": 1,
        "gen_ai.request.stop_sequences": ("\n\n",),
        "shared_ollama.project": "billing",
        "gen_ai.response.model": MODEL,
        "gen_ai.response.finish_reasons": ("length",),
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 4,
        "ollama.load_duration": pytest.approx(0.01132821),
        "ollama.prompt_eval_duration": pytest.approx(0.019),
        "ollama.eval_duration": pytest.approx(0.053),
        "ollama.total_duration": pytest.approx(0.085050152),
        "ollama.cold_start": False,
        "ollama.stream.chunks": 5,
    }
    assert span.status.status_code is StatusCode.UNSET


def test_chat_whole_reply_span_marks_a_cold_start(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """A non-streamed chat with 0.8 s of load time is a cold start and has no TTFT."""
    body = {**shapes["chat_body"], "stream": False}
    start(make_instrumentation(), "chat", body, stream=False).finish(shapes["chat_reply"])

    attributes = only_span(span_exporter).attributes
    assert attributes["ollama.cold_start"] is True
    assert attributes["gen_ai.request.stream"] is False
    assert attributes["gen_ai.usage.output_tokens"] == 8
    assert "gen_ai.response.time_to_first_chunk" not in attributes
    assert "ollama.stream.chunks" not in attributes


@pytest.mark.parametrize("stream", [True, False])
def test_generate_span_is_a_text_completion(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
    stream: bool,
) -> None:
    """Generate calls make ``text_completion`` spans with usage, streamed or not."""
    observation = start(
        make_instrumentation(), "text_completion", shapes["generate_body"], stream=stream
    )
    if stream:
        list(observed(observation, shapes["generate_chunks"]))
        expected_output = 3
    else:
        observation.finish(shapes["generate_reply"])
        expected_output = 5

    span = only_span(span_exporter)
    assert span.name == "text_completion smollm2:135m"
    assert span.attributes["gen_ai.operation.name"] == "text_completion"
    assert span.attributes["gen_ai.usage.output_tokens"] == expected_output
    assert span.attributes["gen_ai.request.max_tokens"] == 5
    assert ("gen_ai.response.time_to_first_chunk" in span.attributes) is stream


def test_embed_span_has_dimensions_and_input_tokens_only(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """An embed span counts dimensions and input tokens; output tokens stay unset."""
    start(make_instrumentation(), "embeddings", shapes["embed_body"], stream=False).finish(
        shapes["embed_reply"]
    )

    span = only_span(span_exporter)
    assert span.name == "embeddings smollm2:135m"
    assert span.attributes["gen_ai.embeddings.dimension.count"] == 3
    assert span.attributes["gen_ai.usage.input_tokens"] == 2
    assert "gen_ai.usage.output_tokens" not in span.attributes
    assert "gen_ai.response.finish_reasons" not in span.attributes


def test_reply_without_counts_leaves_usage_unset(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """Missing ``prompt_eval_count`` (a cached prompt) means unknown, not zero."""
    reply = {key: value for key, value in shapes["chat_reply"].items() if "count" not in key}
    start(make_instrumentation(), "chat", shapes["chat_body"], stream=False).finish(reply)

    attributes = only_span(span_exporter).attributes
    assert "gen_ai.usage.input_tokens" not in attributes
    assert "gen_ai.usage.output_tokens" not in attributes


ERRORS: list[tuple[SharedOllamaError, str]] = [
    (OllamaUnavailableError("refused", host="http://127.0.0.1:1"),
     "shared_ollama.OllamaUnavailableError"),
    (RequestTimeoutError("slow", phase="first_byte", timeout=1.0),
     "shared_ollama.RequestTimeoutError"),
    (InvalidRequestError("bad", status_code=400, error="bad"), "400"),
    (CapabilityError("no tools", status_code=400, error="x", capability="tools"), "400"),
    (ModelNotFoundError("missing", status_code=404, error="not found", model=MODEL), "404"),
    (ServerBusyError("busy", status_code=503, error="maximum pending requests exceeded"), "503"),
    (ServerBusyError("slow down", status_code=429, error="too many requests"), "429"),
    (ServerError("crash", status_code=500, error="runner crashed"), "500"),
    (ServerError("not Ollama's JSON", status_code=200, error="bad shape"),
     "shared_ollama.ServerError"),
    (StreamInterruptedError("cut", partial="abc", chunks_received=2, error="reset"),
     "shared_ollama.StreamInterruptedError"),
    (CircuitOpenError("open", retry_after=3.0), "shared_ollama.CircuitOpenError"),
]  # fmt: skip


@pytest.mark.parametrize(("error", "error_type"), ERRORS, ids=lambda e: str(e)[:12])
def test_failed_call_span_has_error_type_and_status(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
    error: SharedOllamaError,
    error_type: str,
) -> None:
    """Every error ends the span once with its documented ``error.type`` and an ERROR status."""
    observation = start(make_instrumentation(), "chat", shapes["chat_body"], stream=False)
    observation.fail(error)
    observation.finish(shapes["chat_reply"])  # ignored: the call already ended

    span = only_span(span_exporter)
    assert span.attributes["error.type"] == error_type
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == str(error)
    assert "gen_ai.usage.output_tokens" not in span.attributes


def test_stream_broken_midway_records_ttft_and_error(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """A stream that breaks after two chunks keeps its TTFT and ends with the error."""
    observation = start(make_instrumentation(), "chat", shapes["chat_body"], stream=True)
    error = StreamInterruptedError("cut", partial="\n is", chunks_received=2, error="EOF")

    def broken() -> Iterator[dict[str, Any]]:
        yield from shapes["chat_chunks"][:2]
        raise error

    with pytest.raises(StreamInterruptedError):
        list(_observed_raising(observation, broken()))

    span = only_span(span_exporter)
    assert span.attributes["error.type"] == "shared_ollama.StreamInterruptedError"
    assert span.attributes["ollama.stream.chunks"] == 2
    assert "gen_ai.response.time_to_first_chunk" in span.attributes


def _observed_raising(
    observation: CallObservation, chunks: Iterator[dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    try:
        for chunk in chunks:
            observation.chunk(chunk)
            yield chunk
    except BaseException as exc:
        observation.fail(exc)
        raise
    finally:
        observation.close()


def test_streamed_span_covers_the_whole_stream(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """The span starts before the call and ends after the last chunk was consumed."""
    before = time.time_ns()
    stream = observed(start(make_instrumentation(), "chat", shapes["chat_body"], stream=True),
                      shapes["chat_chunks"])  # fmt: skip
    consumed = []
    for chunk in stream:
        consumed.append(chunk)
        last_consumed = time.time_ns()
        assert not span_exporter.get_finished_spans()  # still open while chunks flow
    span = only_span(span_exporter)
    assert span.start_time >= before
    assert span.end_time >= last_consumed
    assert len(consumed) == 5


def test_early_break_ends_the_span_once_without_error(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """Breaking out of a stream ends its span exactly once, marked abandoned, not failed."""
    observation = start(make_instrumentation(), "chat", shapes["chat_body"], stream=True)
    stream = observed(observation, shapes["chat_chunks"])
    for _ in stream:
        break
    stream.close()
    observation.close()
    observation.finish(shapes["chat_reply"])

    span = only_span(span_exporter)
    assert span.attributes["ollama.stream.abandoned"] is True
    assert span.attributes["ollama.stream.chunks"] == 1
    assert span.status.status_code is StatusCode.UNSET
    assert observation.ended


def test_garbage_collected_observation_still_ends_its_span(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """An observation dropped without finish, fail or close ends its span when collected."""
    observation = start(make_instrumentation(), "chat", shapes["chat_body"], stream=True)
    observation.chunk(shapes["chat_chunks"][0])
    del observation
    gc.collect()

    span = only_span(span_exporter)
    assert span.attributes["ollama.stream.abandoned"] is True


def test_garbage_collected_generator_ends_its_span_once(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """A half-read stream that is garbage-collected ends its span exactly once."""
    stream = observed(start(make_instrumentation(), "chat", shapes["chat_body"], stream=True),
                      shapes["chat_chunks"])  # fmt: skip
    next(stream)
    del stream
    gc.collect()

    assert only_span(span_exporter).attributes["ollama.stream.abandoned"] is True


def test_retries_and_breaker_state_are_on_the_span(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """Each retry adds an event; the count and the breaker state end up as attributes."""
    observation = start(make_instrumentation(), "chat", shapes["chat_body"], stream=False)
    observation.breaker_state("half_open")
    observation.retry(1, ServerBusyError("busy", status_code=503, error="busy"))
    observation.retry(2, OllamaUnavailableError("refused"))
    observation.finish(shapes["chat_reply"])

    span = only_span(span_exporter)
    assert span.attributes["ollama.retry.count"] == 2
    assert span.attributes["ollama.breaker.state"] == "half_open"
    assert [(e.name, dict(e.attributes)) for e in span.events] == [
        ("ollama.retry", {"ollama.retry.attempt": 1, "error.type": "503"}),
        (
            "ollama.retry",
            {"ollama.retry.attempt": 2, "error.type": "shared_ollama.OllamaUnavailableError"},
        ),
    ]


def test_span_is_a_child_of_the_current_span(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    tracer_provider: Any,
    shapes: dict[str, Any],
) -> None:
    """A call made inside the application's span becomes its child."""
    tracer = tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("handle request") as parent:
        start(make_instrumentation(), "chat", shapes["chat_body"], stream=False).finish(
            shapes["chat_reply"]
        )
    ours = next(s for s in span_exporter.get_finished_spans() if s.name.startswith("chat"))
    assert ours.parent is not None
    assert ours.parent.span_id == parent.get_span_context().span_id


def test_use_makes_the_span_current_without_ending_it(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    tracer_provider: Any,
    shapes: dict[str, Any],
) -> None:
    """Spans started inside ``use()`` (e.g. an HTTP span) are children of the call's span."""
    observation = start(make_instrumentation(), "chat", shapes["chat_body"], stream=False)
    with observation.use(), tracer_provider.get_tracer("httpx").start_as_current_span("POST"):
        pass
    assert [s.name for s in span_exporter.get_finished_spans()] == ["POST"]
    observation.finish(shapes["chat_reply"])
    http, ours = span_exporter.get_finished_spans()
    assert http.parent.span_id == ours.context.span_id


def test_no_sdk_means_no_span_and_no_error(shapes: dict[str, Any]) -> None:
    """Without a configured SDK (the API's proxy providers) nothing is created or raised."""
    instrumentation = Instrumentation(project="billing")
    observation = start(instrumentation, "chat", shapes["chat_body"], stream=True)
    for chunk in shapes["chat_chunks"]:
        observation.chunk(chunk)
    observation.finish(shapes["chat_chunks"][-1])
    assert observation.span is None
    assert observation.ended
