"""Message content capture: off by default, opt-in per the GenAI semantic conventions.

Prompts and replies are private, so nothing of them leaves the process unless the user opts in
with :class:`CaptureMode` (or ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``). When
capture is on, messages take the conventions' structured shape::

    [{"role": "user", "parts": [{"type": "text", "content": "Why is the sky blue?"}]}]

On spans they are JSON strings (``gen_ai.input.messages``, ``gen_ai.output.messages``,
``gen_ai.system_instructions``); on the ``gen_ai.client.inference.operation.details`` event they
are structured values. Images are never captured (only counted), and embeddings inputs are not
captured at all, as the conventions define no attribute for them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from shared_ollama.telemetry._environment import capture_setting

__all__ = [
    "CaptureMode",
    "ContentBuffer",
    "capture_mode_from_env",
    "captured_content",
    "input_messages",
    "parse_capture_mode",
    "prompt_text",
    "system_instructions",
    "to_json",
]

Part = dict[str, Any]
MessageRecord = dict[str, Any]


class CaptureMode(enum.Enum):
    """Where captured message content goes; ``NO_CONTENT`` (the default) captures nothing."""

    NO_CONTENT = "NO_CONTENT"
    SPAN_ONLY = "SPAN_ONLY"
    EVENT_ONLY = "EVENT_ONLY"
    SPAN_AND_EVENT = "SPAN_AND_EVENT"

    @property
    def on_span(self) -> bool:
        """Whether content goes on the span as attributes."""
        return self in (CaptureMode.SPAN_ONLY, CaptureMode.SPAN_AND_EVENT)

    @property
    def as_event(self) -> bool:
        """Whether content goes in an inference-details event."""
        return self in (CaptureMode.EVENT_ONLY, CaptureMode.SPAN_AND_EVENT)

    @property
    def enabled(self) -> bool:
        """Whether anything is captured at all."""
        return self is not CaptureMode.NO_CONTENT


def parse_capture_mode(value: str) -> CaptureMode:
    """Turn a setting into a mode: a mode name (any case), ``true`` for both, else ``NO_CONTENT``.

    Args:
        value: The raw setting.
    """
    text = value.strip().upper()
    if text == "TRUE":
        return CaptureMode.SPAN_AND_EVENT
    try:
        return CaptureMode(text)
    except ValueError:
        return CaptureMode.NO_CONTENT


def capture_mode_from_env(environ: Mapping[str, str] | None = None) -> CaptureMode:
    """Read the capture mode from ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``.

    Args:
        environ: The environment to read; ``os.environ`` when omitted.
    """
    return parse_capture_mode(capture_setting(environ))


def to_json(value: object) -> str:
    """Serialize captured content for a span attribute (UTF-8 JSON text)."""
    return orjson.dumps(value).decode()


def _text_part(content: object) -> list[Part]:
    return [{"type": "text", "content": content}] if isinstance(content, str) and content else []


def _tool_call_parts(tool_calls: object) -> list[Part]:
    parts: list[Part] = []
    if not isinstance(tool_calls, Sequence) or isinstance(tool_calls, str):
        return parts
    for call in tool_calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping):
            parts.append(
                {
                    "type": "tool_call",
                    "name": function.get("name"),
                    "arguments": function.get("arguments"),
                }
            )
    return parts


def _chat_message(message: Mapping[str, Any]) -> MessageRecord:
    role = message.get("role")
    if role == "tool":
        part: Part = {"type": "tool_call_response", "response": message.get("content")}
        if message.get("tool_name"):
            part["name"] = message.get("tool_name")
        return {"role": "tool", "parts": [part]}
    parts = _text_part(message.get("content")) + _tool_call_parts(message.get("tool_calls"))
    return {"role": role, "parts": parts}


def input_messages(operation: str, body: Mapping[str, Any]) -> list[MessageRecord]:
    """Return the request's messages in the conventions' shape (empty for embeddings).

    Args:
        operation: ``chat``, ``text_completion`` or ``embeddings``.
        body: The JSON request body.
    """
    if operation == "chat":
        messages = body.get("messages")
        if not isinstance(messages, Sequence):
            return []
        return [_chat_message(m) for m in messages if isinstance(m, Mapping)]
    if operation == "text_completion":
        return [{"role": "user", "parts": _text_part(body.get("prompt"))}]
    return []


def system_instructions(operation: str, body: Mapping[str, Any]) -> list[Part]:
    """Return ``generate``'s ``system`` text as instruction parts (chat keeps it in messages).

    Args:
        operation: The operation name.
        body: The JSON request body.
    """
    if operation != "text_completion":
        return []
    return _text_part(body.get("system"))


class ContentBuffer:
    """Collects the reply's text, thinking and tool calls across a stream (only when capturing)."""

    __slots__ = ("_text", "_thinking", "_tool_calls")

    def __init__(self) -> None:
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._tool_calls: list[Part] = []

    def __repr__(self) -> str:
        return f"ContentBuffer(chars={sum(map(len, self._text))})"

    def add(self, data: Mapping[str, Any]) -> None:
        """Add one chunk (or a whole reply) of ``chat`` or ``generate`` output."""
        message = data.get("message")
        source: Mapping[str, Any] = message if isinstance(message, Mapping) else data
        text = source.get("content") if source is message else data.get("response")
        if isinstance(text, str) and text:
            self._text.append(text)
        thinking = source.get("thinking")
        if isinstance(thinking, str) and thinking:
            self._thinking.append(thinking)
        self._tool_calls.extend(_tool_call_parts(source.get("tool_calls")))

    @property
    def text(self) -> str:
        """The reply text received so far."""
        return "".join(self._text)

    def output_messages(self, finish_reason: str) -> list[MessageRecord]:
        """Return the reply as one assistant message in the conventions' shape."""
        parts: list[Part] = []
        if self._thinking:
            parts.append({"type": "reasoning", "content": "".join(self._thinking)})
        parts.extend(_text_part(self.text))
        parts.extend(self._tool_calls)
        return [{"role": "assistant", "parts": parts, "finish_reason": finish_reason}]


def captured_content(
    operation: str,
    body: Mapping[str, Any],
    buffer: ContentBuffer | None,
    finish_reason: str,
) -> dict[str, Any]:
    """Return the captured messages by attribute name, as structured values.

    Spans take them as JSON strings (:func:`to_json`), events as they are.

    Args:
        operation: The operation name.
        body: The JSON request body.
        buffer: The reply collected so far, or ``None`` (embeddings).
        finish_reason: Why the reply ended (``done_reason``, or ``error``).
    """
    captured: dict[str, Any] = {}
    inputs = input_messages(operation, body)
    if inputs:
        captured["gen_ai.input.messages"] = inputs
    instructions = system_instructions(operation, body)
    if instructions:
        captured["gen_ai.system_instructions"] = instructions
    if buffer is not None:
        captured["gen_ai.output.messages"] = buffer.output_messages(finish_reason)
    return captured


def prompt_text(operation: str, body: Mapping[str, Any]) -> str | None:
    """Return the prompt a performance record keeps when the recorder opted in to content.

    ``generate``'s prompt as it is; chat messages and embeddings input as JSON.
    """
    if operation == "text_completion":
        prompt = body.get("prompt")
        return prompt if isinstance(prompt, str) else None
    if operation == "chat":
        return to_json(input_messages("chat", body))
    return to_json(body.get("input"))
