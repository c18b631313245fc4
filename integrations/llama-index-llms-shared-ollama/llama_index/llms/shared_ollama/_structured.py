"""Structured output through Ollama's ``format`` (a JSON schema), decided without I/O.

Ollama constrains generation to the schema given as ``format``; the reply's text is then
validated into the pydantic class. A reply that does not validate raises ``ValueError`` that
names the class and the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["parse_structured", "with_schema"]

ModelT = TypeVar("ModelT", bound=BaseModel)


def with_schema(
    llm_kwargs: Mapping[str, Any] | None, output_cls: type[BaseModel]
) -> dict[str, Any]:
    """The caller's ``llm_kwargs`` with ``format`` set to ``output_cls``'s JSON schema."""
    return {**(llm_kwargs or {}), "format": output_cls.model_json_schema()}


def parse_structured(output_cls: type[ModelT], text: str | None, *, model: str) -> ModelT:
    """Validate a reply's JSON text as ``output_cls``.

    Raises:
        ValueError: The text is not JSON matching the class's schema.
    """
    try:
        return output_cls.model_validate_json(text or "")
    except ValidationError as exc:
        shown = (text or "")[:120]
        raise ValueError(
            f"{model} answered {shown!r}, which does not validate as {output_cls.__name__} "
            f"({exc.error_count()} error(s), first: {exc.errors()[0]['msg']}): retry, lower the "
            "temperature, describe the fields in the prompt, or use a larger model"
        ) from exc
