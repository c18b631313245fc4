"""Conformance with the GenAI semantic conventions and OpenTelemetry's own contracts.

Schema URL on every scope, ``gen_ai.output.type``, the suppression context, the documented
``error.type`` values, and where ``shared_ollama.project`` goes; each read back from the SDK's
in-memory exporters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.semconv.schemas import Schemas
from packaging.version import Version

import shared_ollama
from shared_ollama import _errors
from shared_ollama.telemetry import (
    CallObservation,
    CaptureMode,
    Instrumentation,
    Operation,
    PerformanceRecorder,
)
from shared_ollama.telemetry._otel import SCHEMA_URL, SEMCONV_VERSION
from shared_ollama.telemetry._semconv import error_type_of, request_attributes

MakeInstrumentation = Callable[..., Instrumentation]
MODEL = "smollm2:135m"


def start(
    instrumentation: Instrumentation, body: dict[str, Any], operation: Operation = "chat"
) -> CallObservation:
    return instrumentation.start(
        operation=operation,
        model=MODEL,
        body=body,
        stream=False,
        server_address="127.0.0.1",
        server_port=11434,
    )


def metric_points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found.setdefault(metric.name, []).extend(metric.data.data_points)
    return found


# --- schema URL ---------------------------------------------------------------------------


# The first opentelemetry-semantic-conventions release whose ``Schemas`` lists 1.41.0; older ones
# (such as the 0.60b0 that comes with the opentelemetry-sdk floor) cannot vouch for our URL.
SEMCONV_PACKAGE_LISTING_OURS = Version("0.63b0")


@pytest.mark.skipif(
    Version(version("opentelemetry-semantic-conventions")) < SEMCONV_PACKAGE_LISTING_OURS,
    reason=f"opentelemetry-semantic-conventions < {SEMCONV_PACKAGE_LISTING_OURS} predates "
    f"semconv {SEMCONV_VERSION}, so its Schemas cannot confirm our schema URL",
)
def test_schema_url_names_the_semconv_release_the_sdk_knows() -> None:
    """Our schema URL is the official one of the release we follow, as the semconv package lists."""
    assert Schemas[f"V{SEMCONV_VERSION.replace('.', '_')}"].value == SCHEMA_URL


def test_tracer_meter_and_logger_scopes_carry_the_schema_url(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    metric_reader: InMemoryMetricReader,
    log_exporter: InMemoryLogRecordExporter,
    shapes: dict[str, Any],
) -> None:
    """Spans, metrics and content events all come from scopes with the semconv schema URL."""
    instrumentation = make_instrumentation(capture_content=CaptureMode.EVENT_ONLY)
    start(instrumentation, shapes["chat_body"]).finish(shapes["chat_reply"])

    (span,) = span_exporter.get_finished_spans()
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.schema_url == SCHEMA_URL
    data = metric_reader.get_metrics_data()
    assert data is not None
    scopes = {sm.scope.schema_url for rm in data.resource_metrics for sm in rm.scope_metrics}
    assert scopes == {SCHEMA_URL}
    (log,) = log_exporter.get_finished_logs()
    assert log.instrumentation_scope.schema_url == SCHEMA_URL


# --- gen_ai.output.type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "format_", "expected"),
    [
        ("chat", "json", "json"),
        ("chat", {"type": "object", "properties": {"a": {"type": "string"}}}, "json"),
        ("chat", None, "text"),
        ("text_completion", "json", "json"),
        ("text_completion", None, "text"),
        ("embeddings", None, None),
    ],
)
def test_output_type_follows_format(operation: str, format_: Any, expected: str | None) -> None:
    """``format`` asks for JSON (a string or a schema); no format means text; embeddings none."""
    body: dict[str, Any] = {"model": MODEL}
    if format_ is not None:
        body["format"] = format_
    attributes = request_attributes(
        operation=operation,
        model=MODEL,
        body=body,
        stream=False,
        server_address="127.0.0.1",
        server_port=11434,
    )
    assert attributes.get("gen_ai.output.type") == expected


# --- suppression -------------------------------------------------------------------------------


def test_suppressed_call_emits_no_span_metric_or_event(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    metric_reader: InMemoryMetricReader,
    log_exporter: InMemoryLogRecordExporter,
    recorder: PerformanceRecorder,
    shapes: dict[str, Any],
) -> None:
    """Inside ``suppress_instrumentation()`` nothing reaches OpenTelemetry; records are kept."""
    instrumentation = make_instrumentation(
        capture_content=CaptureMode.SPAN_AND_EVENT, recorder=recorder
    )
    with suppress_instrumentation():
        observation = start(instrumentation, shapes["chat_body"])
        observation.retry(1, _errors.ServerBusyError("busy", status_code=503, error="busy"))
        observation.finish(shapes["chat_reply"])
        instrumentation.breaker_transition(host="http://127.0.0.1:11434", old="closed", new="open")
        instrumentation.rejected_while_open(host="http://127.0.0.1:11434")

    assert span_exporter.get_finished_spans() == ()
    assert metric_points(metric_reader) == {}
    assert not log_exporter.get_finished_logs()
    (record,) = recorder.records()
    assert record.outcome == "ok"


def test_call_after_suppression_is_observed_again(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
) -> None:
    """Suppression lasts only as long as its context: the next call has its span and metrics."""
    instrumentation = make_instrumentation()
    with suppress_instrumentation():
        start(instrumentation, shapes["chat_body"]).finish(shapes["chat_reply"])
    start(instrumentation, shapes["chat_body"]).finish(shapes["chat_reply"])

    assert len(span_exporter.get_finished_spans()) == 1
    (duration,) = metric_points(metric_reader)["gen_ai.client.operation.duration"]
    assert duration.count == 1


# --- error.type --------------------------------------------------------------------------------


def _error_classes() -> list[type[BaseException]]:
    found = [
        value
        for name in shared_ollama.__all__
        if isinstance(value := getattr(shared_ollama, name), type)
        and issubclass(value, BaseException)
    ]
    assert _errors.SharedOllamaError in found
    return found


def test_every_error_of_ours_is_reported_by_its_public_name() -> None:
    """``error.type`` is ``shared_ollama.<Class>`` and that name imports the very class."""
    for kind in _error_classes():
        exc = kind.__new__(kind)  # no __init__: only the type matters
        if isinstance(exc, _errors.ResponseError):
            exc.status_code = 200  # a 200 reply of the wrong shape: no error status to report
        name = error_type_of(exc)
        assert name == f"shared_ollama.{kind.__qualname__}"
        assert getattr(shared_ollama, name.removeprefix("shared_ollama.")) is kind


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (_errors.ModelNotFoundError("gone", status_code=404, error="not found"), "404"),
        (_errors.ServerBusyError("busy", status_code=503, error="busy"), "503"),
        (_errors.CapabilityError("no", status_code=400, error="x", capability="tools"), "400"),
        (_errors.ServerError("odd JSON", status_code=200, error="x"), "shared_ollama.ServerError"),
        (KeyboardInterrupt(), "KeyboardInterrupt"),
        (asyncio.CancelledError(), "asyncio.exceptions.CancelledError"),
    ],
)
def test_error_type_values(exc: BaseException, expected: str) -> None:
    """Statuses the server answered with are strings; other errors are qualified class names."""
    assert error_type_of(exc) == expected


def test_error_types_are_listed_in_the_telemetry_doc() -> None:
    """docs/telemetry.md documents the values error.type takes."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "telemetry.md").read_text()
    for value in ("`404`", "`shared_ollama.StreamInterruptedError`", SCHEMA_URL):
        assert value in doc


