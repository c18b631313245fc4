"""LangChain messages to Ollama ``/api/chat`` messages: a pure translation.

Roles: human -> ``user``, AI -> ``assistant``, system -> ``system``, tool -> ``tool``, and a
:class:`~langchain_core.messages.ChatMessage` keeps its own role.

Content: a string is sent as is. A list of blocks is flattened: text blocks are joined with
newlines; image blocks become base64 strings in ``images`` (OpenAI ``image_url`` with a data URL
or bare base64, LangChain v0 ``source_type="base64"``, v1 ``base64``, data URLs in ``url``, and
Anthropic ``source`` blocks); reasoning blocks (``reasoning``/``thinking``) on assistant
messages become Ollama's ``thinking``; tool-call blocks are skipped because the calls travel in
``tool_calls``. Anything else (audio, files, images by web URL) raises ``ValueError``: Ollama's
chat endpoint takes only text and inline images.

Tool results carry ``tool_name``: the :class:`~langchain_core.messages.ToolMessage`'s ``name``,
or else the name of the earlier tool call with the same id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

__all__ = ["image_from_block", "to_ollama_messages"]

_TOOL_CALL_BLOCKS = frozenset(
    {
        "tool_use",
        "tool_call",
        "tool_call_chunk",
        "invalid_tool_call",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
        "function_call",
    }
)
_REASONING_BLOCKS = {"reasoning": "reasoning", "thinking": "thinking"}
_IGNORED_BLOCKS = frozenset({"non_standard", "citation", "redacted_thinking"})


def _base64_from_data_url(url: str) -> str | None:
    """Return the base64 payload of a ``data:`` URL, or ``None`` for any other URL."""
    if url.startswith("data:"):
        _, _, payload = url.partition(",")
        return payload
    return None


def _image_from_url(url: str) -> str:
    payload = _base64_from_data_url(url)
    if payload is not None:
        return payload
    if url.startswith(("http://", "https://", "file:")):
        raise ValueError(
            f"image URL {url[:60]!r} cannot be sent: Ollama takes images inline only. "
            "Download the image and pass it as base64 (a 'data:image/...;base64,' URL or an "
            "'image' block with 'base64')"
        )
    return url  # bare base64, as langchain-ollama accepted it


def _inline_image(block: Mapping[str, Any]) -> str | None:
    """Return the base64 data of an ``image`` block that carries it inline."""
    if isinstance(data := block.get("base64"), str):
        return data
    if block.get("source_type") == "base64" and isinstance(data := block.get("data"), str):
        return data
    source = block.get("source")
    if isinstance(source, Mapping) and source.get("type") == "base64":
        return str(source["data"])
    return None


def image_from_block(block: Mapping[str, Any]) -> str | None:
    """Return the base64 image of a content block, or ``None`` if it is not an image block.

    Raises:
        ValueError: The block is an image Ollama cannot take (a web URL or a file id).
    """
    kind = block.get("type")
    url: Any = None
    if kind == "image_url":
        ref = block.get("image_url")
        url = ref.get("url") if isinstance(ref, Mapping) else ref
        if not isinstance(url, str):
            raise ValueError(
                "an 'image_url' block sent to Ollama needs a string URL or {'url': str}; got "
                f"{type(url).__name__}"
            )
    elif kind == "image":
        inline = _inline_image(block)
        if inline is not None:
            return inline
        url = block.get("url")
        if not isinstance(url, str):
            raise ValueError(
                "image block without inline data cannot be sent: Ollama takes images as "
                "base64 only. Pass {'type': 'image', 'base64': ..., 'mime_type': ...}"
            )
    else:
        return None
    return _image_from_url(url)


def _flatten(
    content: str | Sequence[str | dict[str, Any]], *, assistant: bool
) -> tuple[str, list[str], str | None]:
    """Return (text, images, thinking) for one message's content."""
    if isinstance(content, str):
        return content, [], None
    texts: list[str] = []
    images: list[str] = []
    thoughts: list[str] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            continue
        kind = part.get("type")
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif (image := image_from_block(part)) is not None:
            images.append(image)
        elif kind in _REASONING_BLOCKS:
            if assistant and (thought := part.get(_REASONING_BLOCKS[kind])):
                thoughts.append(str(thought))
        elif kind in _TOOL_CALL_BLOCKS or kind in _IGNORED_BLOCKS:
            continue
        else:
            raise ValueError(
                f"content block of type {kind!r} cannot be sent to Ollama's chat endpoint, "
                "which takes text and inline images only; remove it or convert it to text"
            )
    return "\n".join(texts), images, ("".join(thoughts) or None)


def _role(message: BaseMessage) -> str:
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "assistant"
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, ToolMessage):
        return "tool"
    if isinstance(message, ChatMessage):
        return message.role
    raise TypeError(
        f"{type(message).__name__} cannot be sent to Ollama: use HumanMessage, AIMessage, "
        "SystemMessage, ToolMessage or ChatMessage"
    )


def _tool_names_by_id(messages: Iterable[BaseMessage]) -> dict[str, str]:
    return {
        call_id: call["name"]
        for message in messages
        if isinstance(message, AIMessage)
        for call in message.tool_calls
        if (call_id := call.get("id"))
    }


def to_ollama_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """Translate LangChain messages into the ``messages`` list of an ``/api/chat`` request.

    Raises:
        TypeError: A message kind Ollama has no role for.
        ValueError: Content Ollama cannot take (see the module docstring).
    """
    tool_names: dict[str, str] | None = None
    out: list[dict[str, Any]] = []
    for message in messages:
        role = _role(message)
        text, images, thinking = _flatten(message.content, assistant=role == "assistant")
        entry: dict[str, Any] = {"role": role, "content": text}
        if images:
            entry["images"] = images
        if isinstance(message, AIMessage):
            reasoning = message.additional_kwargs.get("reasoning_content")
            if isinstance(reasoning, str) and reasoning:
                thinking = reasoning
            if thinking:
                entry["thinking"] = thinking
            if message.tool_calls:
                entry["tool_calls"] = [
                    {"function": {"name": call["name"], "arguments": call["args"]}}
                    for call in message.tool_calls
                ]
        elif isinstance(message, ToolMessage):
            name = message.name
            if not name:
                if tool_names is None:
                    tool_names = _tool_names_by_id(messages)
                name = tool_names.get(message.tool_call_id)
            if name:
                entry["tool_name"] = name
        out.append(entry)
    return out
