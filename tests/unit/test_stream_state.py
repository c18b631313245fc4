"""The stream state machine: one-pass decoding of lines into typed chunks, same results as before.

Every line goes either through the one-pass path (pydantic validates the raw line into the
chunk model) or through the general path (decode, classify, validate the ``dict``). These
tests pin that the choice never shows: same chunks, same ``.partial``, same errors.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_ollama import (
    ModelNotFoundError,
    ServerError,
    SharedOllamaError,
    StreamInterruptedError,
)
from shared_ollama._core._calls import ApiCall, chat_call, generate_call, pull_call
from shared_ollama._core._stream_state import StreamState
from shared_ollama._responses import ChatResponse

HOST = "http://127.0.0.1:11434"
CHAT = chat_call(
    "m",
    [{"role": "user", "content": "hi"}],
    tools=None,
    stream=True,
    think=None,
    format=None,
    options=None,
    keep_alive=None,
)
GENERATE = generate_call(
    "m",
    "hi",
    suffix=None,
    system=None,
    template=None,
    context=None,
    stream=True,
    think=None,
    raw=None,
    format=None,
    images=None,
    options=None,
    keep_alive=None,
)
PULL = pull_call("m", insecure=False, stream=True)


def chat_line(content: str, **extra: Any) -> bytes:
    return json.dumps(
        {"model": "m", "message": {"role": "assistant", "content": content}, "done": False, **extra}
    ).encode()


FINAL = json.dumps(
    {"model": "m", "message": {"role": "assistant", "content": ""}, "done": True, "eval_count": 2}
).encode()


def general(call: ApiCall[Any]) -> ApiCall[Any]:
    """The same call with the one-pass path turned off (every line decoded, then validated)."""
    return dataclasses.replace(call, parse_line=None)


def run(call: ApiCall[Any], lines: list[bytes]) -> tuple[list[Any], str, Any]:
    """Feed the lines one per network chunk; return the chunks, the partial text, the error."""
    state = StreamState(call, HOST)
    items: list[Any] = []
    try:
        for line in lines:
            items.extend(state.feed(line + b"\n"))
        items.extend(state.finish())
    except SharedOllamaError as exc:
        return items, state.partial, exc
    return items, state.partial, None


def same_outcome(call: ApiCall[Any], lines: list[bytes]) -> None:
    fast_items, fast_partial, fast_error = run(call, lines)
    slow_items, slow_partial, slow_error = run(general(call), lines)
    assert fast_items == slow_items
    assert fast_partial == slow_partial
    assert type(fast_error) is type(slow_error)
    if fast_error is not None:
        assert str(fast_error) == str(slow_error)
        assert getattr(fast_error, "partial", None) == getattr(slow_error, "partial", None)
        assert getattr(fast_error, "status_code", None) == getattr(slow_error, "status_code", None)


def test_stream_state_chat_chunks_are_typed_and_read_both_ways() -> None:
    """Chunks decoded in one pass read as attributes and as mappings, unknown fields kept."""
    items, partial, error = run(
        CHAT, [chat_line("Hel", new_field={"a": 1}), chat_line("lo"), FINAL]
    )
    assert error is None
    assert [type(item) for item in items] == [ChatResponse] * 3
    assert items[0].message.content == items[0]["message"]["content"] == "Hel"
    assert items[0]["new_field"] == {"a": 1}
    assert "new_field" in items[0]
    assert items[2].done is True
    assert items[2]["eval_count"] == 2
    assert partial == "Hello"


@pytest.mark.parametrize(
    ("lines", "error_type"),
    [
        ([b'{"error": "model \\"m\\" not found, try pulling it first"}'], ModelNotFoundError),
        ([chat_line("a"), b'{"error": "runner crashed"}'], StreamInterruptedError),
        # a line shaped like a chunk that also carries an error is still an error line
        ([chat_line("a"), chat_line("b", error="out of memory")], StreamInterruptedError),
        ([chat_line("a", error=None)], ServerError),
        ([chat_line("a"), b"[1, 2]"], StreamInterruptedError),
        ([b'"just a string"'], ServerError),
        ([chat_line("a"), b"{not json"], StreamInterruptedError),
        # misshapen mid-stream: an interruption keeping the text so far, like a non-object line
        ([chat_line("a"), b'{"model": "m", "message": {"content": 3}}'], StreamInterruptedError),
        ([b'{"model": "m", "message": {"content": 3}}'], ServerError),  # misshapen first line
        ([chat_line("a"), chat_line("b")], StreamInterruptedError),  # no done chunk
    ],
)
def test_stream_state_errors_are_those_of_the_general_path(
    lines: list[bytes], error_type: type[SharedOllamaError]
) -> None:
    """Error lines, non-objects, malformed and misshapen lines raise what they always raised."""
    _, _, error = run(CHAT, lines)
    assert isinstance(error, error_type)
    same_outcome(CHAT, lines)


def test_stream_state_keeps_partial_text_on_a_misshapen_line() -> None:
    """An object of the wrong shape after some chunks keeps the text before it, not its own."""
    _, _, error = run(CHAT, [chat_line("Hel"), chat_line("lo"), b'{"message": {"content": 3}}'])
    assert isinstance(error, StreamInterruptedError)
    assert (error.partial, error.chunks_received) == ("Hello", 2)
    assert "does not match the /api/chat reply" in str(error)


def test_stream_state_keeps_partial_text_on_an_error_line() -> None:
    """The text before an error line is in ``.partial``, whichever path each line took."""
    _, _, error = run(CHAT, [chat_line("Hel"), chat_line("lo"), b'{"error": "boom"}'])
    assert isinstance(error, StreamInterruptedError)
    assert error.partial == "Hello"
    assert error.chunks_received == 2


@pytest.mark.parametrize("call", [CHAT, GENERATE, PULL], ids=["chat", "generate", "pull"])
def test_stream_state_uses_the_one_pass_path_for_streamed_models(call: ApiCall[Any]) -> None:
    """Chat, generate and progress streams validate raw lines into their chunk model."""
    assert call.parse_line is not None
    (item,) = (call.parse_line(b'{"model": "m", "message": {"role": "assistant"}, "done": true}'),)
    assert item == call.parse({"model": "m", "message": {"role": "assistant"}, "done": True})


# Integers within 64 bits, as Ollama sends: beyond them orjson (the general path) reads a float
# where pydantic (the one-pass path) keeps the int, a difference no real reply can show.
INTEGERS = st.integers(-(2**40), 2**40)
JSON_SCALARS = st.one_of(st.none(), st.booleans(), INTEGERS, st.text(max_size=8))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    ["model", "created_at", "message", "response", "done", "done_reason", "eval_count",
     "error", "status", "completed", "thinking", "logprobs", "context", "extra"]
)  # fmt: skip
MESSAGES = st.fixed_dictionaries(
    {"role": st.sampled_from(["assistant", "user"])},
    optional={"content": st.one_of(st.text(max_size=5), st.none(), INTEGERS),
              "thinking": st.text(max_size=5), "tool_calls": JSON_VALUES},
)  # fmt: skip
OBJECTS = st.dictionaries(
    FIELDS, st.one_of(JSON_VALUES, MESSAGES, st.booleans()), max_size=6
) | st.builds(lambda m, d: {"model": "m", "message": m, "done": d}, MESSAGES, st.booleans())


@settings(max_examples=300, deadline=None)
@given(objects=st.lists(OBJECTS | JSON_VALUES, min_size=1, max_size=5))
def test_stream_state_one_pass_matches_the_general_path(objects: list[Any]) -> None:
    """For any lines at all, chat, generate and pull streams end the same on both paths."""
    lines = [json.dumps(value).encode() for value in objects]
    for call in (CHAT, GENERATE, PULL):
        same_outcome(call, lines)
