"""Tests of turning the drop-in API's flexible arguments into JSON-ready values."""

from __future__ import annotations

import base64
import math
from collections import OrderedDict
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ollama
import pytest
from pydantic import BaseModel

from shared_ollama._core._normalize import (
    normalize_create_messages,
    normalize_format,
    normalize_images,
    normalize_keep_alive,
    normalize_messages,
    normalize_options,
    normalize_think,
    normalize_tools,
)
from shared_ollama._types import Image, Message, Options, Tool, ToolCall

PNG_BYTES = b"\x89PNG\r\n\x1a\nfake"
PNG_B64 = base64.b64encode(PNG_BYTES).decode()


# --- messages ---------------------------------------------------------------------------------


def test_normalize_messages_plain_dicts_pass_through_uncopied() -> None:
    """The common case returns the caller's own dicts: no copy, no model round trip."""
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]

    result = normalize_messages(messages)

    assert result == messages
    assert all(out is given for out, given in zip(result, messages, strict=True))


@pytest.mark.parametrize("messages", [None, []])
def test_normalize_messages_none_or_empty_is_empty_list(messages: Any) -> None:
    """No messages means an empty list (Ollama then only loads the model)."""
    assert normalize_messages(messages) == []


def test_normalize_messages_accepts_tuple_and_generator() -> None:
    """Any iterable of messages works, not only lists."""
    message = {"role": "user", "content": "Hi"}

    assert normalize_messages((message,)) == [message]
    assert normalize_messages(m for m in [message]) == [message]


def test_normalize_messages_role_only_dict_is_kept() -> None:
    """A dict with just a role (no content) is valid and sent unchanged."""
    assert normalize_messages([{"role": "assistant"}]) == [{"role": "assistant"}]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (Message(role="user", content="Hi"), {"role": "user", "content": "Hi"}),
        (ollama.Message(role="user", content="Hi"), {"role": "user", "content": "Hi"}),
        (
            {"role": "user", "content": "Hi", "thinking": None, "images": None},
            {"role": "user", "content": "Hi"},
        ),
        (OrderedDict(role="user", content="Hi"), {"role": "user", "content": "Hi"}),
        (
            MappingProxyType({"role": "tool", "content": "42", "tool_name": "f"}),
            {"role": "tool", "content": "42", "tool_name": "f"},
        ),
        (
            {"role": "user", "content": "Hi", "name": "bob"},
            {"role": "user", "content": "Hi", "name": "bob"},
        ),
        ({"role": "user", "images": []}, {"role": "user"}),
    ],
)
def test_normalize_messages_converts_models_and_mappings(message: Any, expected: Any) -> None:
    """Models and other mappings become plain dicts without None values; extra keys stay."""
    assert normalize_messages([message]) == [expected]


def test_normalize_messages_encodes_images(tmp_path: Path) -> None:
    """Images in dicts and models (ours and ollama's) are sent as base64."""
    image_file = tmp_path / "cat.png"
    image_file.write_bytes(PNG_BYTES)

    result = normalize_messages(
        [
            {"role": "user", "content": "a", "images": [PNG_BYTES, image_file]},
            Message(role="user", content="b", images=[str(image_file)]),  # type: ignore[list-item]
            ollama.Message(role="user", content="c", images=[ollama.Image(value=PNG_BYTES)]),
        ]
    )

    assert [m["images"] for m in result] == [[PNG_B64, PNG_B64], [PNG_B64], [PNG_B64]]


def test_normalize_messages_keeps_tool_calls_and_decodes_string_arguments() -> None:
    """Tool calls survive; JSON-string arguments (which Ollama rejects) become objects."""
    result = normalize_messages(
        [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"function": {"name": "a", "arguments": {"x": 1}}},
                    {"function": {"name": "b", "arguments": '{"y": 2}'}, "id": "call_1"},
                    ToolCall(function=ToolCall.Function(name="c", arguments={"z": 3})),
                ],
            },
            ollama.Message(
                role="assistant",
                tool_calls=[
                    ollama.Message.ToolCall(
                        function=ollama.Message.ToolCall.Function(name="d", arguments={})
                    )
                ],
            ),
        ]
    )

    assert result[0]["tool_calls"] == [
        {"function": {"name": "a", "arguments": {"x": 1}}},
        {"function": {"name": "b", "arguments": {"y": 2}}, "id": "call_1"},
        {"function": {"name": "c", "arguments": {"z": 3}}},
    ]
    assert result[1]["tool_calls"] == [{"function": {"name": "d", "arguments": {}}}]


