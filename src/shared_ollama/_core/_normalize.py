"""Pure functions turning the drop-in API's flexible arguments into JSON-ready values.

``chat(messages=..., tools=..., format=..., think=..., keep_alive=..., options=...)`` accepts the
same variety of inputs the ``ollama`` package does (dicts, its models, pydantic models, paths and
bytes for images, Python functions as tools). Each function here takes one such argument and
returns plain ``dict``/``list``/``str``/number values ready for the JSON encoder, or ``None``
when the argument should be left out of the request.

The JSON produced for the same arguments is what ollama-python 0.6.3 sends, key for key (the
parity tests pin it); the deliberate differences are listed in docs/migration.md. A value of the
wrong kind raises ``TypeError``; values the server owns (think levels, option names) are passed
through for it to judge. A malformed duration raises ``ValueError``. Errors name the argument
(and, in a list, the index) and say what is accepted.

The common case is kept cheap: a list of plain ``{"role": str, "content": str}`` dicts is
checked and returned without copying. Returned values may share objects with the arguments
(the caller's message dicts, cached schemas): treat them as read-only.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from shared_ollama._core._tool_schema import cached_tool_from_function
from shared_ollama._types import Image, ToolCall

__all__ = [
    "normalize_create_messages",
    "normalize_format",
    "normalize_images",
    "normalize_keep_alive",
    "normalize_messages",
    "normalize_options",
    "normalize_think",
    "normalize_tools",
]

# Go's time.ParseDuration grammar: an optional sign, then one or more <number><unit>.
_GO_DURATION = re.compile(r"[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+")
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)")


def normalize_messages(messages: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Return chat messages as JSON-ready dicts.

    Args:
        messages: ``None``, or a list of dicts, :class:`~shared_ollama.Message` objects, other
            pydantic models (``ollama.Message``) or mappings. Images inside are encoded to
            base64; tool calls are kept (JSON-string arguments are decoded). Empty fields
            (``""``, ``None``, ``[]``) are left out, as ollama-python leaves them out.

    Returns:
        One dict per message; plain ``role``/``content`` dicts are the caller's own objects.

    Raises:
        TypeError: ``messages`` is not a list, or a message or one of its fields has the wrong type.
        ValueError: A message has no role, or an image that cannot be read.
    """
    if messages is None:
        return []
    _require_list(messages, "messages", "[{'role': 'user', 'content': 'Hi'}]")
    result: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        # Fast path: exactly {"role": non-empty str, "content": non-empty str}, returned as is.
        if (
            type(message) is dict
            and len(message) == 2
            and type(content := message.get("content")) is str
            and content
            and type(role := message.get("role")) is str
            and role
        ):
            result.append(message)
        else:
            result.append(_normalize_message(message, index))
    return result


