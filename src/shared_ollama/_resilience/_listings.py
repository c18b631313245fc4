"""Reading ``/api/ps`` and ``/api/tags`` answers: the one parser of their ``models`` lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["listed_models", "model_name"]


def listed_models(payload: object) -> list[Mapping[str, Any]] | None:
    """The model objects of an ``/api/ps`` or ``/api/tags`` answer.

    Returns:
        The entries that are objects, in order; ``None`` when ``payload`` is not such an answer.
    """
    if not isinstance(payload, Mapping):
        return None
    models = payload.get("models")
    if not isinstance(models, list):
        return None
    return [entry for entry in models if isinstance(entry, Mapping)]


def model_name(entry: Mapping[str, Any]) -> str:
    """An entry's model name (``name``, else ``model``: Ollama sends both); ``""`` when neither."""
    name = entry.get("name") or entry.get("model")
    return name if isinstance(name, str) else ""
