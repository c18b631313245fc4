"""The arguments of one ``/api/chat`` call, decided from the LLM's fields and the call (pure).

Precedence, from weakest to strongest: the LLM's fields, then ``additional_kwargs`` (Ollama
``options``), then what the call passes (``tools``, ``think``, ``format``, ``options``,
``keep_alive``). Two choices differ from ``llama-index-llms-ollama`` on purpose:

* ``num_ctx`` is sent only when ``context_window`` was set (or ``additional_kwargs`` holds it);
  sending a model's maximum context unasked can make the shared server allocate gigabytes.
* a call's ``think=False`` (or ``think=None``) really overrides the LLM's ``thinking``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

__all__ = [
    "CALL_KEYS",
    "DEFAULT_KEEP_ALIVE",
    "ChatFields",
    "Thinking",
    "chat_arguments",
    "model_options",
]

DEFAULT_KEEP_ALIVE = "5m"
"""How long Ollama keeps the model loaded after a call: its documented default, sent explicitly."""

CALL_KEYS = frozenset({"tools", "think", "format", "options", "keep_alive"})
"""Per-call keyword arguments that change the request; other keywords are ignored."""

Thinking = bool | Literal["low", "medium", "high"]


class ChatFields(Protocol):
    """The LLM settings a request is built from (``SharedOllama`` provides them)."""

    @property
    def model(self) -> str:
        """Model name."""

    @property
    def temperature(self) -> float | None:
        """Sampling temperature, or ``None`` for the model's own."""

    @property
    def context_window(self) -> int:
        """Context size to ask for, or ``-1`` to leave it to the server."""

    @property
    def json_mode(self) -> bool:
        """Whether to ask for ``format="json"`` by default."""

    @property
    def additional_kwargs(self) -> dict[str, Any]:
        """Extra Ollama ``options``."""

    @property
    def keep_alive(self) -> float | str | None:
        """How long to keep the model loaded, or ``None`` for the server's setting."""

    @property
    def thinking(self) -> Thinking | None:
        """Default for ``think``, or ``None`` to leave it to the model."""


def model_options(
    fields: ChatFields, call_options: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """Ollama ``options`` for a call: fields, then ``additional_kwargs``, then the call's own."""
    options: dict[str, Any] = {}
    if fields.temperature is not None:
        options["temperature"] = fields.temperature
    if fields.context_window > 0:
        options["num_ctx"] = fields.context_window
    options.update(fields.additional_kwargs)
    if call_options:
        options.update(call_options)
    return options or None


def chat_arguments(
    fields: ChatFields,
    messages: Sequence[Mapping[str, Any]],
    call_kwargs: Mapping[str, Any],
    *,
    stream: bool,
) -> dict[str, Any]:
    """Keyword arguments for the core client's ``chat`` for one LlamaIndex call.

    Args:
        fields: The LLM's settings.
        messages: Messages already converted to Ollama's shape.
        call_kwargs: What the caller passed to ``chat``/``stream_chat``/...; only the keys in
            :data:`CALL_KEYS` are read.
        stream: Whether to ask Ollama to stream.

    Returns:
        ``model``, ``messages``, ``stream``, ``tools``, ``think``, ``format``, ``options`` and
        ``keep_alive``, with ``None`` where nothing is to be sent.
    """
    return {
        "model": fields.model,
        "messages": messages,
        "stream": stream,
        "tools": call_kwargs.get("tools") or None,
        "think": call_kwargs.get("think", fields.thinking),
        "format": call_kwargs.get("format", "json" if fields.json_mode else None),
        "options": model_options(fields, call_kwargs.get("options")),
        "keep_alive": call_kwargs.get("keep_alive", fields.keep_alive),
    }