def _normalize_message(message: Any, index: int) -> dict[str, Any]:
    """Return one message that is not a plain role/content dict as a JSON-ready dict.

    Empty values are dropped, as ollama-python drops them (``{"role": "assistant",
    "content": "", "tool_calls": [...]}`` is sent without ``content``).
    """
    if isinstance(message, BaseModel):
        data: dict[str, Any] = {
            key: value
            for key, value in message.model_dump(exclude_none=True, by_alias=True).items()
            if _present(value)
        }
    elif isinstance(message, Mapping):
        data = {key: value for key, value in message.items() if _present(value)}
    else:
        raise TypeError(
            f"messages[{index}] is a {type(message).__name__}: each message must be a dict "
            f"like {{'role': 'user', 'content': 'Hi'}} or a Message"
        )
    role = data.get("role")
    if not role:
        raise ValueError(
            f"messages[{index}] has no 'role': give every message one of 'system', 'user', "
            f"'assistant' or 'tool'"
        )
    if not isinstance(role, str):
        raise TypeError(f"messages[{index}]['role'] must be a str, not {type(role).__name__}")
    for key in ("content", "thinking", "tool_name"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise TypeError(
                f"messages[{index}][{key!r}] must be a str, not {type(value).__name__}: "
                f"Ollama takes text content; send images in 'images'"
            )
    if "images" in data:
        images = _encode_images(data.pop("images"), f"messages[{index}]['images']")
        if images:
            data["images"] = images
    if "tool_calls" in data:
        data["tool_calls"] = _normalize_tool_calls(data["tool_calls"], index)
    return data


def _present(value: Any) -> bool:
    """Whether a message field is sent: ollama-python leaves out every empty (falsy) value."""
    if value is None:
        return False
    if isinstance(value, (str, bytes, list, tuple, dict, bool, int, float)):
        return bool(value)
    return True


def normalize_create_messages(messages: Iterable[Any] | None) -> list[dict[str, Any]] | None:
    """Return ``create(messages=...)`` as ollama-python sends them: mappings as given.

    ``create`` does not clean messages the way ``chat`` does (ollama-python sends its dicts
    unchanged, empty fields included), so only models and images are converted here.

    Raises:
        TypeError: ``messages`` is not a list, or a message has the wrong type.
    """
    if messages is None:
        return None
    _require_list(messages, "messages", "[{'role': 'user', 'content': 'Hi'}]")
    result: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if type(message) is dict and "images" not in message:
            result.append(message)
        elif isinstance(message, Mapping):
            data = dict(message)
            if data.get("images") is not None:
                data["images"] = _encode_images(data["images"], f"messages[{index}]['images']")
            result.append(data)
        else:
            result.append(_normalize_message(message, index))
    return result


def _require_list(value: Any, name: str, example: str) -> None:
    """Refuse a single value where a list is expected (a str, a dict, one model...)."""
    if type(value) is not list and (
        isinstance(value, (str, bytes, Mapping, BaseModel)) or not isinstance(value, Iterable)
    ):
        raise TypeError(
            f"{name} must be a list, not a single {type(value).__name__}: wrap it in a list, "
            f"e.g. {example}"
        )


def _normalize_tool_calls(tool_calls: Any, index: int) -> list[Any]:
    """Return a message's tool calls as dicts with object (not JSON string) arguments."""
    if isinstance(tool_calls, (str, bytes, Mapping)) or not isinstance(tool_calls, Iterable):
        raise TypeError(f"messages[{index}]['tool_calls'] must be a list of tool calls")
    calls: list[Any] = []
    for call in tool_calls:
        if isinstance(call, BaseModel):
            calls.append(call.model_dump(exclude_none=True, by_alias=True))
            continue
        function = call.get("function") if isinstance(call, Mapping) else None
        if isinstance(function, Mapping) and isinstance(function.get("arguments"), str):
            decoded = ToolCall.Function.model_validate(function)
            calls.append({**call, "function": decoded.model_dump(exclude_none=True)})
        else:
            calls.append(call)
    return calls


def normalize_tools(tools: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Return tools as JSON-ready function-tool dicts (``[]`` when there are none).

    Args:
        tools: ``None``, or a list of tool dicts (sent as given), :class:`~shared_ollama.Tool`
            or other pydantic models (``ollama.Tool``), and plain Python functions (described
            from their signature and docstring by :func:`~shared_ollama.tool_from_function`).

    Returns:
        The tools; ``[]`` for ``None`` (ollama-python always sends ``"tools": []``).

    Raises:
        TypeError: ``tools`` is not a list, or an item is none of the accepted kinds, or a
            function's parameters cannot be described.
    """
    if tools is None:
        return []
    if callable(tools) and not isinstance(tools, BaseModel):
        raise TypeError(
            f"tools must be a list, not a single {type(tools).__name__}: wrap it in a list"
        )
    _require_list(tools, "tools", "[my_function]")
    result: list[dict[str, Any]] = []
    for index, tool in enumerate(tools):
        if type(tool) is dict:
            result.append(tool)
        elif isinstance(tool, Mapping):
            result.append(dict(tool))
        elif isinstance(tool, BaseModel):
            result.append(tool.model_dump(exclude_none=True, by_alias=True))
        elif callable(tool) and not isinstance(tool, type):
            result.append(cached_tool_from_function(tool))
        else:
            raise TypeError(
                f"tools[{index}] is a {type(tool).__name__}: a tool must be a dict, a Tool "
                f"or a Python function"
            )
    return result


def normalize_format(format: Any) -> str | dict[str, Any] | None:
    """Return the ``format`` argument as Ollama expects it, or ``None`` for no format.

    Args:
        format: ``None`` (left out), ``""`` (free text, sent as ollama-python sends it),
            ``"json"``, a JSON-schema dict, or a pydantic model class (its
            ``model_json_schema()`` is sent).

    Returns:
        ``""``, ``"json"``, a JSON schema dict (shared for a model class: do not mutate it), or
        ``None``.

    Raises:
        TypeError: ``format`` is none of the accepted kinds (another string, a model instance
            rather than its class...).
    """
    if format is None:
        return None
    if format in ("", "json"):
        return str(format)
    if isinstance(format, str):
        raise TypeError(
            f"format={format!r} is not supported: use 'json', a JSON-schema dict, or a pydantic "
            f"model class"
        )
    if isinstance(format, Mapping):
        return format if type(format) is dict else dict(format)
    if isinstance(format, type) and issubclass(format, BaseModel):
        return _model_schema(format)
    hint = " (pass the class, not an instance)" if isinstance(format, BaseModel) else ""
    raise TypeError(
        f"format must be '', 'json', a JSON-schema dict or a pydantic model class, not "
        f"{type(format).__name__}{hint}"
    )


@functools.lru_cache(maxsize=128)
def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Return a model class's JSON schema, built once per class (it costs ~100 µs)."""
    return model.model_json_schema()


def normalize_think(think: Any) -> bool | str | None:
    """Return the ``think`` argument after checking its type.

    Args:
        think: ``None`` (the server's default), ``True``/``False``, or an effort level such as
            ``"low"``, ``"medium"``, ``"high"`` or ``"xhigh"``. Levels belong to the server and
            its models, so any string is passed through for the server to judge.

    Returns:
        The value unchanged.

    Raises:
        TypeError: Neither a bool nor a string.
    """
    if think is None or isinstance(think, (bool, str)):
        return think
    raise TypeError(
        f"think must be True, False or an effort level string such as 'high', "
        f"not {type(think).__name__}"
    )


def normalize_keep_alive(keep_alive: Any) -> str | float | None:
    """Return how long the model stays loaded after the call, in a form every Ollama accepts.

    Args:
        keep_alive: ``None`` (the server's default, 5 minutes), seconds as a number (``0``
            unloads at once, a negative number keeps the model loaded), or a Go duration string
            (``"5m"``, ``"1h30m"``, ``"0"``, ``"-1"``). A string holding a bare number
            (``"-1"``, ``"300"``) is sent as that number of seconds, since Ollama's duration
            parser rejects numbers without a unit.

    Returns:
        A duration string, a number of seconds, or ``None``.

    Raises:
        ValueError: A string that is not a duration, or a number that is NaN or infinite.
        TypeError: Any other kind of value.
    """
    if keep_alive is None:
        return None
    if isinstance(keep_alive, bool):
        raise TypeError("keep_alive must be seconds or a duration string like '5m', not a bool")
    if isinstance(keep_alive, (int, float)):
        if not math.isfinite(keep_alive):
            raise ValueError(
                f"keep_alive={keep_alive!r} is not a finite number: use -1 to keep the model "
                f"loaded, 0 to unload it, or seconds"
            )
        return keep_alive
    if isinstance(keep_alive, str):
        return _parse_keep_alive(keep_alive)
    raise TypeError(
        f"keep_alive must be seconds or a duration string like '5m', "
        f"not {type(keep_alive).__name__}"
    )


@functools.lru_cache(maxsize=64)
def _parse_keep_alive(keep_alive: str) -> str | float:
    """Return a keep-alive string as a duration string or seconds (cached: callers repeat it)."""
    text = keep_alive.strip()
    if _NUMBER.fullmatch(text):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    if _GO_DURATION.fullmatch(text):
        return text
    raise ValueError(
        f"keep_alive={keep_alive!r} is not a duration: use e.g. '5m', '1h30m', '30s', "
        f"'0' (unload now) or '-1' (keep loaded)"
    )


def normalize_options(options: Mapping[str, Any] | BaseModel | None) -> dict[str, Any] | None:
    """Return model options as ollama-python sends them: a dict as given, a model without unset fields.

    Args:
        options: ``None``, a dict (sent as given, ``{}`` and ``None`` values included, as
            ollama-python sends it; Ollama ignores ``null`` options), or an
            :class:`~shared_ollama.Options` (or other pydantic model, e.g. ``ollama.Options``),
            whose unset fields are left out. Keys Ollama does not know are passed through for
            the server to judge.

    Returns:
        A new dict, or ``None`` for ``None``.

    Raises:
        TypeError: ``options`` is neither a mapping nor a model, or a key is not a str.
    """
    if options is None:
        return None
    if type(options) is not dict and isinstance(options, BaseModel):
        return options.model_dump(exclude_none=True, by_alias=True)
    if type(options) is dict or isinstance(options, Mapping):
        data = dict(options)
        for key in data:
            if type(key) is not str:
                raise TypeError(f"options keys must be str, not {type(key).__name__} ({key!r})")
        return data
    raise TypeError(
        f"options must be a dict or an Options, not {type(options).__name__}: e.g. "
        f"options={{'temperature': 0.2}}"
    )


def normalize_images(images: Iterable[Any] | None) -> list[str] | None:
    """Return images as base64 strings, or ``None`` when there are none.

    Args:
        images: ``None``, or a list of :class:`~shared_ollama.Image` objects (or
            ``ollama.Image``), raw bytes, paths to image files (``str`` or path-like) or base64
            strings.

    Returns:
        The base64 strings, or ``None`` for ``None`` or an empty list.

    Raises:
        TypeError: ``images`` is a single value rather than a list, or an item has the wrong type.
        ValueError: An item is neither a readable file nor valid base64.
    """
    return _encode_images(images, "images")


def _encode_images(images: Any, where: str) -> list[str] | None:
    if images is None:
        return None
    if isinstance(
        images, (str, bytes, bytearray, os.PathLike, BaseModel, Mapping)
    ) or not isinstance(images, Iterable):
        raise TypeError(
            f"{where} must be a list of images, not a single {type(images).__name__}: wrap it "
            f"in a list"
        )
    encoded: list[str] = []
    index = 0
    try:
        for index, image in enumerate(images):  # noqa: B007 (read in the handler)
            encoded.append(Image.encode(image))
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where}[{index}]: {exc}") from None
    return encoded or None
