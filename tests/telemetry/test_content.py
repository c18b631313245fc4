"""Content capture: nothing by default, opt-in per mode, on spans and as events."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared_ollama.telemetry import CaptureMode, Instrumentation, PerformanceRecorder
from shared_ollama.telemetry._content import (
    ContentBuffer,
    capture_mode_from_env,
    input_messages,
    parse_capture_mode,
)

MakeInstrumentation = Callable[..., Instrumentation]


def run_chat_stream(instrumentation: Instrumentation, shapes: dict[str, Any]) -> None:
    observation = instrumentation.start(
        operation="chat", model="smollm2:135m", body=shapes["chat_body"], stream=True,
        server_address="127.0.0.1", server_port=11434,
    )  # fmt: skip
    for chunk in shapes["chat_chunks"]:
        observation.chunk(chunk)
    observation.finish(shapes["chat_chunks"][-1])


def everything_exported(spans: InMemorySpanExporter, logs: InMemoryLogRecordExporter) -> str:
    parts = [repr(dict(span.attributes)) + repr(span.events) for span in spans.get_finished_spans()]
    parts += [repr(dict(log.log_record.attributes or {})) for log in logs.get_finished_logs()]
    return "".join(parts)


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("", CaptureMode.NO_CONTENT),
        ("NO_CONTENT", CaptureMode.NO_CONTENT),
        ("span_only", CaptureMode.SPAN_ONLY),
        ("EVENT_ONLY", CaptureMode.EVENT_ONLY),
        (" SPAN_AND_EVENT ", CaptureMode.SPAN_AND_EVENT),
        ("true", CaptureMode.SPAN_AND_EVENT),
        ("false", CaptureMode.NO_CONTENT),
        ("yes please", CaptureMode.NO_CONTENT),
    ],
)
def test_parse_capture_mode_table(value: str, mode: CaptureMode) -> None:
    """Mode names in any case, ``true`` for both, anything else captures nothing."""
    assert parse_capture_mode(value) is mode


def test_capture_mode_from_env_reads_the_conventions_variable() -> None:
    """The mode comes from OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT."""
    environ = {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY"}
    assert capture_mode_from_env(environ) is CaptureMode.SPAN_ONLY
    assert capture_mode_from_env({}) is CaptureMode.NO_CONTENT


def test_default_capture_exports_no_content(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    log_exporter: InMemoryLogRecordExporter,
    shapes: dict[str, Any],
) -> None:
    """By default no prompt, system text or reply appears on spans or events."""
    run_chat_stream(make_instrumentation(), shapes)
    exported = everything_exported(span_exporter, log_exporter)
    assert exported  # the span itself was exported
    for secret in shapes["secrets"]:
        assert secret not in exported
    assert not log_exporter.get_finished_logs()


def test_span_only_puts_structured_messages_on_the_span(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    log_exporter: InMemoryLogRecordExporter,
    shapes: dict[str, Any],
) -> None:
    """SPAN_ONLY adds input and output messages as JSON and emits no event."""
    run_chat_stream(make_instrumentation(capture_content=CaptureMode.SPAN_ONLY), shapes)

    attributes = span_exporter.get_finished_spans()[0].attributes
    assert json.loads(attributes["gen_ai.input.messages"]) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "Why is the sky blue?"}]},
    ]
    assert json.loads(attributes["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "\n is- does"}],
            "finish_reason": "length",
        }
    ]
    assert not log_exporter.get_finished_logs()


def test_event_only_emits_an_event_and_keeps_the_span_clean(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    log_exporter: InMemoryLogRecordExporter,
    shapes: dict[str, Any],
) -> None:
    """EVENT_ONLY emits one inference-details event in the span's context, nothing on the span."""
    run_chat_stream(make_instrumentation(capture_content=CaptureMode.EVENT_ONLY), shapes)

    span = span_exporter.get_finished_spans()[0]
    assert "gen_ai.input.messages" not in span.attributes
    (log,) = log_exporter.get_finished_logs()
    record = log.log_record
    assert record.event_name == "gen_ai.client.inference.operation.details"
    assert record.span_id == span.context.span_id
    outputs = record.attributes["gen_ai.output.messages"]
    assert outputs[0]["parts"][0]["content"] == "\n is- does"