@pytest.mark.parametrize(
    ("messages", "error", "match"),
    [
        (
            [{"role": "user", "content": "a"}, {"content": "b"}],
            ValueError,
            r"messages\[1\] has no 'role'",
        ),
        ([{"role": "", "content": "b"}], ValueError, r"messages\[0\] has no 'role'"),
        ([{"role": None, "content": "b"}], ValueError, r"messages\[0\] has no 'role'"),
        ([{"role": 3, "content": "b"}], TypeError, r"messages\[0\]\['role'\] must be a str"),
        ([{"role": "user", "content": ["part"]}], TypeError, r"\['content'\] must be a str"),
        ([{"role": "user", "content": 5}], TypeError, r"\['content'\] must be a str"),
        ([{"role": "user", "tool_calls": {"function": {}}}], TypeError, "must be a list of tool"),
        ([{"role": "user", "tool_calls": 5}], TypeError, "must be a list of tool"),
        ([{"role": "user", "images": "cat.png"}], TypeError, r"\['images'\] must be a list"),
        ([{"role": "user", "images": ["nope.png"]}], ValueError, r"\['images'\]\[0\]: image file"),
        (["hello"], TypeError, r"messages\[0\] is a str"),
        ({"role": "user", "content": "Hi"}, TypeError, "not a single dict"),
        ("hello", TypeError, "not a single str"),
        (Message(role="user"), TypeError, "not a single Message"),
        (42, TypeError, "not a single int"),
    ],
)
def test_normalize_messages_rejects_bad_input(
    messages: Any, error: type[Exception], match: str
) -> None:
    """Bad messages fail before sending, naming the index and what is wrong."""
    with pytest.raises(error, match=match):
        normalize_messages(messages)


def test_normalize_messages_bad_tool_call_arguments_raise() -> None:
    """A tool call whose arguments string is not JSON is rejected."""
    with pytest.raises(ValueError, match="not JSON"):
        normalize_messages(
            [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{"}}]}]
        )


# --- tools ------------------------------------------------------------------------------------


def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first.
        b: The second.
    """
    return a + b


ADD_SCHEMA = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two integers.",
        "parameters": {
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "The first."},
                "b": {"type": "integer", "description": "The second."},
            },
            "required": ["a", "b"],
        },
    },
}


def test_normalize_tools_accepts_dicts_models_and_functions() -> None:
    """Dicts pass as given, Tool models dump with aliases, functions are described."""
    as_dict = {"type": "function", "function": {"name": "d"}}

    result = normalize_tools(
        [
            as_dict,
            MappingProxyType({"type": "function", "function": {"name": "m"}}),
            Tool.model_validate(ADD_SCHEMA),
            ollama.Tool(function=ollama.Tool.Function(name="o")),
            add,
        ]
    )

    assert result is not None
    assert result[0] is as_dict
    assert result[1] == {"type": "function", "function": {"name": "m"}}
    assert result[2] == ADD_SCHEMA
    assert result[3]["function"]["name"] == "o"
    assert result[4] == ADD_SCHEMA


@pytest.mark.parametrize("tools", [None, []])
def test_normalize_tools_none_or_empty_is_an_empty_list(tools: Any) -> None:
    """No tools is sent as ``"tools": []``, as ollama-python sends it."""
    assert normalize_tools(tools) == []


@pytest.mark.parametrize(
    ("tools", "match"),
    [
        (add, "not a single function"),
        ({"type": "function"}, "not a single dict"),
        ("add", "not a single str"),
        (42, "not a single int"),
        ([42], r"tools\[0\] is a int"),
        ([Tool], r"tools\[0\] is a ModelMetaclass"),
    ],
)
def test_normalize_tools_rejects_bad_input(tools: Any, match: str) -> None:
    """Tools that are not a list of dicts, models or functions fail with the index."""
    with pytest.raises(TypeError, match=match):
        normalize_tools(tools)


# --- format -----------------------------------------------------------------------------------


class Answer(BaseModel):
    value: int


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("", ""),
        ("json", "json"),
        ({"type": "object"}, {"type": "object"}),
        (MappingProxyType({"type": "string"}), {"type": "string"}),
        (Answer, Answer.model_json_schema()),
    ],
)
def test_normalize_format_accepts_supported_forms(given: Any, expected: Any) -> None:
    """Empty, ``json``, schema dicts and model classes are accepted."""
    assert normalize_format(given) == expected


def test_normalize_format_caches_model_schema() -> None:
    """A model class's schema is built once and shared."""
    assert normalize_format(Answer) is normalize_format(Answer)


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ("xml", "format='xml' is not supported"),
        (Answer(value=1), r"not Answer \(pass the class, not an instance\)"),
        (42, "not int"),
        (dict, "not type"),
    ],
)
def test_normalize_format_rejects_other_values(given: Any, match: str) -> None:
    """Anything else fails saying which forms are accepted."""
    with pytest.raises(TypeError, match=match):
        normalize_format(given)


