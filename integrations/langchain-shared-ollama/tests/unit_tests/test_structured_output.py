"""``with_structured_output``: what each method sends and how the answer is parsed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from pydantic import BaseModel
from typing_extensions import TypedDict

from langchain_shared_ollama import ChatSharedOllama


class Joke(BaseModel):
    """A joke."""

    setup: str
    punchline: str


class JokeDict(TypedDict):
    """A joke, as a dict."""

    setup: str
    punchline: str


JOKE = {"setup": "Why?", "punchline": "Because."}


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_structured_json_schema_sends_schema_as_format(
    fake: Any, chat_answer_factory: Any, mode: str
) -> None:
    """The default method sends the pydantic schema as ``format`` and returns an instance."""
    fake.answer("/api/chat", chat_answer_factory(json.dumps(JOKE)))
    chain = ChatSharedOllama(model="m", **fake.clients()).with_structured_output(Joke)

    result = chain.invoke("joke") if mode == "sync" else await chain.ainvoke("joke")

    assert result == Joke(**JOKE)
    body = fake.bodies("/api/chat")[0]
    assert body["format"] == Joke.model_json_schema()
    assert body["stream"] is False


def test_structured_typeddict_returns_dict(fake: Any, chat_answer_factory: Any) -> None:
    """A TypedDict schema is sent as JSON schema and the result is a dict."""
    fake.answer("/api/chat", chat_answer_factory(json.dumps(JOKE)))
    chain = ChatSharedOllama(model="m", **fake.clients()).with_structured_output(JokeDict)

    assert chain.invoke("joke") == JOKE
    assert set(fake.bodies("/api/chat")[0]["format"]["properties"]) == {"setup", "punchline"}


def test_structured_json_mode_sends_json_format(fake: Any, chat_answer_factory: Any) -> None:
    """``json_mode`` sends ``format: "json"``; a schema is optional."""
    fake.answer("/api/chat", chat_answer_factory(json.dumps(JOKE)))
    chain = ChatSharedOllama(model="m", **fake.clients()).with_structured_output(method="json_mode")

    assert chain.invoke("joke") == JOKE
    assert fake.bodies("/api/chat")[0]["format"] == "json"


def test_structured_function_calling_binds_one_tool(fake: Any, chat_answer_factory: Any) -> None:
    """``function_calling`` sends only the schema's tool and parses its call."""
    fake.answer(
        "/api/chat",
        chat_answer_factory(
            "", message={"tool_calls": [{"function": {"name": "Joke", "arguments": JOKE}}]}
        ),
    )
    chain = ChatSharedOllama(model="m", **fake.clients()).with_structured_output(
        Joke, method="function_calling"
    )

    assert chain.invoke("joke") == Joke(**JOKE)
    body = fake.bodies("/api/chat")[0]
    assert [tool["function"]["name"] for tool in body["tools"]] == ["Joke"]
    assert "format" not in body


def test_structured_include_raw_keeps_parsing_errors(fake: Any, chat_answer_factory: Any) -> None:
    """With ``include_raw`` an unparsable answer comes back with its error, not raised."""
    fake.answer("/api/chat", chat_answer_factory("not json"))
    chain = ChatSharedOllama(model="m", **fake.clients()).with_structured_output(
        Joke, include_raw=True
    )

    result = chain.invoke("joke")

    assert isinstance(result["raw"], AIMessage)
    assert result["parsed"] is None
    assert result["parsing_error"] is not None


def test_structured_stream_yields_parsed_objects(fake: Any, chat_stream_factory: Any) -> None:
    """Streaming a structured chain ends with the complete parsed object."""
    text = json.dumps(JOKE)
    fake.stream("/api/chat", chat_stream_factory(text[:10], text[10:]))
    chain = ChatSharedOllama(model="m", **fake.clients()).with_structured_output(Joke)

    chunks = list(chain.stream("joke"))

    assert chunks[-1] == Joke(**JOKE)


def test_structured_output_refuses_bad_arguments() -> None:
    """Unknown methods, a missing schema and unknown keyword arguments are ValueErrors."""
    model = ChatSharedOllama(model="m")

    with pytest.raises(ValueError, match="method="):
        model.with_structured_output(Joke, method="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a schema"):
        model.with_structured_output(None)
    with pytest.raises(ValueError, match="unsupported"):
        model.with_structured_output(Joke, temperature=0)