def test_span_and_event_generate_puts_system_apart(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    log_exporter: InMemoryLogRecordExporter,
    shapes: dict[str, Any],
) -> None:
    """For generate, ``system`` becomes system instructions and ``prompt`` the user message."""
    instrumentation = make_instrumentation(capture_content=CaptureMode.SPAN_AND_EVENT)
    observation = instrumentation.start(
        operation="text_completion", model="smollm2:135m", body=shapes["generate_body"],
        stream=False, server_address="127.0.0.1", server_port=11434,
    )  # fmt: skip
    observation.finish(shapes["generate_reply"])

    attributes = span_exporter.get_finished_spans()[0].attributes
    assert json.loads(attributes["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Be brief."}
    ]
    assert json.loads(attributes["gen_ai.input.messages"])[0]["role"] == "user"
    output = json.loads(attributes["gen_ai.output.messages"])
    assert output[0]["parts"] == [{"type": "text", "content": "\n is- does,"}]
    assert len(log_exporter.get_finished_logs()) == 1


def test_embeddings_capture_no_input_even_when_opted_in(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    shapes: dict[str, Any],
) -> None:
    """The conventions define no embeddings input attribute, so none is set."""
    instrumentation = make_instrumentation(capture_content=CaptureMode.SPAN_ONLY)
    instrumentation.start(
        operation="embeddings", model="smollm2:135m", body=shapes["embed_body"], stream=False,
        server_address="127.0.0.1", server_port=11434,
    ).finish(shapes["embed_reply"])  # fmt: skip
    attributes = span_exporter.get_finished_spans()[0].attributes
    assert not any(name.startswith(("gen_ai.input", "gen_ai.output")) for name in attributes)


def test_records_keep_no_prompt_unless_the_recorder_opts_in(
    make_instrumentation: MakeInstrumentation, shapes: dict[str, Any]
) -> None:
    """Records carry the prompt and reply only with ``include_content=True``."""
    private, opted = PerformanceRecorder(), PerformanceRecorder(include_content=True)
    run_chat_stream(make_instrumentation(recorder=private), shapes)
    run_chat_stream(make_instrumentation(recorder=opted), shapes)

    (kept,) = private.records()
    assert kept.prompt is None
    assert kept.response is None
    (full,) = opted.records()
    assert full.prompt is not None
    assert "Why is the sky blue?" in full.prompt
    assert full.response == "\n is- does"


def test_content_buffer_collects_thinking_and_tool_calls() -> None:
    """Streamed thinking and tool calls become reasoning and tool_call parts."""
    buffer = ContentBuffer()
    buffer.add({"message": {"role": "assistant", "content": "", "thinking": "hmm"}})
    buffer.add(
        {
            "message": {
                "role": "assistant",
                "content": "ok",
                "tool_calls": [{"function": {"name": "add", "arguments": {"a": 1}}}],
            }
        }
    )
    assert buffer.output_messages("stop") == [
        {
            "role": "assistant",
            "parts": [
                {"type": "reasoning", "content": "hmm"},
                {"type": "text", "content": "ok"},
                {"type": "tool_call", "name": "add", "arguments": {"a": 1}},
            ],
            "finish_reason": "stop",
        }
    ]


def test_input_messages_maps_tool_results() -> None:
    """A ``tool`` message becomes a tool_call_response part with the tool's name."""
    body = {"messages": [{"role": "tool", "content": "3", "tool_name": "add"}]}
    assert input_messages("chat", body) == [
        {"role": "tool", "parts": [{"type": "tool_call_response", "response": "3", "name": "add"}]}
    ]
