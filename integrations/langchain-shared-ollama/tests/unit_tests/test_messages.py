"""LangChain messages to Ollama chat messages, without any I/O."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_shared_ollama._messages import to_ollama_messages


def test_messages_roles_follow_message_kinds() -> None:
    """Human, AI, system, tool and custom-role messages map to Ollama's roles."""
    out = to_ollama_messages(
        [
            SystemMessage("s"),
            HumanMessage("h"),
            AIMessage("a"),
            ToolMessage("t", tool_call_id="1", name="f"),
            ChatMessage(role="critic", content="c"),
        ]
    )

    assert [m["role"] for m in out] == ["system", "user", "assistant", "tool", "critic"]
    assert out[3]["tool_name"] == "f"


def test_messages_text_blocks_are_joined_with_newlines() -> None:
    """A list of text parts becomes one string, parts separated by newlines."""
    (out,) = to_ollama_messages([HumanMessage(["first", {"type": "text", "text": "second"}])])

    assert out == {"role": "user", "content": "first\nsecond"}


def test_messages_tool_result_takes_the_name_of_its_call() -> None:
    """A ToolMessage without ``name`` borrows the name of the tool call with its id."""
    out = to_ollama_messages(
        [
            AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1}, "id": "c1"}]),
            ToolMessage("2", tool_call_id="c1"),
            ToolMessage("?", tool_call_id="unknown"),
        ]
    )

    assert out[0]["tool_calls"] == [{"function": {"name": "add", "arguments": {"a": 1}}}]
    assert out[1] == {"role": "tool", "content": "2", "tool_name": "add"}
    assert out[2] == {"role": "tool", "content": "?"}


@pytest.mark.parametrize(
    "message",
    [
        AIMessage("answer", additional_kwargs={"reasoning_content": "because"}),
        AIMessage(
            [{"type": "reasoning", "reasoning": "because"}, {"type": "text", "text": "answer"}]
        ),
        AIMessage(
            [{"type": "thinking", "thinking": "because"}, {"type": "text", "text": "answer"}]
        ),
    ],
    ids=["additional_kwargs", "v1-block", "anthropic-block"],
)
def test_messages_assistant_reasoning_goes_back_as_thinking(message: AIMessage) -> None:
    """Reasoning kept on an AI message is sent back as Ollama's ``thinking``."""
    (out,) = to_ollama_messages([message])

    assert out == {"role": "assistant", "content": "answer", "thinking": "because"}


def test_messages_tool_call_blocks_in_content_are_skipped() -> None:
    """Tool-call blocks in content are not text: the calls travel in ``tool_calls``."""
    message = AIMessage(
        [{"type": "text", "text": "x"}, {"type": "tool_use", "id": "1", "name": "f", "input": {}}],
        tool_calls=[{"name": "f", "args": {}, "id": "1"}],
    )

    (out,) = to_ollama_messages([message])

    assert out["content"] == "x"
    assert out["tool_calls"] == [{"function": {"name": "f", "arguments": {}}}]


@pytest.mark.parametrize(
    "block",
    [
        {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"},
        {"type": "file", "base64": "AAAA", "mime_type": "application/pdf"},
        {"type": "image", "file_id": "file-1"},
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
        {"type": "image_url", "image_url": {"detail": "high"}},
    ],
    ids=["audio", "file", "image-file-id", "image-web-url", "image-url-missing"],
)
def test_messages_content_ollama_cannot_take_is_refused(block: dict[str, Any]) -> None:
    """Audio, files and images that are not inline raise ValueError saying what is accepted."""
    with pytest.raises(ValueError, match="Ollama"):
        to_ollama_messages([HumanMessage([{"type": "text", "text": "x"}, block])])


def test_messages_unknown_message_kind_is_a_type_error() -> None:
    """A message kind Ollama has no role for raises TypeError naming it."""
    with pytest.raises(TypeError, match="FunctionMessage"):
        to_ollama_messages([FunctionMessage(name="f", content="x")])


def test_messages_bare_base64_image_url_is_kept() -> None:
    """An ``image_url`` holding bare base64 (no data: prefix) is passed through."""
    (out,) = to_ollama_messages([HumanMessage([{"type": "image_url", "image_url": "QUJD"}])])

    assert out == {"role": "user", "content": "", "images": ["QUJD"]}
