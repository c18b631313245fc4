"""The keyword arguments of one core-client call, from a model's fields and a call's kwargs.

Pure functions: :func:`chat_request` (for ``client.chat``), :func:`generate_request` (for
``client.generate``) and :func:`embed_request` with :func:`plan_batches` (for
``client.embed``). Ollama runtime ``options``: the three model classes keep their option values
as plain fields named as Ollama names them (``temperature``, ``num_ctx``, ...);
:func:`build_options` gathers the ones that are set, applies a call's overrides and the stop
sequences, and returns the ``options`` mapping to send, or ``None`` when nothing is set (so the
server's model defaults apply untouched).

Per-call keyword arguments win over the model's fields:

- ``model``, ``format``, ``keep_alive``, ``logprobs``, ``top_logprobs`` replace the field.
- ``reasoning`` (or Ollama's own name ``think``) replaces ``reasoning``.
- Any option name (``temperature``, ``num_ctx``, ...) and ``max_tokens`` override that option.
- ``options`` replaces the whole ``options`` mapping, as in langchain-ollama.
- ``response_format`` (OpenAI style: ``{"type": "json_object"}`` or ``{"type": "json_schema",
  "json_schema": {"schema": ...}}``) becomes ``format``.
- Chat only: ``tools`` and ``tool_choice`` (see :mod:`langchain_shared_ollama._tools`).
- Generate only: ``suffix``, ``system``, ``template``, ``context``, ``raw``, ``images``.
- ``stream``, ``strict`` and LangChain's tracing keys are accepted and ignored: whether a call
  streams is decided by the method called, and Ollama's schema-constrained output is strict.

Anything else raises ``TypeError`` naming the argument, before any request is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_shared_ollama._tools import select_tools

__all__ = [
    "SAMPLING_OPTIONS",
    "RequestDefaults",
    "build_options",
    "chat_request",
    "embed_request",
    "format_from_response_format",
    "generate_request",
    "plan_batches",
    "reconcile_max_tokens",
    "resolve_stop",
]

SAMPLING_OPTIONS: tuple[str, ...] = (
    "mirostat",
    "mirostat_eta",
    "mirostat_tau",
    "num_ctx",
    "num_gpu",
    "num_thread",
    "num_predict",
    "repeat_last_n",
    "repeat_penalty",
    "temperature",
    "seed",
    "tfs_z",
    "top_k",
    "top_p",
)
"""Field names that are Ollama ``options`` with the same name and meaning."""


def reconcile_max_tokens(num_predict: int | None, max_tokens: int | None) -> int | None:
    """Return the ``num_predict`` implied by Ollama's name and LangChain's standard name.

    ``max_tokens`` is LangChain's name for Ollama's ``num_predict``; either may be given.

    Raises:
        ValueError: Both are given with different values.
    """
    if max_tokens is None:
        return num_predict
    if num_predict is not None and num_predict != max_tokens:
        raise ValueError(
            f"num_predict={num_predict} and max_tokens={max_tokens} disagree: they are the same "
            "setting (LangChain's name and Ollama's name); pass only one of them"
        )
    return max_tokens


def resolve_stop(default: Sequence[str] | None, call: Sequence[str] | None) -> list[str] | None:
    """Return the stop sequences to send: the call's when given, else the model's default.

    An empty list means "no stop sequences of mine" and is not sent, so the model's own stop
    tokens (from its Modelfile) keep working.
    """
    chosen = call if call is not None else default
    return list(chosen) if chosen else None


def build_options(
    values: Mapping[str, Any],
    *,
    stop: Sequence[str] | None,
    overrides: Mapping[str, Any] | None = None,
    replace: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Return the ``options`` mapping for one request, or ``None`` when nothing is set.

    Args:
        values: The model's option values by Ollama name; ``None`` values are left out.
        stop: Stop sequences to send (see :func:`resolve_stop`); ``None`` sends none.
        overrides: Per-call values by Ollama name that win over ``values`` (``None`` values
            remove the option for this call).
        replace: A complete ``options`` mapping given by the caller; when present it is sent
            as-is instead of ``values`` and ``overrides`` (the stop sequences still apply when
            it has none of its own).
    """
    if replace is not None:
        options = dict(replace)
    else:
        options = {name: value for name, value in values.items() if value is not None}
        if overrides:
            for name, value in overrides.items():
                if value is None:
                    options.pop(name, None)
                else:
                    options[name] = value
    if stop and "stop" not in options:
        options["stop"] = list(stop)
    return options or None


