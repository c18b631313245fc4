"""Performance records: one per request, kept in a bounded ring and optionally in a JSONL file.

A record holds timings and counts, never a prompt or a reply unless the recorder was built with
``include_content=True``. Derived figures::

    decode_tokens_per_s      = eval_count / eval_duration
    prefill_tokens_per_s     = prompt_eval_count / prompt_eval_duration
    time_per_output_token_s  = eval_duration / eval_count
    overhead_s               = end_to_end_s - total_duration   (network + client + queueing)

The fingerprint fields (``ollama_version``, ``model_digest``, ``options_hash``) let the report
refuse to compare runs made against different servers, weights or options. The client cannot
know the first two by itself: whoever does (the load test asks the server) sets them with
:meth:`PerformanceRecorder.set_fingerprint`.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import orjson

from shared_ollama._json import json_ready
from shared_ollama.telemetry._semconv import ReplyStats

__all__ = [
    "DEFAULT_RING_CAPACITY",
    "RECORD_SCHEMA",
    "Outcome",
    "PerformanceRecord",
    "PerformanceRecorder",
    "RecordSink",
    "options_hash",
]

DEFAULT_RING_CAPACITY = 10_000
RECORD_SCHEMA = 1
Outcome = Literal["ok", "error", "abandoned"]
_FINGERPRINTED_KEYS = ("options", "think", "format", "raw")
_logger = logging.getLogger("shared_ollama.telemetry")


def options_hash(body: Mapping[str, Any]) -> str:
    """Return a short stable hash of what changes a reply's timing besides the prompt.

    The hash covers ``options``, ``think``, ``format`` and ``raw`` of the request body.

    Args:
        body: The JSON request body.
    """
    subset = {key: body[key] for key in _FINGERPRINTED_KEYS if body.get(key) is not None}
    try:
        encoded = orjson.dumps(subset, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        encoded = repr(sorted(subset.items())).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class PerformanceRecord:
    """What one request cost, as the client saw it and as Ollama reported it.

    Times are in seconds; ``None`` means unknown (a failed call, or a field Ollama did not send).
    """

    request_id: str
    timestamp: float
    project: str | None
    model: str
    operation: str
    stream: bool
    server_address: str
    server_port: int
    outcome: Outcome
    end_to_end_s: float
    error_type: str | None = None
    cold_start: bool | None = None
    ttft_s: float | None = None
    load_s: float | None = None
    prompt_eval_s: float | None = None
    eval_s: float | None = None
    total_s: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    decode_tokens_per_s: float | None = None
    prefill_tokens_per_s: float | None = None
    time_per_output_token_s: float | None = None
    overhead_s: float | None = None
    retries: int = 0
    chunks: int = 0
    options_hash: str | None = None
    ollama_version: str | None = None
    model_digest: str | None = None
    prompt: str | None = None
    response: str | None = None
    schema: int = RECORD_SCHEMA

    @classmethod
    def from_reply(
        cls,
        stats: ReplyStats | None,
        *,
        cold_start_threshold: float,
        **fields: Any,
    ) -> PerformanceRecord:
        """Build a record from the call's facts plus what the reply's statistics give.

        Args:
            stats: The parsed final object, or ``None`` when the call failed before it.
            cold_start_threshold: Seconds of load time above which the call was cold.
            **fields: The record's other fields (request id, timings measured by the client...).
        """
        if stats is None:
            return cls(**fields)
        end_to_end = fields["end_to_end_s"]
        return cls(
            cold_start=stats.cold_start(cold_start_threshold),
            load_s=stats.load_s,
            prompt_eval_s=stats.prompt_eval_s,
            eval_s=stats.eval_s,
            total_s=stats.total_s,
            input_tokens=stats.input_tokens,
            output_tokens=stats.output_tokens,
            decode_tokens_per_s=stats.decode_tokens_per_s,
            prefill_tokens_per_s=stats.prefill_tokens_per_s,
            time_per_output_token_s=stats.time_per_output_token_s,
            overhead_s=None if stats.total_s is None else end_to_end - stats.total_s,
            **fields,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-ready dict (``None`` fields included)."""
        return json_ready(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PerformanceRecord:
        """Rebuild a record from :meth:`to_dict` output, ignoring keys it does not know.

        Raises:
            ValueError: When a required field is missing.
        """
        known = {f.name for f in dataclasses.fields(cls)}
        try:
            return cls(**{key: value for key, value in data.items() if key in known})
        except TypeError as exc:
            raise ValueError(f"not a performance record ({exc}); was it written by us?") from exc


class RecordSink(Protocol):
    """Somewhere records are appended (a :class:`~._jsonl.JsonlSink`, or a test double)."""

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one record."""


class PerformanceRecorder:
    """Keeps the latest records in memory and appends each one to an optional sink.

    Args:
        capacity: How many records the in-memory ring keeps; the oldest go first.
        sink: Where every record is also appended (e.g. ``JsonlSink("logs/performance.jsonl")``).
        include_content: Keep the prompt and the reply text in records. Off by default: records
            often end up in shared log folders.
        ollama_version: The server's version, stamped on records for the report's fingerprint.
        model_digests: Model name to digest, stamped on records of that model.
    """

    __slots__ = ("_lock", "_model_digests", "_ollama_version", "_ring", "include_content", "sink")

    def __init__(
        self,
        *,
        capacity: int = DEFAULT_RING_CAPACITY,
        sink: RecordSink | None = None,
        include_content: bool = False,
        ollama_version: str | None = None,
        model_digests: Mapping[str, str] | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._ring: collections.deque[PerformanceRecord] = collections.deque(maxlen=capacity)
        self._lock = threading.Lock()
        self.sink = sink
        self.include_content = include_content
        self._ollama_version = ollama_version
        self._model_digests = dict(model_digests or {})

    def __repr__(self) -> str:
        return (
            f"PerformanceRecorder(records={len(self._ring)}, capacity={self._ring.maxlen}, "
            f"sink={self.sink!r}, include_content={self.include_content})"
        )

    def __len__(self) -> int:
        return len(self._ring)

    def set_fingerprint(
        self, *, ollama_version: str | None, model_digests: Mapping[str, str] | None = None
    ) -> None:
        """Stamp later records with the server version and model digests the report compares."""
        self._ollama_version = ollama_version
        self._model_digests = dict(model_digests or {})

    def fingerprint_for(self, model: str) -> tuple[str | None, str | None]:
        """Return the ``(ollama_version, model_digest)`` to stamp on a record of ``model``."""
        return self._ollama_version, self._model_digests.get(model)

    def add(self, record: PerformanceRecord) -> None:
        """Keep a record and append it to the sink; a failing sink is logged, never raised."""
        with self._lock:
            self._ring.append(record)
        if self.sink is None:
            return
        try:
            self.sink.write(record.to_dict())
        except (OSError, TypeError, ValueError) as exc:
            _logger.warning("could not append a performance record to %r: %s", self.sink, exc)

    def records(self) -> list[PerformanceRecord]:
        """Return the records in the ring, oldest first."""
        with self._lock:
            return list(self._ring)

    def extend(self, records: Iterable[PerformanceRecord]) -> None:
        """Add records read back from a file to the ring (not to the sink)."""
        with self._lock:
            self._ring.extend(records)

    def clear(self) -> None:
        """Forget the records in memory (the sink's file is left alone)."""
        with self._lock:
            self._ring.clear()
