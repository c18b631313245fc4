"""What a call's observation reads from the instrumentation that started it.

:class:`~shared_ollama.telemetry._spans.CallObservation` needs only these members of
:class:`~shared_ollama.telemetry._instrumentation.Instrumentation`; naming them here as a
protocol keeps ``_spans`` free of any import of ``_instrumentation`` (which imports ``_spans``).
"""

from __future__ import annotations

from typing import Protocol

from opentelemetry import _logs, metrics, trace

from shared_ollama.telemetry._content import CaptureMode
from shared_ollama.telemetry._metrics import Instruments
from shared_ollama.telemetry._otel import ProviderSlot
from shared_ollama.telemetry._records import PerformanceRecorder

__all__ = ["Sinks"]


class Sinks(Protocol):
    """Where one call's span, metric points, content event and performance record go."""

    @property
    def _tracer(self) -> ProviderSlot[trace.TracerProvider, trace.Tracer]: ...

    @property
    def _instruments(self) -> ProviderSlot[metrics.MeterProvider, Instruments]: ...

    @property
    def _logger(self) -> ProviderSlot[_logs.LoggerProvider, _logs.Logger] | None: ...

    @property
    def _metrics_project(self) -> str | None: ...

    @property
    def project(self) -> str | None:
        """The project name on spans and records."""

    @property
    def recorder(self) -> PerformanceRecorder | None:
        """Where performance records go, if anywhere."""

    @property
    def capture_content(self) -> CaptureMode:
        """Whether (and where) prompts and replies are captured."""

    @property
    def cold_start_threshold(self) -> float:
        """Seconds of ``load_duration`` above which a call was a cold start."""
