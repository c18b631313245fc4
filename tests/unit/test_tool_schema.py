"""Tests of building function-tool schemas from Python functions."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, Optional

import pytest

from shared_ollama._core._tool_schema import cached_tool_from_function, tool_from_function
from shared_ollama._types import Tool


class Unit(enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


def get_weather(city: str, unit: Unit = Unit.CELSIUS, days: int | None = None) -> str:
    """Get the weather forecast for a city.

    Looks it up in a table.

    Args:
        city: The city's name,
            in English.
        unit (Unit): Temperature unit.
        days: How many days ahead.

    Returns:
        The forecast as text.
    """
    return city


def _param(func: Any, name: str) -> dict[str, Any]:
    return tool_from_function(func)["function"]["parameters"]["properties"][name]  # type: ignore[no-any-return]


def test_tool_from_function_builds_full_schema() -> None:
    """Name, summary, per-parameter types and descriptions, and required list are all derived."""
    tool = tool_from_function(get_weather)

    assert tool == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather forecast for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "The city's name, in English."},
                    "unit": {
                        "type": "string",
                        "enum": ["celsius", "fahrenheit"],
                        "description": "Temperature unit.",
                    },
                    "days": {"type": "integer", "description": "How many days ahead."},
                },
                "required": ["city"],
            },
        },
    }


def test_tool_from_function_result_validates_as_tool() -> None:
    """The built schema is a valid Tool model."""
    tool = Tool.model_validate(tool_from_function(get_weather))

    assert tool.function is not None
    assert tool.function.name == "get_weather"


def _f_str(x: str) -> None: ...
def _f_int(x: int) -> None: ...
def _f_float(x: float) -> None: ...
def _f_bool(x: bool) -> None: ...
def _f_list(x: list[str]) -> None: ...
def _f_bare_list(x: list) -> None: ...  # type: ignore[type-arg]
def _f_list_any(x: list[Any]) -> None: ...
def _f_tuple(x: tuple[int, ...]) -> None: ...
def _f_mixed_tuple(x: tuple[int, str]) -> None: ...
def _f_sequence(x: Sequence[float]) -> None: ...
def _f_nested(x: list[list[int]]) -> None: ...
def _f_dict(x: dict[str, Any]) -> None: ...
def _f_bare_dict(x: dict) -> None: ...  # type: ignore[type-arg]
def _f_mapping(x: Mapping[str, int]) -> None: ...
def _f_optional(x: Optional[int]) -> None: ...  # noqa: UP045 (the spelling under test)
def _f_pipe_none(x: str | None) -> None: ...
def _f_literal(x: Literal["a", "b"]) -> None: ...
def _f_optional_literal(x: Literal["a", "b"] | None) -> None: ...
def _f_list_literal(x: list[Literal["a"]]) -> None: ...
def _f_annotated(x: Annotated[int, "how many"]) -> None: ...
def _f_annotated_no_text(x: Annotated[int, 3]) -> None: ...
def _f_list_annotated(x: list[Annotated[int, "ignored inside"]]) -> None: ...
def _f_int_literal(x: Literal[1, 2]) -> None: ...
def _f_int_enum(x: Level) -> None: ...


@pytest.mark.parametrize(
    ("func", "expected"),
    [
        (_f_str, {"type": "string"}),
        (_f_int, {"type": "integer"}),
        (_f_float, {"type": "number"}),
        (_f_bool, {"type": "boolean"}),
        (_f_list, {"type": "array", "items": {"type": "string"}}),
        (_f_bare_list, {"type": "array"}),
        (_f_list_any, {"type": "array"}),
        (_f_tuple, {"type": "array", "items": {"type": "integer"}}),
        (_f_mixed_tuple, {"type": "array"}),
        (_f_sequence, {"type": "array", "items": {"type": "number"}}),
        (_f_nested, {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}),
        (_f_dict, {"type": "object"}),
        (_f_bare_dict, {"type": "object"}),
        (_f_mapping, {"type": "object"}),
        (_f_optional, {"type": "integer"}),
        (_f_pipe_none, {"type": "string"}),
        (_f_literal, {"type": "string", "enum": ["a", "b"]}),
        (_f_optional_literal, {"type": "string", "enum": ["a", "b"]}),
        (_f_list_literal, {"type": "array", "items": {"type": "string", "enum": ["a"]}}),
        (_f_annotated, {"type": "integer", "description": "how many"}),
        (_f_annotated_no_text, {"type": "integer"}),
        (_f_list_annotated, {"type": "array", "items": {"type": "integer"}}),
        (_f_int_literal, {"type": "integer", "description": "One of: 1, 2."}),
        (_f_int_enum, {"type": "integer", "description": "One of: 1, 2."}),
    ],
)
def test_tool_from_function_maps_annotation(func: Any, expected: dict[str, Any]) -> None:
    """Each supported annotation maps to the JSON-schema type Ollama parses."""
    assert _param(func, "x") == expected


def test_tool_from_function_docstring_overrides_annotated_text() -> None:
    """A docstring description wins over ``Annotated`` text; enum notes are appended."""

    def pick(level: Annotated[Level, "ignored"]) -> None:
        """Pick.

        Args:
            level: The level.
        """

    assert _param(pick, "level") == {"type": "integer", "description": "The level. One of: 1, 2."}


def _bad_any(x: Any) -> None: ...
def _bad_union(x: int | str) -> None: ...
def _bad_class(x: Tool) -> None: ...
def _bad_mixed_literal(x: Literal["a", 1]) -> None: ...
def _bad_none_literal(x: Literal["a", None]) -> None: ...
def _bad_unannotated(x) -> None: ...  # type: ignore[no-untyped-def]
def _bad_args(*x: int) -> None: ...
def _bad_kwargs(**x: int) -> None: ...
def _bad_forward_ref(x: Undefined) -> None: ...  # type: ignore[name-defined]  # noqa: F821


@pytest.mark.parametrize(
    ("func", "message"),
    [
        (_bad_any, "'x' is annotated typing.Any, an unsupported type"),
        (_bad_union, "a union of several types"),
        (_bad_class, "an unsupported type"),
        (_bad_mixed_literal, "mixed or non-scalar"),
        (_bad_none_literal, "mixed or non-scalar"),
        (_bad_unannotated, "'x' has no type annotation"),
        (_bad_args, r"\*args/\*\*kwargs"),
        (_bad_kwargs, r"\*args/\*\*kwargs"),
        (_bad_forward_ref, "cannot read the signature"),
    ],
)
def test_tool_from_function_rejects_unsupported_parameters(func: Any, message: str) -> None:
    """Unsupported parameters raise TypeError naming the tool and parameter."""
    with pytest.raises(TypeError, match=message):
        tool_from_function(func)


def test_tool_from_function_rejects_non_callable() -> None:
    """A value that is not callable is not a tool."""
    with pytest.raises(TypeError, match="must be a function"):
        tool_from_function(42)  # type: ignore[arg-type]


def test_tool_from_function_without_docstring_has_no_description() -> None:
    """No docstring: no description keys at all (Ollama treats them as optional)."""

    def add(a: int, b: int = 0) -> int:
        return a + b

    tool = tool_from_function(add)

    assert "description" not in tool["function"]
    assert tool["function"]["parameters"]["properties"] == {
        "a": {"type": "integer"},
        "b": {"type": "integer"},
    }
    assert tool["function"]["parameters"]["required"] == ["a"]


def test_tool_from_function_bound_method_skips_self() -> None:
    """A bound method's ``self`` is not a parameter."""

    class Calculator:
        def square(self, n: float) -> float:
            """Square a number."""
            return n * n

    tool = tool_from_function(Calculator().square)

    assert tool["function"]["name"] == "square"
    assert list(tool["function"]["parameters"]["properties"]) == ["n"]


