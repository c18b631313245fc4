"""The JSON codec of shared-ollama: ``orjson`` in one place, so every module decodes the same way."""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["JSONDecodeError", "dumps", "loads"]

JSONDecodeError = orjson.JSONDecodeError


def dumps(value: Any) -> bytes:
    """Encode a JSON-ready value to UTF-8 bytes (non-string keys are stringified)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Decode JSON text or bytes; raises :data:`JSONDecodeError` (a ``ValueError``) when malformed."""
    return orjson.loads(data)
