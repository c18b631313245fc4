"""LlamaIndex chat messages to the message objects of Ollama's ``/api/chat`` (pure, no I/O).

Ollama knows four roles (``system``, ``user``, ``assistant``, ``tool``); LlamaIndex's other roles
are mapped onto them. A message's text blocks become ``content`` (joined by newlines, exactly as
``ChatMessage.content`` joins them), image blocks become base64 strings in ``images``, a thinking
block becomes ``thinking`` and tool-call blocks become ``tool_calls``. A tool result message
gets the ``tool_name`` Ollama expects, found from the call it answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    CachePoint,
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

__all__ = ["OLLAMA_ROLES", "to_ollama_messages", "tool_arguments"]

OLLAMA_ROLES: Mapping[MessageRole, str] = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
}
"""How each LlamaIndex role is sent to Ollama, which accepts only these four."""


def tool_arguments(arguments: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """Return tool-call arguments as the JSON object Ollama sends and expects.

    Args:
        arguments: A mapping, a JSON object in a string (as some histories store it), or ``None``.

    Raises:
        ValueError: The string is not JSON.
        TypeError: The JSON is not an object.
    """
    if arguments is None or arguments == "":
        return {}
    if isinstance(arguments, str):
        try:
            parsed: object = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"tool-call arguments {arguments[:80]!r} are not valid JSON: store them as a dict "
                "or a JSON object string"
            ) from exc
        if not isinstance(parsed, dict):
            raise TypeError(
                f"tool-call arguments must be a JSON object, got {type(parsed).__name__}: store "
                "them as a dict of argument names to values"
            )
        return parsed
    return dict(arguments)


def _wire_tool_call(name: str, arguments: Mapping[str, Any] | str | None) -> dict[str, Any]:
    return {"function": {"name": name, "arguments": tool_arguments(arguments)}}


def _legacy_tool_calls(raw: Iterable[Any]) -> list[dict[str, Any]]:
    """Tool calls kept in ``additional_kwargs["tool_calls"]`` by older chat histories."""
    calls = []
    for call in raw:
        function = call.get("function", call) if isinstance(call, Mapping) else call
        if isinstance(function, Mapping):
            calls.append(_wire_tool_call(str(function["name"]), function.get("arguments")))
    return calls


def _convert(message: ChatMessage, names_by_call_id: dict[str, str]) -> dict[str, Any]:
    texts: list[str] = []
    wire: dict[str, Any] = {"role": OLLAMA_ROLES.get(message.role, message.role.value)}
    for block in message.blocks:
        if isinstance(block, TextBlock):
            texts.append(block.text)
        elif isinstance(block, ImageBlock):
            encoded = block.resolve_image(as_base64=True).read()
            wire.setdefault("images", []).append(encoded.decode("ascii"))
        elif isinstance(block, ThinkingBlock):
            if block.content:
                wire["thinking"] = wire.get("thinking", "") + block.content
        elif isinstance(block, ToolCallBlock):
            wire.setdefault("tool_calls", []).append(
                _wire_tool_call(block.tool_name, block.tool_kwargs)
            )
            if block.tool_call_id:
                names_by_call_id[block.tool_call_id] = block.tool_name
        elif isinstance(block, CachePoint):
            continue  # a prompt-caching hint for other providers; Ollama has no such thing
        else:
            raise TypeError(
                f"Ollama chat messages cannot carry a {type(block).__name__}: send text, images, "
                "thinking or tool calls, or convert the block to text first"
            )
    wire["content"] = "\n".join(texts)
    extra = message.additional_kwargs
    if "tool_calls" in extra and "tool_calls" not in wire:
        legacy = _legacy_tool_calls(extra["tool_calls"] or ())
        if legacy:
            wire["tool_calls"] = legacy
    if wire["role"] == "tool":
        _name_tool_result(wire, extra, names_by_call_id)
    return wire


def _name_tool_result(
    wire: dict[str, Any], extra: Mapping[str, Any], names_by_call_id: Mapping[str, str]
) -> None:
    """Give a tool result the ``tool_name`` Ollama matches it by.

    LlamaIndex agents store only ``tool_call_id``. Ollama's calls usually carry no id, in which
    case this integration used the tool's name as the id, so an id that names no earlier call is
    taken to be the name itself.
    """
    name = extra.get("tool_name") or extra.get("name")
    call_id = extra.get("tool_call_id")
    if name is None and call_id is not None:
        name = names_by_call_id.get(str(call_id), str(call_id))
    if name is not None:
        wire["tool_name"] = str(name)
    if call_id is not None and str(call_id) in names_by_call_id:
        wire["tool_call_id"] = str(call_id)


def to_ollama_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Convert a LlamaIndex conversation to Ollama's ``messages`` array.

    Args:
        messages: The conversation, oldest first.

    Returns:
        One JSON-ready dict per message.

    Raises:
        TypeError: A message holds a block Ollama cannot take (audio, video, documents), or
            tool-call arguments that are not a JSON object.
        ValueError: Tool-call arguments are a string that is not JSON.
    """
    names_by_call_id: dict[str, str] = {}
    return [_convert(message, names_by_call_id) for message in messages]
