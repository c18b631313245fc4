"""Ollama chat answers to LangChain objects, without any I/O."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from langchain_shared_ollama._chat_output import (
    chat_chunk,
    response_metadata,
    tool_calls_from_ollama,
)


def _call(name: str, arguments: Any) -> SimpleNamespace:
    return SimpleNamespace(function=SimpleNamespace(name=name, arguments=arguments))


def _response(**fields: Any) -> SimpleNamespace:
    defaults: dict[str, Any] = {
        "model": "m",
        "created_at": None,
        "done": False,
        "done_reason": None,
        "total_duration": None,
        "load_duration": None,
        "prompt_eval_count": None,
        "prompt_eval_duration": None,
        "eval_count": None,
        "eval_duration": None,
        "logprobs": None,
        "message": SimpleNamespace(content="", thinking=None, tool_calls=None),
    }
    return SimpleNamespace(**{**defaults, **fields})


def test_tool_calls_bad_arguments_become_invalid_tool_calls() -> None:
    """Non-JSON or non-object arguments are kept as invalid tool calls with the reason."""
    calls, invalid = tool_calls_from_ollama(
        [
            _call("ok", {"a": 1}),
            _call("text", "{oops"),
            _call("list", [1, 2]),
            _call("s", '{"b": 2}'),
        ]
    )

    assert [(c["name"], c["args"]) for c in calls] == [("ok", {"a": 1}), ("s", {"b": 2})]
    assert [(c["name"], c["args"]) for c in invalid] == [("text", "{oops"), ("list", "[1, 2]")]
    assert all(c["error"] for c in invalid)
    assert len({c["id"] for c in calls + invalid}) == 4


def test_tool_calls_keep_server_ids() -> None:
    """A tool call id sent by the server is kept rather than replaced."""
    item = _call("f", {})
    item.id = "call_abc"

    calls, _ = tool_calls_from_ollama([item])

    assert calls[0]["id"] == "call_abc"


def test_chat_chunk_skips_a_bare_load_answer() -> None:
    """A final chunk with ``done_reason="load"`` and no text is skipped."""
    assert chat_chunk(_response(done=True, done_reason="load")) is None


def test_chat_chunk_plain_text_carries_nothing_else() -> None:
    """A middle chunk is just its text: no usage, no metadata, not last."""
    chunk = chat_chunk(
        _response(message=SimpleNamespace(content="hi", thinking=None, tool_calls=None))
    )

    assert chunk is not None
    assert chunk.message.content == "hi"
    assert chunk.message.usage_metadata is None
    assert chunk.message.response_metadata == {}
    assert chunk.message.chunk_position is None


def test_response_metadata_leaves_out_missing_fields_and_keeps_logprobs() -> None:
    """Absent statistics are left out; logprobs become plain data."""
    logprob = SimpleNamespace(model_dump=lambda exclude_none: {"token": "a", "logprob": -0.1})
    metadata = response_metadata(_response(done=True, eval_count=3, logprobs=[logprob]))

    assert metadata == {
        "model_provider": "ollama",
        "model": "m",
        "model_name": "m",
        "done": True,
        "eval_count": 3,
        "logprobs": [{"token": "a", "logprob": -0.1}],
    }


def test_final_chunk_with_missing_counts_reports_zero_usage() -> None:
    """When Ollama omits a count (a fully cached prompt), usage says 0 rather than nothing."""
    chunk = chat_chunk(_response(done=True, done_reason="stop", eval_count=4))

    assert chunk is not None
    assert chunk.message.usage_metadata == {
        "input_tokens": 0,
        "output_tokens": 4,
        "total_tokens": 4,
    }
    assert chunk.message.chunk_position == "last"