# --- think ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given", [None, True, False, "low", "medium", "high", "xhigh", "max", "anything"]
)
def test_normalize_think_passes_bools_and_any_level_string(given: Any) -> None:
    """Booleans and every level string pass unchanged: the server owns the levels."""
    assert normalize_think(given) is given


@pytest.mark.parametrize(
    ("given", "match"),
    [(1, "not int"), (0.5, "not float"), (["high"], "not list")],
)
def test_normalize_think_rejects_other_types(given: Any, match: str) -> None:
    """Anything but a bool or a string is a TypeError naming the type."""
    with pytest.raises(TypeError, match=match):
        normalize_think(given)


# --- keep_alive -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        (0, 0),
        (-1, -1),
        (300, 300),
        (1.5, 1.5),
        ("5m", "5m"),
        (" 5m ", "5m"),
        ("1h30m", "1h30m"),
        ("1.5h", "1.5h"),
        (".5s", ".5s"),
        ("-1m", "-1m"),
        ("300ms", "300ms"),
        ("10us", "10us"),
        ("10\u00b5s", "10\u00b5s"),
        ("2h45m30.5s", "2h45m30.5s"),
        ("0", 0),
        ("-1", -1),
        ("+60", 60),
        ("300", 300),
        ("1.5", 1.5),
        ("2.0", 2.0),
    ],
)
def test_normalize_keep_alive_accepts_numbers_and_durations(given: Any, expected: Any) -> None:
    """Numbers pass; duration strings pass; bare-number strings become seconds."""
    result = normalize_keep_alive(given)

    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("given", "error", "match"),
    [
        ("5 minutes", ValueError, "e.g. '5m', '1h30m'"),
        ("", ValueError, "is not a duration"),
        ("m", ValueError, "is not a duration"),
        ("5d", ValueError, "is not a duration"),
        ("1h-30m", ValueError, "is not a duration"),
        (math.inf, ValueError, "not a finite number"),
        (math.nan, ValueError, "not a finite number"),
        (True, TypeError, "not a bool"),
        ([5], TypeError, "not list"),
    ],
)
def test_normalize_keep_alive_rejects_malformed(
    given: Any, error: type[Exception], match: str
) -> None:
    """Malformed durations fail with an example of a valid one."""
    with pytest.raises(error, match=match):
        normalize_keep_alive(given)


# --- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ({}, {}),
        ({"temperature": None}, {"temperature": None}),
        ({"temperature": 0.2, "seed": None}, {"temperature": 0.2, "seed": None}),
        ({"brand_new_option": 1}, {"brand_new_option": 1}),
        (Options(temperature=0.2, num_ctx=4096), {"temperature": 0.2, "num_ctx": 4096}),
        (Options(), {}),
        (ollama.Options(temperature=0.5), {"temperature": 0.5}),
        (MappingProxyType({"top_k": 5}), {"top_k": 5}),
    ],
)
def test_normalize_options_sends_dicts_as_given_and_models_without_unset_fields(
    given: Any, expected: Any
) -> None:
    """A dict is sent as given (as ollama-python sends it); a model leaves out unset fields."""
    assert normalize_options(given) == expected


