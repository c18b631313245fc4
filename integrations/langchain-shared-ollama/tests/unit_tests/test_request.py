"""Request building: options, stop sequences, per-call arguments and tool choice."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_shared_ollama._request import (
    RequestDefaults,
    build_options,
    chat_request,
    format_from_response_format,
    generate_request,
    reconcile_max_tokens,
    resolve_stop,
)
from langchain_shared_ollama._tools import select_tools

DEFAULTS = RequestDefaults(model="m", options={"temperature": 0.5, "top_k": None})


@pytest.mark.parametrize(
    ("default", "call", "expected"),
    [
        (None, None, None),
        (["a"], None, ["a"]),
        (["a"], ["b"], ["b"]),
        ([], None, None),
        (["a"], [], None),
    ],
)
def test_resolve_stop_call_replaces_default(default: Any, call: Any, expected: Any) -> None:
    """A call's stop list replaces the model's; an empty list sends none."""
    assert resolve_stop(default, call) == expected


def test_build_options_drops_unset_and_applies_overrides() -> None:
    """Unset options are left out, overrides win, ``None`` overrides remove an option."""
    options = build_options(
        {"temperature": 0.5, "top_k": None, "seed": 3},
        stop=["x"],
        overrides={"temperature": 0.1, "seed": None, "top_p": 0.9},
    )

    assert options == {"temperature": 0.1, "top_p": 0.9, "stop": ["x"]}
    assert build_options({"temperature": None}, stop=None) is None


def test_build_options_replacement_keeps_its_own_stop() -> None:
    """A caller's whole ``options`` mapping is sent as is, stop added only if it has none."""
    assert build_options({}, stop=["x"], replace={"stop": ["y"]}) == {"stop": ["y"]}
    assert build_options({}, stop=["x"], replace={"seed": 1}) == {"seed": 1, "stop": ["x"]}


def test_reconcile_max_tokens_accepts_equal_values() -> None:
    """The same value under both names is fine; only a conflict raises."""
    assert reconcile_max_tokens(5, 5) == 5
    assert reconcile_max_tokens(5, None) == 5
    assert reconcile_max_tokens(None, None) is None


def test_chat_request_minimal_sends_only_what_is_set() -> None:
    """No think, format, keep_alive or tools unless given."""
    request = chat_request(RequestDefaults(model="m", options={}), [], {}, stream=False)

    assert request == {"model": "m", "messages": [], "stream": False}


def test_chat_request_think_accepts_ollama_name() -> None:
    """``think=`` (Ollama's name) works like ``reasoning=``."""
    assert chat_request(DEFAULTS, [], {"think": "low"}, stream=True)["think"] == "low"


def test_chat_request_ignores_tracing_and_stream_keys() -> None:
    """``stream``, ``strict`` and LangChain's tracing keys are accepted and not sent."""
    request = chat_request(
        DEFAULTS,
        [],
        {"stream": True, "strict": True, "ls_structured_output_format": {}},
        stream=False,
    )

    assert request["stream"] is False
    assert "strict" not in request


def test_chat_request_rejects_format_and_response_format_together() -> None:
    """Two ways of saying the format in one call is ambiguous."""
    with pytest.raises(ValueError, match="either format"):
        chat_request(DEFAULTS, [], {"format": "json", "response_format": {}}, stream=False)


@pytest.mark.parametrize(
    ("response_format", "expected"),
    [
        ({"type": "json_object"}, "json"),
        (
            {"type": "json_schema", "json_schema": {"schema": {"type": "object"}}},
            {"type": "object"},
        ),
    ],
)
def test_format_from_response_format(response_format: Any, expected: Any) -> None:
    """OpenAI's response_format forms map to Ollama's ``format``."""
    assert format_from_response_format(response_format) == expected


@pytest.mark.parametrize("bad", [{"type": "text"}, {"type": "json_schema"}, "json"])
def test_format_from_response_format_rejects_others(bad: Any) -> None:
    """Anything else is refused with the accepted forms."""
    with pytest.raises(ValueError, match="json_object"):
        format_from_response_format(bad)


def test_generate_request_passes_generate_only_arguments() -> None:
    """``system``, ``suffix``, ``raw`` and friends reach ``generate``; chat refuses them."""
    request = generate_request(
        DEFAULTS, "p", {"system": "s", "suffix": "x", "raw": True, "images": ["QUJD"]}, stream=False
    )

    assert (request["system"], request["suffix"], request["raw"]) == ("s", "x", True)
    assert request["images"] == ["QUJD"]
    with pytest.raises(TypeError, match="'system'"):
        chat_request(DEFAULTS, [], {"system": "s"}, stream=False)


def test_select_tools_rejects_malformed_choice() -> None:
    """A dict without a name, or a value of another kind, is a TypeError."""
    tools = [{"type": "function", "function": {"name": "f"}}]

    with pytest.raises(TypeError, match="names no tool"):
        select_tools(tools, {"type": "function"})
    with pytest.raises(TypeError, match="not understood"):
        select_tools(tools, 3)  # type: ignore[arg-type]
    assert select_tools([], "f") is None
