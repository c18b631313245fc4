"""One call's observation: its span, its metric points and its performance record.

Made by :meth:`~shared_ollama.telemetry._instrumentation.Instrumentation.start`; the client
drives it; nothing here does I/O of its own except appending to a record sink::

    observation = instrumentation.start(operation="chat", model=model, body=body, stream=True,
                                        server_address=address, server_port=port)
    try:
        for chunk in chunks:                    # streams: every chunk, the done one included
            observation.chunk(chunk)
            yield chunk
        observation.finish(final)               # the done chunk, or the whole reply
    except BaseException as exc:                # GeneratorExit (early break) ends it cleanly
        observation.fail(exc)
        raise
    finally:
        observation.close()                     # no-op when already ended

``finish``, ``fail`` and ``close`` together end the call exactly once: the first one wins and the
others do nothing. ``close`` on a call that never finished marks it *abandoned* (a stream the
caller stopped reading): the span ends without an error status and with
``ollama.stream.abandoned=true``, no duration point is recorded, and the record's outcome is
``abandoned``. If the observation is garbage-collected without any of the three, a finalizer
still ends its span.

With no OpenTelemetry SDK configured (the global providers are the API's proxies) no span is
created and no attribute is built: ``start`` + ``finish`` costs two clock reads and a few
attribute stores (see ``benchmarks/telemetry_overhead.py``). A call started inside
OpenTelemetry's ``suppress_instrumentation`` context emits no span, metric or event either
(its performance record, which is ours and not OpenTelemetry's, is still kept).
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
import weakref
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from opentelemetry import _logs, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from shared_ollama.telemetry._content import (
    ContentBuffer,
    captured_content,
    prompt_text,
    to_json,
)
from shared_ollama.telemetry._otel import instrumentation_suppressed
from shared_ollama.telemetry._records import (
    Outcome,
    PerformanceRecord,
    PerformanceRecorder,
    options_hash,
)
from shared_ollama.telemetry._semconv import (
    Attributes,
    ReplyStats,
    error_type_of,
    parse_reply,
    reply_attributes,
    request_attributes,
)
from shared_ollama.telemetry._sinks import Sinks

__all__ = ["INFERENCE_EVENT_NAME", "CallObservation", "Operation"]

Operation = Literal["chat", "text_completion", "embeddings"]
INFERENCE_EVENT_NAME = "gen_ai.client.inference.operation.details"
_PROJECT_ATTRIBUTE = "shared_ollama.project"
_NS = 1e-9
_MAX_STATUS_DESCRIPTION = 500
_logger = logging.getLogger("shared_ollama.telemetry")


def _as_mapping(data: Any) -> Mapping[str, Any]:
    """A typed chunk (one of our pydantic models) as its JSON object; a mapping as it is."""
    return data if isinstance(data, Mapping) else data.model_dump(exclude_unset=True)


def _end_forgotten(span: Span) -> None:
    """End the span of an observation collected without finish, fail or close."""
    span.set_attribute("ollama.stream.abandoned", True)
    span.end()


class CallObservation:
    """What one call did: made by :meth:`Instrumentation.start`, ended once by the client.

    Call :meth:`chunk` for every streamed chunk (the first one sets the time to first chunk),
    :meth:`retry` before each retry, then exactly one of :meth:`finish`, :meth:`fail` or
    :meth:`close` ends it; later calls are ignored. Telemetry never raises into the caller:
    a failure inside it is logged at DEBUG level on ``shared_ollama.telemetry``.
    """

    __slots__ = (
        "__weakref__",
        "_body",
        "_breaker_state",
        "_chunks",
        "_content",
        "_ended",
        "_events",
        "_finalizer",
        "_first_ns",
        "_instrumentation",
        "_instruments",
        "_last_chunk",
        "_last_ns",
        "_metric_attributes",
        "_model",
        "_operation",
        "_retries",
        "_server",
        "_span",
        "_start_ns",
        "_stream",
        "_timestamp",
    )

    def __init__(
        self,
        instrumentation: Sinks,
        *,
        operation: Operation,
        model: str,
        body: Mapping[str, Any],
        stream: bool,
        server_address: str,
        server_port: int,
    ) -> None:
        self._start_ns = time.perf_counter_ns()
        self._instrumentation = instrumentation
        self._operation = operation
        self._model = model
        self._stream = stream
        self._server = (server_address, server_port)
        self._ended = False
        self._first_ns = 0
        self._last_ns = 0
        self._chunks = 0
        self._retries = 0
        self._breaker_state: str | None = None
        self._span: Span | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._metric_attributes: dict[str, Any] | None = None
        self._content: ContentBuffer | None = None
        self._last_chunk: Any = None
        self._body: Mapping[str, Any] | None = None
        self._timestamp = 0.0
        self._instruments = instrumentation._instruments.get(self._start_ns)
        recorder = instrumentation.recorder
        tracer = instrumentation._tracer.get(self._start_ns)
        self._events = instrumentation._logger is not None
        if tracer is None and self._instruments is None and recorder is None and not self._events:
            return  # nothing listens: the cheap path
        if instrumentation_suppressed():
            tracer = self._instruments = None
            self._events = False
            if recorder is None:
                return
        try:
            self._begin(instrumentation, tracer, body, recorder)
        except Exception:  # telemetry must never break the call
            _logger.debug("could not start the observation of a %s call", operation, exc_info=True)

    def _begin(
        self,
        instrumentation: Sinks,
        tracer: trace.Tracer | None,
        body: Mapping[str, Any],
        recorder: PerformanceRecorder | None,
    ) -> None:
        project = instrumentation.project
        if self._instruments is not None:
            self._metric_attributes = {
                "gen_ai.operation.name": self._operation,
                "gen_ai.provider.name": "ollama",
                "gen_ai.request.model": self._model,
                "server.address": self._server[0],
                "server.port": self._server[1],
            }
            if instrumentation._metrics_project:
                self._metric_attributes[_PROJECT_ATTRIBUTE] = instrumentation._metrics_project
        if tracer is not None:
            attributes = request_attributes(
                operation=self._operation,
                model=self._model,
                body=body,
                stream=self._stream,
                server_address=self._server[0],
                server_port=self._server[1],
            )
            if project:
                attributes[_PROJECT_ATTRIBUTE] = project
            self._span = tracer.start_span(
                f"{self._operation} {self._model}", kind=SpanKind.CLIENT, attributes=attributes
            )
            self._finalizer = weakref.finalize(self, _end_forgotten, self._span)
        capture = instrumentation.capture_content.enabled and (
            self._span is not None or self._events
        )
        if recorder is not None:
            self._timestamp = time.time()
            capture = capture or recorder.include_content
        if capture or recorder is not None:
            self._body = body
        if capture and self._operation != "embeddings":
            self._content = ContentBuffer()

    def __repr__(self) -> str:
        return (
            f"CallObservation(operation={self._operation!r}, model={self._model!r}, "
            f"stream={self._stream}, chunks={self._chunks}, ended={self._ended})"
        )

    @property
    def ended(self) -> bool:
        """Whether finish, fail or close has already ended this call."""
        return self._ended

    @property
    def span(self) -> Span | None:
        """The call's span, or ``None`` when no tracer provider records."""
        return self._span

    @contextlib.contextmanager
    def use(self) -> Iterator[None]:
        """Make the call's span current around the HTTP exchange (for transport-level spans).

        Use it around a blocking send, never across a ``yield``: the context must be left in
        the same thread or task that entered it. It neither ends the span nor records errors.
        """
        if self._span is None:
            yield
            return
        with trace.use_span(
            self._span, end_on_exit=False, record_exception=False, set_status_on_exception=False
        ):
            yield

    def retry(self, attempt: int, exc: BaseException) -> None:
        """Note that the call will be retried after ``exc`` (call it before each retry).

        Args:
            attempt: The number of the attempt that just failed (1 for the first).
            exc: What made it fail.
        """
        self._retries += 1
        error_type = error_type_of(exc)
        span = self._span
        if span is not None and span.is_recording():
            span.add_event(
                "ollama.retry", {"ollama.retry.attempt": attempt, "error.type": error_type}
            )
        if self._instruments is not None and self._metric_attributes is not None:
            self._instruments.retries.add(1, {**self._metric_attributes, "error.type": error_type})

    def breaker_state(self, state: str) -> None:
        """Note the host's breaker state as the call went out (``closed``, ``half_open``...)."""
        self._breaker_state = state

    @property
    def observing(self) -> bool:
        """Whether anything records this call; when not, its chunks need not be reported."""
        return (
            self._span is not None
            or self._instruments is not None
            or self._events
            or self._instrumentation.recorder is not None
        )

    def chunk(self, data: Any) -> None:
        """Note one streamed chunk; the first sets the time to first chunk.

        The time per output chunk is recorded for each chunk after the first except the final
        ``done`` chunk, which carries statistics rather than output.

        Args:
            data: The chunk: its decoded JSON object, or the typed response the client made of
                it (read through its mapping interface).
        """
        now = time.perf_counter_ns()
        if not self._first_ns:
            self._first_ns = now
        elif (
            self._metric_attributes is not None
            and self._instruments is not None
            and not data.get("done")
        ):
            self._instruments.time_per_chunk.record(
                (now - self._last_ns) * _NS, self._metric_attributes
            )
        self._last_ns = now
        self._chunks += 1
        if self._content is not None:
            self._content.add(_as_mapping(data))
            self._last_chunk = data

    def finish(self, final: Any) -> None:
        """End the call successfully with Ollama's final JSON object.

        Args:
            final: The ``done`` chunk of a stream (decoded or typed), the whole reply, or the
                embed reply.
        """
        if self._ended:
            return
        self._ended = True
        end = time.perf_counter_ns()
        if self._stream and not self._first_ns:
            self._first_ns = end
        if self._content is not None and final is not self._last_chunk:
            self._content.add(_as_mapping(final))
        self._complete(end, final, "ok", None)

    def fail(self, exc: BaseException) -> None:
        """End the call with an error (``GeneratorExit`` counts as :meth:`close`).

        Args:
            exc: The exception the call raised; :func:`error_type_of` gives its ``error.type``.
        """
        if isinstance(exc, GeneratorExit):
            self.close()
            return
        if self._ended:
            return
        self._ended = True
        self._complete(time.perf_counter_ns(), None, "error", exc)

    def close(self) -> None:
        """End the call as abandoned unless it already ended (early ``break``, ``close()``, GC)."""
        if self._ended:
            return
        self._ended = True
        self._complete(time.perf_counter_ns(), None, "abandoned", None)

    def _complete(
        self,
        end: int,
        final: Mapping[str, Any] | None,
        outcome: Outcome,
        exc: BaseException | None,
    ) -> None:
        if self._finalizer is not None:
            self._finalizer.detach()
        span = self._span
        recording = span is not None and span.is_recording()
        instruments = self._instruments
        recorder = self._instrumentation.recorder
        if not recording and instruments is None and recorder is None and not self._events:
            if span is not None:
                span.end()
            return
        try:
            stats = parse_reply(final) if final is not None else None
            error_type = None if exc is None else error_type_of(exc)
            duration = (end - self._start_ns) * _NS
            ttft = (
                (self._first_ns - self._start_ns) * _NS if self._stream and self._first_ns else None
            )
            if recording and span is not None:
                self._end_span(
                    span=span,
                    stats=stats,
                    outcome=outcome,
                    exc=exc,
                    error_type=error_type,
                    ttft=ttft,
                )
            if instruments is not None:
                instruments.record_call(
                    self._metric_attributes or {},
                    stats=stats,
                    outcome=outcome,
                    error_type=error_type,
                    duration=duration,
                    ttft=ttft,
                )
            if self._events:
                self._emit_event(stats, error_type)
            if recorder is not None:
                record = self._record(
                    recorder=recorder,
                    stats=stats,
                    outcome=outcome,
                    # records keep the class name: it reads better in reports than "503"
                    error_type=None if exc is None else type(exc).__qualname__,
                    duration=duration,
                    ttft=ttft,
                )
                recorder.add(record)
        except Exception:  # telemetry must never break the call
            _logger.debug("could not complete the observation of a call", exc_info=True)
        finally:
            if span is not None:
                span.end()

    def _finish_reason(self, stats: ReplyStats | None, outcome: Outcome) -> str:
        if stats is not None and stats.done_reason is not None:
            return stats.done_reason
        return "stop" if outcome == "ok" else "error"

    def _end_span(
        self,
        *,
        span: Span,
        stats: ReplyStats | None,
        outcome: Outcome,
        exc: BaseException | None,
        error_type: str | None,
        ttft: float | None,
    ) -> None:
        instrumentation = self._instrumentation
        attributes: Attributes = (
            {}
            if stats is None
            else reply_attributes(stats, cold_start_threshold=instrumentation.cold_start_threshold)
        )
        if ttft is not None:
            attributes["gen_ai.response.time_to_first_chunk"] = ttft
        if self._stream:
            attributes["ollama.stream.chunks"] = self._chunks
        if self._retries:
            attributes["ollama.retry.count"] = self._retries
        if self._breaker_state is not None:
            attributes["ollama.breaker.state"] = self._breaker_state
        if outcome == "abandoned":
            attributes["ollama.stream.abandoned"] = True
        if error_type is not None:
            attributes["error.type"] = error_type
        if instrumentation.capture_content.on_span and self._body is not None:
            attributes.update(self._content_attributes(stats, outcome))
        span.set_attributes(attributes)
        if exc is not None:
            span.set_status(Status(StatusCode.ERROR, str(exc)[:_MAX_STATUS_DESCRIPTION]))

    def _content_attributes(self, stats: ReplyStats | None, outcome: Outcome) -> Attributes:
        assert self._body is not None
        captured = captured_content(
            self._operation, self._body, self._content, self._finish_reason(stats, outcome)
        )
        return {name: to_json(value) for name, value in captured.items()}

    def _emit_event(self, stats: ReplyStats | None, error_type: str | None) -> None:
        slot = self._instrumentation._logger
        logger = None if slot is None else slot.get()
        if logger is None or self._body is None:
            return
        outcome: Outcome = "ok" if error_type is None else "error"
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": self._operation,
            "gen_ai.provider.name": "ollama",
            "gen_ai.request.model": self._model,
            **captured_content(
                self._operation, self._body, self._content, self._finish_reason(stats, outcome)
            ),
        }
        if error_type is not None:
            attributes["error.type"] = error_type
        context = trace.set_span_in_context(self._span) if self._span is not None else None
        logger.emit(
            _logs.LogRecord(event_name=INFERENCE_EVENT_NAME, attributes=attributes, context=context)
        )

    def _record(
        self,
        *,
        recorder: PerformanceRecorder,
        stats: ReplyStats | None,
        outcome: Outcome,
        error_type: str | None,
        duration: float,
        ttft: float | None,
    ) -> PerformanceRecord:
        version, digest = recorder.fingerprint_for(self._model)
        body = self._body or {}
        prompt = response = None
        if recorder.include_content:
            prompt = prompt_text(self._operation, body)
            response = None if self._content is None else self._content.text
        return PerformanceRecord.from_reply(
            stats,
            cold_start_threshold=self._instrumentation.cold_start_threshold,
            request_id=uuid.uuid4().hex,
            timestamp=self._timestamp,
            project=self._instrumentation.project,
            model=self._model,
            operation=self._operation,
            stream=self._stream,
            server_address=self._server[0],
            server_port=self._server[1],
            outcome=outcome,
            end_to_end_s=duration,
            error_type=error_type,
            ttft_s=ttft,
            retries=self._retries,
            chunks=self._chunks,
            options_hash=options_hash(body),
            ollama_version=version,
            model_digest=digest,
            prompt=prompt,
            response=response,
        )
