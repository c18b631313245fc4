"""Tool calling between LlamaIndex and Ollama (pure, no I/O).

Ollama takes tools in the OpenAI function shape and answers with ``tool_calls`` whose arguments
are JSON objects. It has no way to force a tool call (``tool_choice``) and calls carry no ids
before recent servers, so a call's name stands in for its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection

from ._messages import tool_arguments

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["conversation", "keep_first_tool_call", "tool_selections", "tool_specs"]


def tool_specs(tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
    """Ollama ``tools`` for LlamaIndex tools (OpenAI function shape, no length limit)."""
    return [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]


def conversation(
    user_msg: str | ChatMessage | None, chat_history: Sequence[ChatMessage] | None
) -> list[ChatMessage]:
    """The messages to send: a copy of the history, then the new user message if any."""
    messages = list(chat_history or ())
    if isinstance(user_msg, str):
        user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
    if user_msg is not None:
        messages.append(user_msg)
    return messages


def keep_first_tool_call(response: ChatResponse) -> ChatResponse:
    """Drop every tool call after the first, for callers that did not allow parallel calls."""
    seen_call = False
    kept = []
    for block in response.message.blocks:
        if isinstance(block, ToolCallBlock):
            if seen_call:
                continue
            seen_call = True
        kept.append(block)
    if len(kept) != len(response.message.blocks):
        response.message.blocks = kept
    return response


def tool_selections(response: ChatResponse, *, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """The tool calls of a response as LlamaIndex ``ToolSelection`` objects.

    Raises:
        ValueError: There is no call and ``error_on_no_tool_call`` is true.
    """
    selections = [
        ToolSelection(
            tool_id=block.tool_call_id or block.tool_name,
            tool_name=block.tool_name,
            tool_kwargs=tool_arguments(block.tool_kwargs),
        )
        for block in response.message.blocks
        if isinstance(block, ToolCallBlock)
    ]
    if not selections and error_on_no_tool_call:
        raise ValueError(
            "the model answered without calling a tool: pass error_on_no_tool_call=False to "
            "accept plain answers, or use a model whose capabilities include 'tools'"
        )
    return selections
