"""Ollama chat replies to LlamaIndex ``ChatResponse`` objects (pure, no I/O).

A reply's ``thinking`` becomes a :class:`ThinkingBlock` placed first, its ``content`` a
:class:`TextBlock`, and each tool call a :class:`ToolCallBlock`. Token counts go to
``raw["usage"]`` under the keys ``TokenCountingHandler`` reads.

Streaming follows LlamaIndex's contract: every chunk carries the whole message so far plus the
``delta`` that just arrived. :class:`StreamAssembler` extends the running text by one append per
chunk and reuses the blocks that did not change, so a chunk costs the same at the end of a long
reply as at its start (apart from the one copy of the text the contract itself asks for).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from ._messages import tool_arguments

__all__ = [
    "OllamaChatReply",
    "OllamaMessage",
    "OllamaToolCall",
    "StreamAssembler",
    "to_chat_response",
    "usage_of",
]


class OllamaFunction(Protocol):
    """The ``function`` of a tool call in an Ollama reply."""

    @property
    def name(self) -> str:
        """Name of the tool the model wants to call."""

    @property
    def arguments(self) -> Mapping[str, Any]:
        """Arguments as a JSON object."""


class OllamaToolCall(Protocol):
    """One tool call in an Ollama reply."""

    @property
    def function(self) -> OllamaFunction:
        """What to call, and with which arguments."""


class OllamaMessage(Protocol):
    """The ``message`` of an Ollama chat reply or chunk."""

    @property
    def role(self) -> str:
        """``assistant`` for model replies."""

    @property
    def content(self) -> str | None:
        """The text (a fragment of it when streaming)."""

    @property
    def thinking(self) -> str | None:
        """The reasoning trace (a fragment of it when streaming), when thinking is on."""

    @property
    def tool_calls(self) -> Sequence[OllamaToolCall] | None:
        """Tools the model wants called."""


class OllamaChatReply(Protocol):
    """An Ollama ``/api/chat`` reply, or one chunk of a streamed reply."""

    @property
    def message(self) -> OllamaMessage:
        """The assistant message (or fragment)."""

    @property
    def done(self) -> bool | None:
        """Whether this is the last chunk."""

    @property
    def prompt_eval_count(self) -> int | None:
        """Tokens in the prompt, on the final chunk."""

    @property
    def eval_count(self) -> int | None:
        """Tokens generated, on the final chunk."""


def usage_of(reply: OllamaChatReply) -> dict[str, int] | None:
    """Token usage in the shape ``TokenCountingHandler`` reads, or ``None`` before the end."""
    prompt_tokens = reply.prompt_eval_count
    completion_tokens = reply.eval_count
    if prompt_tokens is None and completion_tokens is None:
        return None
    prompt_tokens = prompt_tokens or 0
    completion_tokens = completion_tokens or 0
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _raw(reply: OllamaChatReply) -> dict[str, Any]:
    """The reply as a shallow dict (as ``dict(reply)`` gives), plus ``usage`` on the last chunk.

    Copying the model's field storage costs a fraction of ``dict(reply)``, which first looks for
    a ``keys`` attribute through pydantic's slow ``__getattr__``; this runs once per chunk.
    """
    raw = reply.__dict__.copy()
    extra = getattr(reply, "__pydantic_extra__", None)
    if extra:
        raw.update(extra)
    if reply.done or reply.eval_count is not None:
        usage = usage_of(reply)
        if usage is not None:
            raw["usage"] = usage
    return raw


_ROLES = {role.value: role for role in MessageRole}


def _role(role: str) -> MessageRole:
    return _ROLES.get(role, MessageRole.ASSISTANT)


def _tool_call_block(call: OllamaToolCall) -> ToolCallBlock:
    call_id = getattr(call, "id", None)
    return ToolCallBlock(
        tool_call_id=str(call_id) if call_id else None,
        tool_name=call.function.name,
        tool_kwargs=tool_arguments(call.function.arguments),
    )


def to_chat_response(reply: OllamaChatReply) -> ChatResponse:
    """Convert a complete (non-streamed) Ollama chat reply.

    Args:
        reply: The core client's ``ChatResponse``.

    Returns:
        A LlamaIndex response whose ``raw`` is the reply as a dict plus ``usage``.
    """
    message = reply.message
    blocks: list[TextBlock | ThinkingBlock | ToolCallBlock] = []
    if message.thinking:
        blocks.append(ThinkingBlock(content=message.thinking))
    blocks.append(TextBlock(text=message.content or ""))
    blocks.extend(_tool_call_block(call) for call in message.tool_calls or ())
    return ChatResponse(
        message=ChatMessage(role=_role(message.role), blocks=blocks),
        raw=_raw(reply),
    )


def _call_key(block: ToolCallBlock) -> tuple[str, str]:
    if block.tool_call_id:
        return ("id", block.tool_call_id)
    return (block.tool_name, json.dumps(block.tool_kwargs, sort_keys=True, default=str))


class StreamAssembler:
    """Turns the chunks of one streamed reply into cumulative LlamaIndex responses.

    Each :meth:`feed` returns a response holding everything received so far (thinking, text,
    tool calls), the new text as ``delta`` and, when reasoning arrived, the new reasoning as
    ``additional_kwargs["thinking_delta"]`` (what LlamaIndex agents read with ``.get``). A tool
    call repeated by the server in a later chunk is kept once.
    """

    __slots__ = ("_seen_calls", "_text", "_text_block", "_thinking", "_thinking_block", "_tools")

    def __init__(self) -> None:
        self._text = ""
        self._thinking = ""
        self._text_block = TextBlock(text="")
        self._thinking_block: ThinkingBlock | None = None
        self._tools: list[ToolCallBlock] = []
        self._seen_calls: set[tuple[str, str]] = set()

    def __repr__(self) -> str:
        return (
            f"StreamAssembler(text_chars={len(self._text)}, "
            f"thinking_chars={len(self._thinking)}, tool_calls={len(self._tools)})"
        )

    @property
    def text(self) -> str:
        """The text received so far."""
        return self._text

    def feed(self, chunk: OllamaChatReply) -> ChatResponse:
        """Add one chunk and return the response as it stands after it."""
        message = chunk.message
        delta = message.content or ""
        if delta:
            self._text += delta
            self._text_block = TextBlock(text=self._text)
        thinking_delta = message.thinking or None
        if thinking_delta:
            self._thinking += thinking_delta
            self._thinking_block = ThinkingBlock(content=self._thinking)
        for call in message.tool_calls or ():
            block = _tool_call_block(call)
            key = _call_key(block)
            if key not in self._seen_calls:
                self._seen_calls.add(key)
                self._tools.append(block)
        blocks: list[TextBlock | ThinkingBlock | ToolCallBlock] = [self._text_block]
        if self._thinking_block is not None:
            blocks.insert(0, self._thinking_block)
        if self._tools:
            blocks.extend(self._tools)
        return ChatResponse(
            message=ChatMessage(role=_role(message.role), blocks=blocks),
            delta=delta,
            raw=_raw(chunk),
            additional_kwargs={"thinking_delta": thinking_delta} if thinking_delta else {},
        )
