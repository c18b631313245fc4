"""Ollama's JSON, read as GenAI semantic-convention attributes: pure functions, no I/O.

Request side (set when the span starts, so samplers see them)::

    gen_ai.operation.name       chat | text_completion | embeddings
    gen_ai.provider.name        "ollama"
    gen_ai.request.model        the model asked for
    server.address, server.port the Ollama host
    gen_ai.request.stream       whether the reply streams
    gen_ai.output.type          chat and generate: ``json`` when ``format`` is given ("json" or a
                                JSON schema), ``text`` otherwise; unset for embeddings
    gen_ai.request.temperature / top_p / top_k / seed / frequency_penalty / presence_penalty
    gen_ai.request.max_tokens   options.num_predict
    gen_ai.request.stop_sequences options.stop (always a list)
    gen_ai.embeddings.dimension.count  the ``dimensions`` asked of /api/embed

Reply side (from the final JSON object: the ``done`` chunk, the whole reply, or the embed reply)::

    gen_ai.response.model            model
    gen_ai.response.finish_reasons   [done_reason]
    gen_ai.usage.input_tokens        prompt_eval_count (absent means unknown: left unset, not 0)
    gen_ai.usage.output_tokens       eval_count
    gen_ai.embeddings.dimension.count  length of the first embedding
    ollama.load_duration / prompt_eval_duration / eval_duration / total_duration  seconds
    ollama.cold_start                load_duration > cold_start_threshold (0.1 s by default)

On failure (spans, the duration histogram and the retry counter)::

    error.type                  "404", "429", "503"... when Ollama answered with an error
                                status (a ResponseError's ``status_code``); otherwise the
                                public, fully qualified class name: ``shared_ollama.
                                RequestTimeoutError``, ``shared_ollama.StreamInterruptedError``,
                                ``shared_ollama.CircuitOpenError``... (see :func:`error_type_of`)

The cold-start rule: Ollama reports ``load_duration`` on every reply; a model already in memory
answers with a few milliseconds of it (measured 1-31 ms on a CPU box), a model loaded for this
request with hundreds of milliseconds or more. A reply without ``load_duration`` leaves
``ollama.cold_start`` unset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.util.types import AttributeValue

from shared_ollama._errors import ResponseError

__all__ = [
    "DEFAULT_COLD_START_THRESHOLD",
    "PROVIDER_NAME",
    "Attributes",
    "ReplyStats",
    "error_type_of",
    "output_type",
    "parse_reply",
    "reply_attributes",
    "request_attributes",
    "split_host",
]

PROVIDER_NAME = "ollama"
DEFAULT_COLD_START_THRESHOLD = 0.1
"""Seconds of ``load_duration`` above which a reply counts as a cold start."""

Attributes = dict[str, AttributeValue]

_FLOAT_OPTIONS = (
    ("temperature", "gen_ai.request.temperature"),
    ("top_p", "gen_ai.request.top_p"),
    ("top_k", "gen_ai.request.top_k"),
    ("frequency_penalty", "gen_ai.request.frequency_penalty"),
    ("presence_penalty", "gen_ai.request.presence_penalty"),
)
_INT_OPTIONS = (("num_predict", "gen_ai.request.max_tokens"), ("seed", "gen_ai.request.seed"))
_NS = 1e-9


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _as_float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _seconds(value: object) -> float | None:
    nanoseconds = _as_int(value)
    return None if nanoseconds is None else nanoseconds * _NS


def error_type_of(exc: BaseException) -> str:
    """The ``error.type`` of a failed call: few, well-known values, as the conventions ask.

    * Ollama answered with an error status: that status as a string (``"404"``, ``"503"``).
      An ``{"error": ...}`` line that opens a 200 stream counts as the status Ollama would have
      sent for it (404 for a missing model, 400 for a missing capability, else 500), which is
      the ``status_code`` of the error raised for it.
    * Any other error of ours: its public name, ``shared_ollama.<Class>`` (every one of them is
      importable from ``shared_ollama``), e.g. ``shared_ollama.RequestTimeoutError``.
    * Anything else: its module and qualified name (``asyncio.exceptions.CancelledError``),
      or the bare name for a builtin (``KeyboardInterrupt``).
    """
    if isinstance(exc, ResponseError) and exc.status_code >= 400:
        return str(exc.status_code)
    kind = type(exc)
    module = kind.__module__
    if module == "shared_ollama" or module.startswith("shared_ollama."):
        return f"shared_ollama.{kind.__qualname__}"
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def output_type(operation: str, body: Mapping[str, Any]) -> str | None:
    """``gen_ai.output.type``: ``json`` when ``format`` asks for JSON, else ``text``.

    Args:
        operation: ``chat``, ``text_completion`` or ``embeddings`` (which has none).
        body: The JSON request body; ``format`` is ``"json"`` or a JSON schema when given.
    """
    if operation == "embeddings":
        return None
    return "json" if body.get("format") else "text"


def split_host(host: str) -> tuple[str, int | None]:
    """Split a base URL or ``host:port`` into ``server.address`` and ``server.port``.

    Args:
        host: ``http://127.0.0.1:11434``, ``127.0.0.1:11434``, ``[::1]:9000`` or a bare name.
    """
    parts = urlsplit(host if "://" in host else f"//{host}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None and parts.scheme in ("http", "https"):
        port = 443 if parts.scheme == "https" else 80
    return parts.hostname or host, port


def request_attributes(
    *,
    operation: str,
    model: str,
    body: Mapping[str, Any],
    stream: bool,
    server_address: str,
    server_port: int,
) -> Attributes:
    """Return the attributes known before the request is sent (no content, ever).

    Args:
        operation: ``chat``, ``text_completion`` or ``embeddings``.
        model: The model asked for.
        body: The JSON request body; only ``options``, ``dimensions``, ``format`` are read.
        stream: Whether the reply streams.
        server_address: Host name or address of the Ollama server.
        server_port: Its port.
    """
    attributes: Attributes = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": PROVIDER_NAME,
        "gen_ai.request.model": model,
        "server.address": server_address,
        "server.port": server_port,
        "gen_ai.request.stream": stream,
    }
    kind = output_type(operation, body)
    if kind is not None:
        attributes["gen_ai.output.type"] = kind
    options = body.get("options")
    if isinstance(options, Mapping) and options:
        for key, name in _FLOAT_OPTIONS:
            number = _as_float(options.get(key))
            if number is not None:
                attributes[name] = number
        for key, name in _INT_OPTIONS:
            integer = _as_int(options.get(key))
            if integer is not None:
                attributes[name] = integer
        stop = options.get("stop")
        if isinstance(stop, str):
            attributes["gen_ai.request.stop_sequences"] = [stop]
        elif isinstance(stop, Sequence) and stop and all(isinstance(s, str) for s in stop):
            attributes["gen_ai.request.stop_sequences"] = list(stop)
    dimensions = _as_int(body.get("dimensions"))
    if operation == "embeddings" and dimensions is not None:
        attributes["gen_ai.embeddings.dimension.count"] = dimensions
    return attributes


@dataclass(frozen=True, slots=True)
class ReplyStats:
    """What Ollama's final JSON object says about the call, in seconds and counts.

    Every field is ``None`` when the reply did not carry it.
    """

    response_model: str | None = None
    done_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    load_s: float | None = None
    prompt_eval_s: float | None = None
    eval_s: float | None = None
    total_s: float | None = None
    embedding_dimensions: int | None = None

    def cold_start(self, threshold: float = DEFAULT_COLD_START_THRESHOLD) -> bool | None:
        """Whether the model was loaded for this call; ``None`` without ``load_duration``."""
        return None if self.load_s is None else self.load_s > threshold

    @property
    def decode_tokens_per_s(self) -> float | None:
        """Output tokens per second of decoding (``eval_count / eval_duration``)."""
        if self.output_tokens is None or not self.eval_s:
            return None
        return self.output_tokens / self.eval_s

    @property
    def prefill_tokens_per_s(self) -> float | None:
        """Prompt tokens per second of prefill (``prompt_eval_count / prompt_eval_duration``)."""
        if self.input_tokens is None or not self.prompt_eval_s:
            return None
        return self.input_tokens / self.prompt_eval_s

    @property
    def time_per_output_token_s(self) -> float | None:
        """Seconds of decoding per output token (``eval_duration / eval_count``)."""
        if not self.output_tokens or self.eval_s is None:
            return None
        return self.eval_s / self.output_tokens


def _embedding_dimensions(final: Mapping[str, Any]) -> int | None:
    embeddings = final.get("embeddings")
    if isinstance(embeddings, Sequence) and embeddings:
        first = embeddings[0]
        return len(first) if isinstance(first, Sequence) else None
    embedding = final.get("embedding")
    if isinstance(embedding, Sequence) and embedding:
        return len(embedding)
    return None


def parse_reply(final: Mapping[str, Any]) -> ReplyStats:
    """Read the statistics out of Ollama's final JSON object, tolerating missing or odd fields.

    Args:
        final: The ``done`` chunk of a stream, a whole reply, or an embed reply.
    """
    model = final.get("model")
    done_reason = final.get("done_reason")
    return ReplyStats(
        response_model=model if isinstance(model, str) and model else None,
        done_reason=done_reason if isinstance(done_reason, str) and done_reason else None,
        input_tokens=_as_int(final.get("prompt_eval_count")),
        output_tokens=_as_int(final.get("eval_count")),
        load_s=_seconds(final.get("load_duration")),
        prompt_eval_s=_seconds(final.get("prompt_eval_duration")),
        eval_s=_seconds(final.get("eval_duration")),
        total_s=_seconds(final.get("total_duration")),
        embedding_dimensions=_embedding_dimensions(final),
    )


def reply_attributes(
    stats: ReplyStats, *, cold_start_threshold: float = DEFAULT_COLD_START_THRESHOLD
) -> Attributes:
    """Return the span attributes the reply's statistics give; unknown values stay unset.

    Args:
        stats: The parsed final object.
        cold_start_threshold: Seconds of load time above which the call was a cold start.
    """
    attributes: Attributes = {}
    if stats.response_model is not None:
        attributes["gen_ai.response.model"] = stats.response_model
    if stats.done_reason is not None:
        attributes["gen_ai.response.finish_reasons"] = [stats.done_reason]
    if stats.input_tokens is not None:
        attributes["gen_ai.usage.input_tokens"] = stats.input_tokens
    if stats.output_tokens is not None:
        attributes["gen_ai.usage.output_tokens"] = stats.output_tokens
    if stats.embedding_dimensions is not None:
        attributes["gen_ai.embeddings.dimension.count"] = stats.embedding_dimensions
    for name, value in (
        ("ollama.load_duration", stats.load_s),
        ("ollama.prompt_eval_duration", stats.prompt_eval_s),
        ("ollama.eval_duration", stats.eval_s),
        ("ollama.total_duration", stats.total_s),
    ):
        if value is not None:
            attributes[name] = value
    cold = stats.cold_start(cold_start_threshold)
    if cold is not None:
        attributes["ollama.cold_start"] = cold
    return attributes