def test_tool_from_function_partial_drops_bound_arguments() -> None:
    """A partial is named after its function and omits the arguments it fixes."""
    tool = tool_from_function(functools.partial(get_weather, "Paris"))

    assert tool["function"]["name"] == "get_weather"
    assert "city" not in tool["function"]["parameters"]["properties"]


def test_tool_from_function_callable_object_uses_call_signature() -> None:
    """An object with ``__call__`` is described from that method and named after its class."""

    class Lookup:
        """Look a key up."""

        def __call__(self, key: str) -> str:
            return key

    tool = tool_from_function(Lookup())

    assert tool["function"]["name"] == "Lookup"
    assert tool["function"]["parameters"]["properties"] == {"key": {"type": "string"}}


@pytest.mark.parametrize(
    ("doc", "summary", "args"),
    [
        ("One line.", "One line.", {}),
        ("Two\nlines.\n\nBody.", "Two lines.", {}),
        (
            "Do.\n\nArguments:\n    x: first\n    y (int): second\n        continued\n\n"
            "Returns:\n    z",
            "Do.",
            {"x": "first", "y": "second continued"},
        ),
        ("Do.\n\nParameters:\n    x: the x\nNote:\n    x: not an arg", "Do.", {"x": "the x"}),
        ("Do.\n\nArgs:\n    x: the x\nback at section level", "Do.", {"x": "the x"}),
        ("Do.\n\nArgs:\n    *args: rest\n    **kw: more", "Do.", {"args": "rest", "kw": "more"}),
        ("Args:\n    x: only args", "", {"x": "only args"}),
        ("Do.\n\nArgs:\n    free text first\n    x: the x", "Do.", {"x": "the x"}),
    ],
)
def test_parse_docstring_reads_summary_and_args(
    doc: str, summary: str, args: dict[str, str]
) -> None:
    """The summary is the first paragraph; ``Args:``-like sections give parameter texts."""
    from shared_ollama._core._tool_schema import _parse_docstring

    assert _parse_docstring(doc) == (summary, args)


def test_tool_from_function_returns_fresh_copies() -> None:
    """Changing a returned schema does not change the next one."""
    first = tool_from_function(get_weather)
    first["function"]["name"] = "changed"

    assert tool_from_function(get_weather)["function"]["name"] == "get_weather"


def test_cached_tool_from_function_shares_result() -> None:
    """The cached variant returns the same object for the same function."""
    assert cached_tool_from_function(get_weather) is cached_tool_from_function(get_weather)


def test_cached_tool_from_function_handles_unhashable_callables() -> None:
    """Callables that cannot be hashed are built without the cache."""

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self, q: str) -> str:
            return q

    assert cached_tool_from_function(Unhashable())["function"]["name"] == "Unhashable"