def test_normalize_options_returns_a_new_dict() -> None:
    """The caller's dict is not returned (nor changed)."""
    options = {"temperature": 0.2}

    result = normalize_options(options)

    assert result == options
    assert result is not options


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ([("temperature", 0.2)], "must be a dict or an Options, not list"),
        ({1: 2}, "options keys must be str"),
        (MappingProxyType({1: 2}), "options keys must be str"),
    ],
)
def test_normalize_options_rejects_bad_input(given: Any, match: str) -> None:
    """Options that are not a mapping of names fail clearly."""
    with pytest.raises(TypeError, match=match):
        normalize_options(given)


# --- images -----------------------------------------------------------------------------------


def test_normalize_images_encodes_every_form(tmp_path: Path) -> None:
    """Bytes, paths, path strings, base64 and Image objects all become base64."""
    image_file = tmp_path / "dog.jpeg"
    image_file.write_bytes(PNG_BYTES)

    result = normalize_images(
        [PNG_BYTES, image_file, str(image_file), PNG_B64, Image(value=PNG_BYTES)]
    )

    assert result == [PNG_B64] * 5


@pytest.mark.parametrize("given", [None, []])
def test_normalize_images_none_or_empty_is_none(given: Any) -> None:
    """No images means the field is left out."""
    assert normalize_images(given) is None


@pytest.mark.parametrize(
    ("given", "error", "match"),
    [
        (PNG_B64, TypeError, "not a single str"),
        (PNG_BYTES, TypeError, "not a single bytes"),
        (Path("cat.png"), TypeError, "not a single"),
        (42, TypeError, "not a single int"),
        ([PNG_B64, 42], TypeError, r"images\[1\]: an image must be"),
        (
            [PNG_B64, "missing.png"],
            ValueError,
            r"images\[1\]: image file 'missing.png' does not exist",
        ),
        (
            ["%%%"],
            ValueError,
            r"images\[0\]: image '%%%' is neither a readable file nor valid base64",
        ),
    ],
)
def test_normalize_images_rejects_bad_input(given: Any, error: type[Exception], match: str) -> None:
    """Single values and unusable items fail naming the index."""
    with pytest.raises(error, match=match):
        normalize_images(given)


# --- what ollama-python does with the same arguments -----------------------------------------


def test_normalize_messages_drops_empty_fields_as_ollama_does() -> None:
    """Empty content, images and tool calls are left out; a tool call alone survives."""
    call = {"function": {"name": "f", "arguments": {"x": 1}}}
    given = [
        {"role": "user", "content": ""},
        {"role": "assistant", "content": "", "tool_calls": [call], "images": []},
    ]
    assert normalize_messages(given) == [
        {"role": "user"},
        {"role": "assistant", "tool_calls": [call]},
    ]


def test_ollama_image_is_accepted_everywhere_ours_is() -> None:
    """``ollama.Image`` works in ``images=``, in our ``Message`` and alone is refused as a list."""
    png = b"\x89PNG-bytes"
    encoded = base64.b64encode(png).decode()
    assert normalize_images([ollama.Image(value=png)]) == [encoded]
    assert Message(role="user", images=[ollama.Image(value=png)]).images == [Image(value=png)]
    with pytest.raises(TypeError, match="not a single Image"):
        normalize_images(ollama.Image(value=png))


def test_normalize_create_messages_sends_dicts_as_given() -> None:
    """``create(messages=...)`` keeps empty fields, as ollama-python sends them unchanged."""
    given = [{"role": "assistant", "content": ""}]
    assert normalize_create_messages(given) == given
    assert normalize_create_messages(None) is None
    assert normalize_create_messages([Message(role="user", content="hi")]) == [
        {"role": "user", "content": "hi"}
    ]
    with pytest.raises(TypeError, match="messages must be a list"):
        normalize_create_messages({"role": "user"})