def plan_batches(count: int, batch_size: int) -> list[tuple[int, int]]:
    """Return ``(start, stop)`` slices covering ``count`` texts in batches of ``batch_size``.

    Raises:
        ValueError: ``batch_size`` is less than 1.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size} must be at least 1")
    return [(start, min(start + batch_size, count)) for start in range(0, count, batch_size)]


_IGNORED = frozenset(
    {"stream", "strict", "ls_structured_output_format", "structured_output_format"}
)
_COMMON = frozenset(
    {"model", "format", "response_format", "reasoning", "think", "keep_alive", "options"}
)
_OPTION_NAMES = frozenset(SAMPLING_OPTIONS)
_CHAT_ONLY = frozenset({"tools", "tool_choice", "logprobs", "top_logprobs"})
_GENERATE_ONLY = frozenset(
    {"suffix", "system", "template", "context", "raw", "images", "logprobs", "top_logprobs"}
)


@dataclass(frozen=True, slots=True)
class RequestDefaults:
    """A model's field values that shape every request.

    Attributes:
        model: The Ollama model name.
        options: Option values by Ollama name (``None`` means unset).
        stop: The stop sequences resolved for this call.
        think: The ``reasoning`` field (Ollama's ``think``).
        format: The ``format`` field.
        keep_alive: The ``keep_alive`` field.
        logprobs: The ``logprobs`` field (chat only).
        top_logprobs: The ``top_logprobs`` field (chat only).
    """

    model: str
    options: Mapping[str, Any]
    stop: list[str] | None = None
    think: bool | str | None = None
    format: Any = None
    keep_alive: int | float | str | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None


def format_from_response_format(response_format: Any) -> Any:
    """Return Ollama's ``format`` for an OpenAI-style ``response_format``.

    Raises:
        ValueError: The value is not ``{"type": "json_object"}`` nor a ``json_schema`` envelope
            with a ``schema``.
    """
    if isinstance(response_format, Mapping):
        kind = response_format.get("type")
        if kind == "json_object":
            return "json"
        envelope = response_format.get("json_schema")
        if kind == "json_schema" and isinstance(envelope, Mapping) and "schema" in envelope:
            return envelope["schema"]
    raise ValueError(
        f"response_format={response_format!r} is not understood: pass "
        "{'type': 'json_object'} or {'type': 'json_schema', 'json_schema': {'schema': {...}}}, "
        "or use format= directly"
    )


def _check_keys(call: Mapping[str, Any], allowed: frozenset[str], owner: str) -> None:
    unknown = [key for key in call if key not in allowed]
    if unknown:
        names = ", ".join(sorted(allowed - _IGNORED))
        raise TypeError(
            f"{owner} got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
            f"per-call arguments it understands: {names}"
        )


def _common(defaults: RequestDefaults, call: Mapping[str, Any]) -> dict[str, Any]:
    """Return model, options, think, format and keep_alive for one request."""
    if "format" in call and "response_format" in call:
        raise ValueError("pass either format= or response_format= for one call, not both")
    if "response_format" in call:
        fmt = format_from_response_format(call["response_format"])
    else:
        fmt = call.get("format", defaults.format)
    overrides = {name: call[name] for name in _OPTION_NAMES.intersection(call)}
    if "max_tokens" in call:
        overrides["num_predict"] = call["max_tokens"]
    options = build_options(
        defaults.options,
        stop=defaults.stop,
        overrides=overrides,
        replace=call.get("options"),
    )
    request: dict[str, Any] = {"model": call.get("model") or defaults.model}
    think = call.get("reasoning", call.get("think", defaults.think))
    if think is not None:
        request["think"] = think
    if fmt is not None and fmt != "":
        request["format"] = fmt
    keep_alive = call.get("keep_alive", defaults.keep_alive)
    if keep_alive is not None:
        request["keep_alive"] = keep_alive
    if options is not None:
        request["options"] = options
    return request


def _logprobs(request: dict[str, Any], defaults: RequestDefaults, call: Mapping[str, Any]) -> None:
    logprobs = call.get("logprobs", defaults.logprobs)
    top_logprobs = call.get("top_logprobs", defaults.top_logprobs)
    if logprobs is not None:
        request["logprobs"] = logprobs
    if top_logprobs is not None:
        request["top_logprobs"] = top_logprobs


_CHAT_KEYS = _IGNORED | _COMMON | _OPTION_NAMES | _CHAT_ONLY | {"max_tokens"}
_GENERATE_KEYS = _IGNORED | _COMMON | _OPTION_NAMES | _GENERATE_ONLY | {"max_tokens"}


def chat_request(
    defaults: RequestDefaults,
    messages: list[dict[str, Any]],
    call: Mapping[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    """Return the keyword arguments of ``client.chat`` for one call.

    Raises:
        TypeError: ``call`` has an argument chat does not understand.
        ValueError: A ``tool_choice``, ``response_format`` or ``format`` that cannot be sent.
    """
    _check_keys(call, _CHAT_KEYS, "ChatSharedOllama")
    request = _common(defaults, call)
    request["messages"] = messages
    request["stream"] = stream
    tools = select_tools(call.get("tools"), call.get("tool_choice"))
    if tools:
        request["tools"] = tools
    _logprobs(request, defaults, call)
    return request


def generate_request(
    defaults: RequestDefaults,
    prompt: str,
    call: Mapping[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    """Return the keyword arguments of ``client.generate`` for one call.

    Raises:
        TypeError: ``call`` has an argument generate does not understand.
        ValueError: A ``response_format`` or ``format`` that cannot be sent.
    """
    _check_keys(call, _GENERATE_KEYS, "SharedOllamaLLM")
    request = _common(defaults, call)
    request["prompt"] = prompt
    request["stream"] = stream
    for name in ("suffix", "system", "template", "context", "raw", "images"):
        if call.get(name) is not None:
            request[name] = call[name]
    _logprobs(request, defaults, call)
    return request


def embed_request(
    *,
    model: str,
    texts: list[str],
    options: dict[str, Any] | None,
    truncate: bool | None,
    keep_alive: int | str | None,
    dimensions: int | None,
) -> dict[str, Any]:
    """Return the keyword arguments of ``client.embed`` for one batch (unset fields left out)."""
    request: dict[str, Any] = {"model": model, "input": texts}
    optional = {
        "options": options,
        "truncate": truncate,
        "keep_alive": keep_alive,
        "dimensions": dimensions,
    }
    request.update((name, value) for name, value in optional.items() if value is not None)
    return request
