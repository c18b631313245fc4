"""Unit tests: LlamaIndex messages to Ollama ``/api/chat`` messages.

The expected shapes are written from Ollama's API documentation (docs/api.md, "Generate a chat
completion": ``role``/``content``/``images``/``tool_calls``, tool results with ``role: tool``
and ``tool_name``, and ``thinking`` on assistant messages), not from recordings.
"""

from __future__ import annotations

import base64

import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    CacheControl,
    CachePoint,
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from llama_index.llms.shared_ollama._messages import to_ollama_messages, tool_arguments

# A 1x1 transparent PNG: a real image, small enough to read in the test.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def test_to_ollama_messages_plain_conversation_matches_documented_shape() -> None:
    """A system + user conversation becomes role/content objects as in the docs' example."""
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="Be brief."),
        ChatMessage(role=MessageRole.USER, content="why is the sky blue?"),
    ]

    assert to_ollama_messages(messages) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "why is the sky blue?"},
    ]


def test_to_ollama_messages_text_blocks_join_like_message_content() -> None:
    """Several text blocks are sent exactly as ``ChatMessage.content`` reads them."""
    message = ChatMessage(role="user", blocks=[TextBlock(text="one"), TextBlock(text="two")])

    (wire,) = to_ollama_messages([message])

    assert wire["content"] == message.content == "one\ntwo"


def test_to_ollama_messages_image_block_becomes_base64_in_images() -> None:
    """Images go to ``images`` as base64 strings (docs: "Chat request (with images)")."""
    message = ChatMessage(
        role="user", blocks=[TextBlock(text="what is in this image?"), ImageBlock(image=PNG)]
    )

    (wire,) = to_ollama_messages([message])

    assert wire["content"] == "what is in this image?"
    assert wire["images"] == [base64.b64encode(PNG).decode("ascii")]


@pytest.mark.parametrize(
    ("role", "sent"),
    [
        (MessageRole.DEVELOPER, "system"),
        (MessageRole.CHATBOT, "assistant"),
        (MessageRole.MODEL, "assistant"),
        (MessageRole.FUNCTION, "tool"),
        (MessageRole.ASSISTANT, "assistant"),
    ],
)
def test_to_ollama_messages_roles_map_onto_the_four_ollama_roles(
    role: MessageRole, sent: str
) -> None:
    """Ollama accepts system, user, assistant and tool only; other roles are mapped."""
    (wire,) = to_ollama_messages([ChatMessage(role=role, content="x")])

    assert wire["role"] == sent


def test_to_ollama_messages_tool_calls_become_documented_function_objects() -> None:
    """An assistant's tool calls are sent as ``{"function": {"name", "arguments"}}`` objects."""
    message = ChatMessage(
        role="assistant",
        blocks=[
            TextBlock(text=""),
            ToolCallBlock(
                tool_name="get_current_weather",
                tool_kwargs={"format": "celsius", "location": "Paris, FR"},
            ),
            ToolCallBlock(tool_name="get_time", tool_kwargs='{"zone": "CET"}'),
        ],
    )

    (wire,) = to_ollama_messages([message])

    assert wire["tool_calls"] == [
        {
            "function": {
                "name": "get_current_weather",
                "arguments": {"format": "celsius", "location": "Paris, FR"},
            }
        },
        {"function": {"name": "get_time", "arguments": {"zone": "CET"}}},
    ]


def test_to_ollama_messages_tool_result_gets_the_name_agents_stored_as_id() -> None:
    """An agent's tool result (``tool_call_id`` = the tool's name, as Ollama has no ids) is named."""
    messages = [
        ChatMessage(
            role="assistant",
            blocks=[ToolCallBlock(tool_name="get_current_weather", tool_kwargs={})],
        ),
        ChatMessage(
            role="tool",
            content="22 degrees",
            additional_kwargs={"tool_call_id": "get_current_weather"},
        ),
    ]

    tool_result = to_ollama_messages(messages)[1]

    assert tool_result == {
        "role": "tool",
        "content": "22 degrees",
        "tool_name": "get_current_weather",
    }


def test_to_ollama_messages_tool_result_with_real_id_keeps_id_and_finds_name() -> None:
    """When the call had an id, the result carries it and the name of the call it answers."""
    messages = [
        ChatMessage(
            role="assistant",
            blocks=[ToolCallBlock(tool_call_id="call_7", tool_name="add", tool_kwargs={"a": 1})],
        ),
        ChatMessage(role="tool", content="3", additional_kwargs={"tool_call_id": "call_7"}),
    ]

    tool_result = to_ollama_messages(messages)[1]

    assert tool_result["tool_name"] == "add"
    assert tool_result["tool_call_id"] == "call_7"


def test_to_ollama_messages_thinking_block_is_sent_as_thinking() -> None:
    """An assistant's earlier reasoning goes back in ``thinking``, apart from ``content``."""
    message = ChatMessage(
        role="assistant",
        blocks=[ThinkingBlock(content="The user greets me."), TextBlock(text="Hello!")],
    )

    (wire,) = to_ollama_messages([message])

    assert wire == {"role": "assistant", "content": "Hello!", "thinking": "The user greets me."}


def test_to_ollama_messages_legacy_additional_kwargs_tool_calls_are_sent() -> None:
    """Histories that kept tool calls in ``additional_kwargs`` still send them."""
    message = ChatMessage(
        role="assistant",
        content="",
        additional_kwargs={
            "tool_calls": [{"function": {"name": "lookup", "arguments": {"q": "x"}}}]
        },
    )

    (wire,) = to_ollama_messages([message])

    assert wire["tool_calls"] == [{"function": {"name": "lookup", "arguments": {"q": "x"}}}]


def test_to_ollama_messages_cache_point_is_ignored() -> None:
    """A prompt-caching hint for other providers does not reach Ollama."""
    message = ChatMessage(
        role="user",
        blocks=[TextBlock(text="hi"), CachePoint(cache_control=CacheControl(type="ephemeral"))],
    )

    assert to_ollama_messages([message]) == [{"role": "user", "content": "hi"}]


def test_to_ollama_messages_audio_block_raises_type_error_naming_it() -> None:
    """Blocks Ollama cannot carry fail before anything is sent, naming the block."""
    message = ChatMessage(role="user", blocks=[AudioBlock(audio=b"RIFF....", format="wav")])

    with pytest.raises(TypeError, match="AudioBlock"):
        to_ollama_messages([message])


@pytest.mark.parametrize(
    ("given", "expected"),
    [({"a": 1}, {"a": 1}), ('{"a": 1}', {"a": 1}), ("", {}), (None, {})],
)
def test_tool_arguments_accepts_mappings_and_json_object_strings(
    given: object, expected: dict[str, object]
) -> None:
    """Arguments stored as dicts or JSON strings both become a JSON object."""
    assert tool_arguments(given) == expected  # type: ignore[arg-type]


def test_tool_arguments_rejects_json_that_is_not_an_object() -> None:
    """A JSON array is not an argument object."""
    with pytest.raises(TypeError, match="JSON object"):
        tool_arguments("[1, 2]")


def test_tool_arguments_rejects_text_that_is_not_json() -> None:
    """Broken JSON raises ValueError quoting it."""
    with pytest.raises(ValueError, match="not valid JSON"):
        tool_arguments("{oops")
