"""The client's instrumentation: where spans, metrics, events and records of its calls go.

One :class:`Instrumentation` per client, built cheaply; each call gets a
:class:`~shared_ollama.telemetry._spans.CallObservation` from :meth:`Instrumentation.start`
(see that module for the protocol the client follows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import _logs, metrics, trace

from shared_ollama._settings import EnvironmentDefaults
from shared_ollama.telemetry._content import CaptureMode, capture_mode_from_env
from shared_ollama.telemetry._environment import performance_log_setting
from shared_ollama.telemetry._metrics import Instruments
from shared_ollama.telemetry._otel import (
    SCHEMA_URL,
    SCOPE_NAME,
    ProviderSlot,
    instrumentation_suppressed,
    scope_version,
)
from shared_ollama.telemetry._records import PerformanceRecorder
from shared_ollama.telemetry._semconv import DEFAULT_COLD_START_THRESHOLD, split_host
from shared_ollama.telemetry._spans import CallObservation, Operation

__all__ = ["Instrumentation"]


def _make_tracer(provider: trace.TracerProvider) -> trace.Tracer:
    return provider.get_tracer(SCOPE_NAME, scope_version(), schema_url=SCHEMA_URL)


def _make_instruments(provider: metrics.MeterProvider) -> Instruments:
    return Instruments(provider.get_meter(SCOPE_NAME, scope_version(), schema_url=SCHEMA_URL))


def _make_logger(provider: _logs.LoggerProvider) -> _logs.Logger:
    return provider.get_logger(SCOPE_NAME, scope_version(), schema_url=SCHEMA_URL)


class Instrumentation:
    """Traces, metrics and performance records for one client; cheap when nothing listens.

    Args:
        tracer_provider: Where spans go; the global provider when omitted.
        meter_provider: Where metrics go; the global provider when omitted.
        project: The project name on spans and records; ``SHARED_OLLAMA_PROJECT`` when
            omitted. Metrics carry it only when it differs from ``SHARED_OLLAMA_PROJECT``: a
            process-wide project is what the resource's ``service.name`` says, and only a
            process serving several projects needs it on each point.
        recorder: Keeps a performance record of every call. When omitted, records go to the
            file named by ``SHARED_OLLAMA_PERFORMANCE_LOG`` when it is set (through one
            recorder per file for the whole process), and nowhere otherwise.
        capture_content: Whether prompts and replies are captured; read from
            ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` when omitted (off by default).
        logger_provider: Where content events go when capture includes events; the global
            provider when omitted.
        cold_start_threshold: Seconds of ``load_duration`` above which a call was a cold start.
    """

    __slots__ = (
        "_hosts",
        "_instruments",
        "_logger",
        "_metrics_project",
        "_tracer",
        "capture_content",
        "cold_start_threshold",
        "project",
        "recorder",
    )

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        project: str | None = None,
        recorder: PerformanceRecorder | None = None,
        capture_content: CaptureMode | None = None,
        logger_provider: _logs.LoggerProvider | None = None,
        cold_start_threshold: float = DEFAULT_COLD_START_THRESHOLD,
    ) -> None:
        self._tracer: ProviderSlot[trace.TracerProvider, trace.Tracer] = ProviderSlot(
            tracer_provider, trace.get_tracer_provider, _make_tracer
        )
        self._instruments: ProviderSlot[metrics.MeterProvider, Instruments] = ProviderSlot(
            meter_provider, metrics.get_meter_provider, _make_instruments
        )
        self.capture_content = (
            capture_mode_from_env() if capture_content is None else capture_content
        )
        self._logger: ProviderSlot[_logs.LoggerProvider, _logs.Logger] | None = None
        if self.capture_content.as_event:
            self._logger = ProviderSlot(logger_provider, _logs.get_logger_provider, _make_logger)
        process_project = EnvironmentDefaults.from_environ().project
        self.project = process_project if project is None else project
        self._metrics_project = self.project if self.project != process_project else None
        if recorder is None:
            log = performance_log_setting()
            if log is not None:  # the sink (and its file lock) only when a log is asked for
                from shared_ollama.telemetry._jsonl import file_recorder  # noqa: PLC0415

                recorder = file_recorder(log)
        self.recorder = recorder
        self.cold_start_threshold = cold_start_threshold
        self._hosts: dict[str, tuple[str, int | None]] = {}

    def __repr__(self) -> str:
        return (
            f"Instrumentation(project={self.project!r}, recorder={self.recorder!r}, "
            f"capture_content={self.capture_content.name})"
        )

    def start(
        self,
        *,
        operation: Operation,
        model: str,
        body: Mapping[str, Any],
        stream: bool,
        server_address: str,
        server_port: int,
    ) -> CallObservation:
        """Begin observing one call; the clock starts now (before the request is sent).

        Args:
            operation: ``chat``, ``text_completion`` (generate) or ``embeddings``.
            model: The model asked for.
            body: The JSON request body; content is read only when capture is on.
            stream: Whether the reply streams.
            server_address: Host name or address of the Ollama server.
            server_port: Its port.
        """
        return CallObservation(
            self,
            operation=operation,
            model=model,
            body=body,
            stream=stream,
            server_address=server_address,
            server_port=server_port,
        )

    def _host_attributes(self, host: str) -> dict[str, Any]:
        address, port = self._hosts.get(host) or self._hosts.setdefault(host, split_host(host))
        attributes: dict[str, Any] = {"server.address": address}
        if port is not None:
            attributes["server.port"] = port
        return attributes

    def breaker_transition(self, *, host: str, old: str, new: str) -> None:
        """Count a circuit-breaker state change for ``host`` (a base URL or ``host:port``)."""
        instruments = self._instruments.get()
        if instruments is None or instrumentation_suppressed():
            return
        attributes = self._host_attributes(host)
        attributes["ollama.breaker.previous_state"] = old
        attributes["ollama.breaker.state"] = new
        instruments.breaker_transitions.add(1, attributes)

    def rejected_while_open(self, *, host: str) -> None:
        """Count a call refused without touching the network because the breaker was open."""
        instruments = self._instruments.get()
        if instruments is not None and not instrumentation_suppressed():
            instruments.rejections.add(1, self._host_attributes(host))
