"""Turn a plain Python function into an Ollama (OpenAI-style) function tool.

The tool's name is the function's name, its description the docstring's summary, and each
parameter's JSON-schema type comes from its annotation, its description from the Google-style
``Args:`` section. Parameters without a default are required.

Annotations understood::

    str -> string      int -> integer      float -> number      bool -> boolean
    list[X] / tuple[X, ...] / Sequence[X] / set[X] -> array of X
    dict / dict[str, X] / Mapping -> object
    Literal["a", "b"] / an Enum subclass -> the scalar type with an "enum" of the values
        (choices that are not strings are listed in the description: Ollama 0.5 rejects them)
    X | None / Optional[X] -> X (the parameter stays required when it has no default)
    Annotated[X, "text"] -> X, with "text" as the description when the docstring has none

Anything else (``Any``, unions of several types, classes) raises ``TypeError`` naming the
parameter: one scalar type per parameter is what every Ollama version parses.
"""

from __future__ import annotations

import collections.abc
import copy
import enum
import functools
import inspect
import json
import re
import types
import typing
from collections.abc import Callable
from typing import Any

__all__ = ["tool_from_function"]

_SCALARS: dict[object, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
_ARRAYS = frozenset(
    {
        list,
        tuple,
        set,
        frozenset,
        collections.abc.Sequence,
        collections.abc.MutableSequence,
        collections.abc.Set,
        collections.abc.Iterable,
        collections.abc.Collection,
    }
)
_OBJECTS = frozenset({dict, collections.abc.Mapping, collections.abc.MutableMapping})
_ARGS_HEADERS = frozenset({"args", "arguments", "parameters", "params"})
_SECTION = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
_ARG_LINE = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def tool_from_function(func: Callable[..., Any]) -> dict[str, Any]:
    """Build the function-tool schema Ollama expects from a Python function.

    Args:
        func: A function (or method, or ``functools.partial``) with annotated parameters and,
            ideally, a Google-style docstring.

    Returns:
        ``{"type": "function", "function": {"name", "description", "parameters"}}``, a fresh
        dict the caller may change.

    Raises:
        TypeError: ``func`` is not callable, or a parameter has no annotation, an unsupported
            one, or is ``*args``/``**kwargs``.
    """
    return copy.deepcopy(cached_tool_from_function(func))


def cached_tool_from_function(func: Callable[..., Any]) -> dict[str, Any]:
    """Like :func:`tool_from_function`, but the same (read-only) dict for the same function.

    Building a schema reads type hints and parses a docstring; the chat hot path passes the same
    functions on every call, so it uses this shared result and must not change it.

    Args:
        func: As for :func:`tool_from_function`.

    Returns:
        The tool schema, shared between calls: do not mutate it.
    """
    try:
        return _cached_build(func)
    except TypeError as exc:
        if "unhashable" not in str(exc):
            raise
        return _build(func)


@functools.lru_cache(maxsize=256)
def _cached_build(func: Callable[..., Any]) -> dict[str, Any]:
    return _build(func)


def _build(func: Callable[..., Any]) -> dict[str, Any]:
    if not callable(func):
        raise TypeError(f"a tool must be a function, a dict or a Tool, not {type(func).__name__}")
    target = func.func if isinstance(func, functools.partial) else func
    name = getattr(target, "__name__", None) or type(target).__name__
    try:
        signature = inspect.signature(func)
        hints = typing.get_type_hints(
            target if inspect.isroutine(target) else type(target).__call__,
            include_extras=True,
        )
    except (NameError, ValueError) as exc:
        raise TypeError(
            f"cannot read the signature of tool {name!r} ({exc}): give it a plain Python "
            f"signature with importable annotations"
        ) from exc
    summary, arg_docs = _parse_docstring(inspect.getdoc(target))
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(
                f"tool {name!r}: parameter {param.name!r} is *args/**kwargs, which a tool "
                f"schema cannot describe: give each argument its own named parameter"
            )
        if param.name not in hints:
            raise TypeError(
                f"tool {name!r}: parameter {param.name!r} has no type annotation: annotate it, "
                f"e.g. `{param.name}: str`"
            )
        schema, note = _schema_for(hints[param.name], name, param.name)
        parts = (arg_docs.get(param.name) or note, schema.pop("description", None))
        description = " ".join(part for part in parts if part)
        if description:
            schema["description"] = description
        properties[param.name] = schema
        if param.default is param.empty:
            required.append(param.name)
    function: dict[str, Any] = {"name": name}
    if summary:
        function["description"] = summary
    function["parameters"] = {"type": "object", "properties": properties, "required": required}
    return {"type": "function", "function": function}


def _schema_for(annotation: Any, tool: str, param: str) -> tuple[dict[str, Any], str | None]:
    """Return the JSON schema of one annotation and any description found in ``Annotated``."""
    note: str | None = None
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *metadata = typing.get_args(annotation)
        note = next((item for item in metadata if isinstance(item, str)), None)
    return _schema(annotation, tool, param), note


def _schema(annotation: Any, tool: str, param: str) -> dict[str, Any]:
    """Return the JSON schema of a type annotation, or raise naming the parameter."""
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _schema(args[0], tool, param)
    if origin is typing.Union or origin is types.UnionType:
        present = [arg for arg in args if arg is not type(None)]
        if len(present) == 1:
            return _schema(present[0], tool, param)
        raise _unsupported(annotation, tool, param, "a union of several types")
    if origin is typing.Literal:
        return _enum_schema(list(args), annotation, tool, param)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _enum_schema([member.value for member in annotation], annotation, tool, param)
    if annotation in _ARRAYS:
        return {"type": "array"}
    if origin in _ARRAYS:
        items = [arg for arg in args if arg is not Ellipsis]
        if len(set(items)) == 1 and items[0] is not Any:
            return {"type": "array", "items": _schema(items[0], tool, param)}
        return {"type": "array"}
    if annotation in _OBJECTS or origin in _OBJECTS:
        return {"type": "object"}
    raise _unsupported(annotation, tool, param, "an unsupported type")


def _enum_schema(values: list[Any], annotation: Any, tool: str, param: str) -> dict[str, Any]:
    """Return the schema of a fixed set of choices.

    Ollama 0.5 parses ``enum`` as a list of strings and rejects numbers there, so choices of
    other scalar types are listed in the description instead.
    """
    kinds = {_SCALARS.get(type(value)) for value in values}
    if len(kinds) != 1 or None in kinds:
        raise _unsupported(annotation, tool, param, "choices of mixed or non-scalar types")
    kind = kinds.pop()
    if kind == "string":
        return {"type": kind, "enum": values}
    listed = ", ".join(json.dumps(value) for value in values)
    return {"type": kind, "description": f"One of: {listed}."}


def _unsupported(annotation: Any, tool: str, param: str, what: str) -> TypeError:
    return TypeError(
        f"tool {tool!r}: parameter {param!r} is annotated {annotation!r}, {what}: use str, int, "
        f"float, bool, list[...], dict, Literal[...], an Enum, or X | None"
    )


def _parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Split a Google-style docstring into its summary and its ``Args:`` descriptions."""
    if not doc:
        return "", {}
    lines = doc.splitlines()
    summary_lines: list[str] = []
    for line in lines:
        if not line.strip() or _SECTION.match(line.strip()):
            break
        summary_lines.append(line.strip())
    arg_docs: dict[str, str] = {}
    in_args = False
    section_indent = 0
    current: str | None = None
    arg_indent = 0
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        header = _SECTION.match(stripped)
        if header and (not in_args or indent <= section_indent):
            in_args = header.group(1).strip().lower() in _ARGS_HEADERS
            section_indent = indent
            current = None
            continue
        if not in_args or not stripped:
            continue
        if indent <= section_indent:
            in_args = False
            continue
        match = _ARG_LINE.match(stripped)
        if match and (current is None or indent <= arg_indent):
            current, arg_indent = match.group(1), indent
            arg_docs[current] = match.group(2).strip()
        elif current is not None:
            arg_docs[current] = f"{arg_docs[current]} {stripped}".strip()
    return " ".join(summary_lines), arg_docs
