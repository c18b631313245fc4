"""The JSON codec of shared-ollama: ``orjson`` in one place, so every module decodes the same way."""

from __future__ import annotations

import dataclasses
from pathlib import PurePath
from typing import Any

import orjson

__all__ = ["JSONDecodeError", "dumps", "json_ready", "loads"]

JSONDecodeError = orjson.JSONDecodeError


def dumps(value: Any) -> bytes:
    """Encode a JSON-ready value to UTF-8 bytes (non-string keys are stringified)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Decode JSON text or bytes; raises :data:`JSONDecodeError` (a ``ValueError``) when malformed."""
    return orjson.loads(data)


def json_ready(value: Any) -> Any:
    """``value`` as plain JSON data: the one way results become dicts (``--json``, records).

    Dataclasses become dicts in field order, tuples lists and paths strings, recursively.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_ready(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, PurePath):
        return str(value)
    return value
