"""Ollama ``/api/chat`` responses to LangChain messages and stream chunks: a pure translation.

One response (``stream=False``) becomes an :class:`~langchain_core.messages.AIMessage` through
:func:`ai_message`. A stream becomes :class:`~langchain_core.outputs.ChatGenerationChunk` objects
through :func:`chat_chunk`, one per Ollama chunk; the sync and async shells both call it, so
there is one copy of the per-chunk logic.

What goes where:

- ``message.content`` -> message content.
- ``message.thinking`` -> ``additional_kwargs["reasoning_content"]`` (LangChain renders it as a
  ``reasoning`` content block, and ``output_version="v1"`` stores it as one).
- ``message.tool_calls`` -> ``tool_calls`` with a fresh id when Ollama sends none; arguments that
  arrive as a JSON string are decoded, and undecodable ones become ``invalid_tool_calls``.
- The final chunk's counters -> ``usage_metadata`` (``prompt_eval_count`` is the input,
  ``eval_count`` the output) and ``response_metadata`` (``model_name``,
  ``model_provider="ollama"``, ``done_reason``, durations in nanoseconds). In a stream only the
  final chunk carries them, so input tokens are counted once, and it is marked
  ``chunk_position="last"``.
- ``logprobs`` (asked with ``logprobs=True``) -> ``response_metadata["logprobs"]``: the whole
  list on an ``invoke``; in a stream, each chunk carries the entries Ollama sent with it, so the
  chunks added together (what ``invoke`` with ``streaming=True`` returns) hold every token's, in
  order, as ``langchain-ollama`` does.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk, InvalidToolCall, ToolCall
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call
from langchain_core.outputs import ChatGenerationChunk

__all__ = [
    "PROVIDER",
    "ai_message",
    "chat_chunk",
    "response_metadata",
    "tool_calls_from_ollama",
    "usage_metadata",
]

PROVIDER = "ollama"
"""The ``model_provider`` and ``ls_provider`` of every result."""

_STAT_FIELDS = (
    "created_at",
    "done",
    "done_reason",
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
)


def usage_metadata(response: Any) -> UsageMetadata:
    """Return token usage from a final response; counts Ollama leaves out are 0."""
    input_tokens = response.prompt_eval_count or 0
    output_tokens = response.eval_count or 0
    # cast: langchain-core marks the detail keys with typing.NotRequired, which mypy's
    # Python 3.10 target does not know, so it would demand them.
    return cast(
        "UsageMetadata",
        {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
    )


def response_metadata(response: Any) -> dict[str, Any]:
    """Return the ``response_metadata`` of a final response (``None`` fields are left out)."""
    metadata: dict[str, Any] = {"model_provider": PROVIDER}
    if response.model is not None:
        metadata["model"] = response.model
        metadata["model_name"] = response.model
    for name in _STAT_FIELDS:
        value = getattr(response, name, None)
        if value is not None:
            metadata[name] = value
    logprobs = getattr(response, "logprobs", None)
    if logprobs:
        metadata["logprobs"] = _plain_list(logprobs)
    return metadata


def _plain_list(items: Any) -> list[Any]:
    """Ollama's ``logprobs`` entries as plain dicts (the core may hand them over as models)."""
    plain = []
    for item in items:
        dump = getattr(item, "model_dump", None)
        plain.append(dump(exclude_none=True) if callable(dump) else item)
    return plain


def tool_calls_from_ollama(raw: Any) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Return LangChain tool calls (and the undecodable ones) from Ollama's ``tool_calls``."""
    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for item in raw or ():
        function = item.function
        call_id = getattr(item, "id", None) or str(uuid.uuid4())
        arguments = function.arguments
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError as exc:
                invalid.append(
                    invalid_tool_call(
                        name=function.name,
                        args=function.arguments,
                        id=call_id,
                        error=f"arguments are not valid JSON: {exc}",
                    )
                )
                continue
        if not isinstance(arguments, dict):
            invalid.append(
                invalid_tool_call(
                    name=function.name,
                    args=json.dumps(arguments),
                    id=call_id,
                    error="arguments are not a JSON object",
                )
            )
            continue
        calls.append(tool_call(name=function.name, args=arguments, id=call_id))
    return calls, invalid


def _message_parts(response: Any) -> tuple[str, dict[str, Any], Any]:
    message = response.message
    if message is None:
        return "", {}, None
    extra = {"reasoning_content": message.thinking} if message.thinking else {}
    return message.content or "", extra, message.tool_calls


def ai_message(response: Any) -> AIMessage:
    """Return the :class:`AIMessage` for one non-streamed ``/api/chat`` response."""
    content, extra, raw_calls = _message_parts(response)
    calls, invalid = tool_calls_from_ollama(raw_calls)
    return AIMessage(
        content=content,
        additional_kwargs=extra,
        tool_calls=calls,
        invalid_tool_calls=invalid,
        usage_metadata=usage_metadata(response),
        response_metadata=response_metadata(response),
    )


def chat_chunk(response: Any) -> ChatGenerationChunk | None:
    """Return the LangChain chunk for one chunk of an ``/api/chat`` stream, or ``None``.

    ``None`` means "skip it": a ``done_reason="load"`` chunk with no text only says that the
    model was loaded. The final chunk (``done``) carries usage and metadata and is marked
    ``chunk_position="last"``; the others carry only what they add.
    """
    message = response.message
    logprobs = getattr(response, "logprobs", None)
    if (
        not response.done
        and message is not None
        and not message.thinking
        and not message.tool_calls
        and not logprobs
    ):
        # The hot path of every stream: plain text, nothing else to carry.
        return ChatGenerationChunk(message=AIMessageChunk(content=message.content or ""))
    content, extra, raw_calls = _message_parts(response)
    if not response.done:
        calls, invalid = tool_calls_from_ollama(raw_calls)
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content=content,
                additional_kwargs=extra,
                tool_calls=calls,
                invalid_tool_calls=invalid,
                response_metadata={"logprobs": _plain_list(logprobs)} if logprobs else {},
            )
        )
    if response.done_reason == "load" and not content.strip():
        return None
    calls, invalid = tool_calls_from_ollama(raw_calls)
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content=content,
            additional_kwargs=extra,
            tool_calls=calls,
            invalid_tool_calls=invalid,
            usage_metadata=usage_metadata(response),
            response_metadata=response_metadata(response),
            chunk_position="last",
        )
    )
