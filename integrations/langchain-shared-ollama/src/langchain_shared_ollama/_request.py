"""The keyword arguments of one core-client call, from a model's fields and a call's kwargs.

Pure functions: :func:`chat_request` (for ``client.chat``) and :func:`generate_request` (for
``client.generate``). Per-call keyword arguments win over the model's fields:

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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from langchain_shared_ollama._options import SAMPLING_OPTIONS, build_options
from langchain_shared_ollama._tools import select_tools

__all__ = ["RequestDefaults", "chat_request", "format_from_response_format", "generate_request"]

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
