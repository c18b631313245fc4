"""Telemetry of shared-ollama: OpenTelemetry spans and metrics, performance records, analytics.

Depends on ``opentelemetry-api`` only; an SDK, when the application installs and configures one,
receives everything without any setup in this library.

Every name below loads on first use: a client's first call needs neither the analytics, the JSON
Lines sink (and its file lock) nor the records, so ``import shared_ollama`` does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared_ollama._lazy import lazy_module_attributes

if TYPE_CHECKING:
    from shared_ollama.telemetry._analytics import (
        UsageSummary,
        summarize_usage,
        usage_to_csv,
        usage_to_json,
    )
    from shared_ollama.telemetry._content import CaptureMode, capture_mode_from_env
    from shared_ollama.telemetry._instrumentation import Instrumentation
    from shared_ollama.telemetry._jsonl import JsonlSink, file_recorder, read_records
    from shared_ollama.telemetry._records import PerformanceRecord, PerformanceRecorder
    from shared_ollama.telemetry._semconv import DEFAULT_COLD_START_THRESHOLD
    from shared_ollama.telemetry._spans import CallObservation, Operation

_LAZY: dict[str, str] = {
    "DEFAULT_COLD_START_THRESHOLD": "_semconv",
    "CallObservation": "_spans",
    "CaptureMode": "_content",
    "Instrumentation": "_instrumentation",
    "JsonlSink": "_jsonl",
    "Operation": "_spans",
    "PerformanceRecord": "_records",
    "PerformanceRecorder": "_records",
    "UsageSummary": "_analytics",
    "capture_mode_from_env": "_content",
    "file_recorder": "_jsonl",
    "read_records": "_jsonl",
    "summarize_usage": "_analytics",
    "usage_to_csv": "_analytics",
    "usage_to_json": "_analytics",
}


__getattr__, __dir__ = lazy_module_attributes(
    __name__,
    {name: f"{__name__}.{module}:{name}" for name, module in _LAZY.items()},
    listed=globals(),
)

__all__ = [
    "DEFAULT_COLD_START_THRESHOLD",
    "CallObservation",
    "CaptureMode",
    "Instrumentation",
    "JsonlSink",
    "Operation",
    "PerformanceRecord",
    "PerformanceRecorder",
    "UsageSummary",
    "capture_mode_from_env",
    "file_recorder",
    "read_records",
    "summarize_usage",
    "usage_to_csv",
    "usage_to_json",
]