# --- shared_ollama.project ---------------------------------------------------------------------


def test_process_wide_project_stays_off_metrics(
    make_instrumentation: MakeInstrumentation,
    span_exporter: InMemorySpanExporter,
    metric_reader: InMemoryMetricReader,
    recorder: PerformanceRecorder,
    shapes: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SHARED_OLLAMA_PROJECT is service.name's job on metrics; spans and records keep it."""
    monkeypatch.setenv("SHARED_OLLAMA_PROJECT", "billing")
    instrumentation = make_instrumentation(project=None, recorder=recorder)
    start(instrumentation, shapes["chat_body"]).finish(shapes["chat_reply"])

    (point,) = metric_points(metric_reader)["gen_ai.client.operation.duration"]
    assert "shared_ollama.project" not in point.attributes
    (span,) = span_exporter.get_finished_spans()
    assert span.attributes["shared_ollama.project"] == "billing"
    assert recorder.records()[0].project == "billing"


def test_per_client_projects_are_told_apart_on_metrics(
    make_instrumentation: MakeInstrumentation,
    metric_reader: InMemoryMetricReader,
    shapes: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two clients with their own projects in one process keep them apart on every point."""
    monkeypatch.setenv("SHARED_OLLAMA_PROJECT", "billing")
    for project in ("billing", "search", "chat-ui"):
        start(make_instrumentation(project=project), shapes["chat_body"]).finish(
            shapes["chat_reply"]
        )

    points = metric_points(metric_reader)["gen_ai.client.operation.duration"]
    assert sorted(str(p.attributes.get("shared_ollama.project")) for p in points) == [
        "None",
        "chat-ui",
        "search",
    ]
