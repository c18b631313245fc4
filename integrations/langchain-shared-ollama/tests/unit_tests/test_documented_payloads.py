"""Tool calls, thinking and images, on payloads written from Ollama's API documentation.

The recorded server (smollm2:135m on Ollama 0.5.4) has no tool template, no vision and no
thinking, so these capabilities are exercised here instead: the answers below follow the
examples of Ollama's ``docs/api.md`` ("Chat request (with tools)", "Chat request (with
images)", thinking responses with ``message.thinking``), not recordings. Requests are checked
against the same document.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import BaseModel, Field

from langchain_shared_ollama import ChatSharedOllama

# A real 1x1 PNG, the kind of base64 the documentation's "images" example carries.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()

DOC_TOOL_ANSWER: dict[str, Any] = {
    "model": "llama3.2",
    "created_at": "2024-07-22T20:33:28.123648Z",
    "message": {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "function": {
                    "name": "get_current_weather",
                    "arguments": {"format": "celsius", "location": "Paris, FR"},
                }
            }
        ],
    },
    "done_reason": "stop",
    "done": True,
    "total_duration": 885095291,
    "load_duration": 3753500,
    "prompt_eval_count": 122,
    "prompt_eval_duration": 328493000,
    "eval_count": 33,
    "eval_duration": 552222000,
}

DOC_THINKING_ANSWER: dict[str, Any] = {
    "model": "deepseek-r1",
    "created_at": "2025-05-29T09:35:56.836222Z",
    "message": {
        "role": "assistant",
        "content": "The sky appears blue because of Rayleigh scattering.",
        "thinking": "The user asks why the sky is blue. Think about scattering.",
    },
    "done_reason": "stop",
    "done": True,
    "total_duration": 1_000_000_000,
    "load_duration": 10_000_000,
    "prompt_eval_count": 9,
    "prompt_eval_duration": 50_000_000,
    "eval_count": 40,
    "eval_duration": 900_000_000,
}


DOC_WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather for a location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {
                    "type": "string",
                    "description": "The location to get the weather for, e.g. San Francisco, CA",
                },
                "format": {
                    "type": "string",
                    "description": "The format to return the weather in, e.g. 'celsius' or "
                    "'fahrenheit'",
                    "enum": ["celsius", "fahrenheit"],
                },
            },
            "required": ["location", "format"],
        },
    },
}


class GetCurrentWeather(BaseModel):
    """Get the current weather for a location."""

    location: str = Field(description="The location to get the weather for, e.g. Paris, FR")
    format: str = Field(description="The format to return the weather in: celsius or fahrenheit")


def test_documented_tool_call_answer_becomes_tool_call(fake: Any) -> None:
    """The documented tool-call answer yields one LangChain tool call with its arguments."""
    fake.answer("/api/chat", DOC_TOOL_ANSWER)
    model = ChatSharedOllama(model="llama3.2", **fake.clients()).bind_tools([GetCurrentWeather])

    result = model.invoke("What is the weather today in Paris?")

    assert isinstance(result, AIMessage)
    assert len(result.tool_calls) == 1
    call = result.tool_calls[0]
    assert call["name"] == "get_current_weather"
    assert call["args"] == {"format": "celsius", "location": "Paris, FR"}
    assert call["id"]
    assert [block["type"] for block in result.content_blocks] == ["tool_call"]


def test_documented_tool_definition_is_sent(fake: Any) -> None:
    """A documented tool definition is sent unchanged; a pydantic class in the same shape."""
    fake.answer("/api/chat", DOC_TOOL_ANSWER)
    model = ChatSharedOllama(model="llama3.2", **fake.clients()).bind_tools(
        [DOC_WEATHER_TOOL, GetCurrentWeather]
    )

    model.invoke("What is the weather today in Paris?")

    documented, from_class = fake.bodies("/api/chat")[0]["tools"]
    assert documented == DOC_WEATHER_TOOL
    assert from_class["type"] == "function"
    assert from_class["function"]["name"] == "GetCurrentWeather"
    assert from_class["function"]["parameters"]["required"] == ["location", "format"]


async def test_documented_streamed_tool_call_arrives_whole(fake: Any) -> None:
    """A tool call in a non-final stream chunk survives aggregation, with usage once."""
    first = {**DOC_TOOL_ANSWER, "done": False}
    for key in ("done_reason", "total_duration", "load_duration", "prompt_eval_count"):
        first.pop(key)
    for key in ("prompt_eval_duration", "eval_count", "eval_duration"):
        first.pop(key)
    final = {**DOC_TOOL_ANSWER, "message": {"role": "assistant", "content": ""}}
    fake.stream("/api/chat", [first, final])
    model = ChatSharedOllama(model="llama3.2", **fake.clients()).bind_tools([GetCurrentWeather])

    chunks = [chunk async for chunk in model.astream("What is the weather today in Paris?")]

    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [
        ("get_current_weather", {"format": "celsius", "location": "Paris, FR"})
    ]
    assert full.usage_metadata is not None
    assert full.usage_metadata["input_tokens"] == 122


def test_documented_tool_result_history_is_sent(fake: Any) -> None:
    """A tool round trip goes back as an assistant ``tool_calls`` turn and a ``tool`` turn."""
    fake.answer("/api/chat", DOC_THINKING_ANSWER)
    model = ChatSharedOllama(model="llama3.2", **fake.clients()).bind_tools([GetCurrentWeather])
    call = {
        "name": "get_current_weather",
        "args": {"format": "celsius", "location": "Paris, FR"},
        "id": "call-1",
        "type": "tool_call",
    }

    model.invoke(
        [
            HumanMessage("What is the weather today in Paris?"),
            AIMessage("", tool_calls=[call]),
            ToolMessage("22 degrees", tool_call_id="call-1"),
        ]
    )

    messages = fake.bodies("/api/chat")[0]["messages"]
    assert messages[1]["tool_calls"] == [
        {
            "function": {
                "name": "get_current_weather",
                "arguments": {"format": "celsius", "location": "Paris, FR"},
            }
        }
    ]
    assert messages[2] == {
        "role": "tool",
        "content": "22 degrees",
        "tool_name": "get_current_weather",
    }


def test_documented_tool_call_with_string_arguments_is_decoded(fake: Any) -> None:
    """Arguments some servers send as a JSON string arrive as a dict."""
    answer = {
        **DOC_TOOL_ANSWER,
        "message": {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "a", "arguments": '{"x": 1}'}}],
        },
    }
    fake.answer("/api/chat", answer)
    model = ChatSharedOllama(model="llama3.2", **fake.clients())

    result = model.invoke("Hi")

    assert [(c["name"], c["args"]) for c in result.tool_calls] == [("a", {"x": 1})]


@pytest.mark.parametrize(
    ("tool_choice", "sent"),
    [
        (None, ["get_current_weather", "other_tool"]),
        ("auto", ["get_current_weather", "other_tool"]),
        ("any", ["get_current_weather", "other_tool"]),
        (True, ["get_current_weather", "other_tool"]),
        (False, []),
        ("other_tool", ["other_tool"]),
        ({"type": "function", "function": {"name": "other_tool"}}, ["other_tool"]),
        ("none", []),
    ],
)
def test_tool_choice_chooses_the_tools_sent(fake: Any, tool_choice: Any, sent: Any) -> None:
    """What ``tool_choice`` can enforce, it enforces through the list of tools sent."""

    def other_tool(x: int) -> int:
        """Another tool."""
        return x

    fake.answer("/api/chat", DOC_THINKING_ANSWER)
    model = ChatSharedOllama(model="llama3.2", **fake.clients()).bind_tools(
        [DOC_WEATHER_TOOL, other_tool], tool_choice=tool_choice
    )

    model.invoke("Hi")

    tools = fake.bodies("/api/chat")[0]["tools"]  # always sent, as ollama-python sends it
    assert [t["function"]["name"] for t in tools] == sent


def test_tool_choice_naming_an_unbound_tool_fails_at_bind() -> None:
    """A ``tool_choice`` that names no bound tool is refused before any call."""
    with pytest.raises(ValueError, match="not one of the bound tools"):
        ChatSharedOllama(model="m").bind_tools([GetCurrentWeather], tool_choice="missing")


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_documented_thinking_becomes_reasoning(fake: Any, mode: str) -> None:
    """``reasoning=True`` sends ``think: true``; ``message.thinking`` is reasoning content."""
    fake.answer("/api/chat", DOC_THINKING_ANSWER)
    model = ChatSharedOllama(model="deepseek-r1", reasoning=True, **fake.clients())

    result = (
        model.invoke("Why is the sky blue?")
        if mode == "sync"
        else await model.ainvoke("Why is the sky blue?")
    )

    assert fake.bodies("/api/chat")[0]["think"] is True
    assert result.content == "The sky appears blue because of Rayleigh scattering."
    assert result.additional_kwargs["reasoning_content"].startswith("The user asks")
    assert result.content_blocks[0] == {
        "type": "reasoning",
        "reasoning": "The user asks why the sky is blue. Think about scattering.",
    }


def test_documented_streamed_thinking_accumulates(fake: Any) -> None:
    """Thinking streamed piece by piece adds up to the whole reasoning."""
    pieces = [
        {"model": "deepseek-r1", "message": {"role": "assistant", "content": "", "thinking": t}}
        for t in ("The user ", "asks.")
    ]
    for piece in pieces:
        piece["done"] = False
    final = {**DOC_THINKING_ANSWER, "message": {"role": "assistant", "content": "Blue."}}
    fake.stream("/api/chat", [*pieces, final])
    model = ChatSharedOllama(model="deepseek-r1", reasoning="high", **fake.clients())

    chunks = list(model.stream("Why?"))

    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert fake.bodies("/api/chat")[0]["think"] == "high"
    assert full.additional_kwargs["reasoning_content"] == "The user asks."
    assert full.content == "Blue."


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "image_url", "image_url": f"data:image/png;base64,{PNG}"},
        {"type": "image", "base64": PNG, "mime_type": "image/png"},
        {"type": "image", "source_type": "base64", "data": PNG, "mime_type": "image/png"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
    ],
    ids=["openai-data-url", "openai-string", "v1-base64", "v0-base64", "anthropic"],
)
def test_documented_image_request_carries_base64(fake: Any, block: dict[str, Any]) -> None:
    """Every image block form becomes the documented ``images: [base64]`` of the message."""
    fake.answer("/api/chat", DOC_THINKING_ANSWER)
    model = ChatSharedOllama(model="llava", **fake.clients())

    model.invoke([HumanMessage([{"type": "text", "text": "what is in this image?"}, block])])

    (message,) = fake.bodies("/api/chat")[0]["messages"]
    assert message == {"role": "user", "content": "what is in this image?", "images": [PNG]}


def test_image_by_web_url_is_refused_before_sending(fake: Any) -> None:
    """Ollama takes inline images only: a web URL is a ValueError saying what to pass."""
    model = ChatSharedOllama(model="llava", **fake.clients())
    message = HumanMessage([{"type": "image", "url": "https://example.com/cat.png"}])

    with pytest.raises(ValueError, match="base64"):
        model.invoke([message])
    assert fake.requests == []
