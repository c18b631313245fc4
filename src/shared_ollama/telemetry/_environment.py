"""The environment variables the telemetry reads, read here and nowhere else.

``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
    Content capture: ``NO_CONTENT`` (the default), ``SPAN_ONLY``, ``EVENT_ONLY`` or
    ``SPAN_AND_EVENT``, in any case; ``true`` means ``SPAN_AND_EVENT``; anything else means
    ``NO_CONTENT``.
``SHARED_OLLAMA_PERFORMANCE_LOG``
    A JSON Lines file (e.g. ``logs/performance.jsonl``) that every client without a recorder of
    its own appends performance records to, through one recorder shared by the process.

The project name (``SHARED_OLLAMA_PROJECT``) is read with the client's other settings in
``shared_ollama._settings``.

They are read when an :class:`~shared_ollama.telemetry._spans.Instrumentation` is built (once per
client), never per call and never at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = [
    "CAPTURE_CONTENT_VARIABLE",
    "PERFORMANCE_LOG_VARIABLE",
    "capture_setting",
    "performance_log_setting",
]

CAPTURE_CONTENT_VARIABLE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
PERFORMANCE_LOG_VARIABLE = "SHARED_OLLAMA_PERFORMANCE_LOG"


def capture_setting(environ: Mapping[str, str] | None = None) -> str:
    """Return the raw content-capture setting, ``""`` when unset.

    Args:
        environ: The environment to read; ``os.environ`` when omitted.
    """
    env = os.environ if environ is None else environ
    return env.get(CAPTURE_CONTENT_VARIABLE, "").strip()


def performance_log_setting(environ: Mapping[str, str] | None = None) -> str | None:
    """Return the path in ``SHARED_OLLAMA_PERFORMANCE_LOG``, or ``None`` when unset or blank.

    Args:
        environ: The environment to read; ``os.environ`` when omitted.
    """
    env = os.environ if environ is None else environ
    return env.get(PERFORMANCE_LOG_VARIABLE, "").strip() or None
