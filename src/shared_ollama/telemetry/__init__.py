"""Telemetry of shared-ollama: OpenTelemetry spans and metrics, performance records, analytics.

Depends on ``opentelemetry-api`` only; an SDK, when the application installs and configures one,
receives everything without any setup in this library.
"""

from __future__ import annotations

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
