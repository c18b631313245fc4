"""``with_structured_output`` for :class:`~langchain_shared_ollama.ChatSharedOllama`.

Three methods:

- ``json_schema`` (default): the schema is sent as Ollama's ``format``, so the server constrains
  decoding to it; the reply's text is parsed (into the pydantic class when one is given).
- ``function_calling``: the schema is bound as the only tool with ``tool_choice`` naming it;
  the first tool call is parsed. Ollama cannot force the call (see ``bind_tools``), and the model
  needs a template with tool support.
- ``json_mode``: ``format="json"``; the prompt must describe the shape wanted.

``include_raw=True`` returns ``{"raw": AIMessage, "parsed": ..., "parsing_error": ...}`` and
never raises on a parsing failure.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from langchain_core.runnables import RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

if TYPE_CHECKING:
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.runnables import Runnable

    from langchain_shared_ollama.chat_models import ChatSharedOllama

__all__ = ["StructuredOutputMethod", "structured_output"]

StructuredOutputMethod = Literal["json_schema", "function_calling", "json_mode"]


def _is_pydantic_class(schema: Any) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


def _json_schema_of(schema: Any) -> dict[str, Any]:
    """Return the JSON schema Ollama's ``format`` takes for a pydantic class, TypedDict or dict."""
    if _is_pydantic_class(schema):
        if hasattr(schema, "model_json_schema"):
            return dict(schema.model_json_schema())
        return dict(schema.schema())  # pydantic.v1 class
    if isinstance(schema, dict):
        return schema
    return convert_to_json_schema(schema)


def structured_output(
    model: ChatSharedOllama,
    schema: dict[str, Any] | type | None,
    *,
    method: StructuredOutputMethod,
    include_raw: bool,
) -> Runnable[LanguageModelInput, Any]:
    """Return the runnable ``with_structured_output`` hands back (see the module docstring).

    Raises:
        ValueError: ``schema`` is missing for a method that needs one, or ``method`` is unknown.
    """
    is_pydantic = _is_pydantic_class(schema)
    parser: Runnable[Any, Any]
    if method not in ("json_schema", "function_calling", "json_mode"):
        raise ValueError(
            f"method={method!r} is not one of 'json_schema' (the default), 'function_calling' "
            "or 'json_mode'"
        )
    if schema is None and method != "json_mode":
        raise ValueError(f"method={method!r} needs a schema; only 'json_mode' works without one")
    trace: dict[str, Any] = (
        {} if schema is None else {"kwargs": {"method": method}, "schema": schema}
    )
    if method == "function_calling":
        tool = convert_to_openai_tool(schema)  # type: ignore[arg-type]
        name = tool["function"]["name"]
        llm = model.bind_tools(
            [schema],  # type: ignore[list-item]
            tool_choice=name,
            ls_structured_output_format=trace,
        )
        if is_pydantic:
            parser = PydanticToolsParser(tools=[schema], first_tool_only=True)
        else:
            parser = JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
    elif method == "json_mode":
        llm = model.bind(format="json", ls_structured_output_format=trace)
        parser = PydanticOutputParser(pydantic_object=schema) if is_pydantic else JsonOutputParser()
    else:
        json_schema = _json_schema_of(schema)
        llm = model.bind(format=json_schema, ls_structured_output_format=trace)
        parser = PydanticOutputParser(pydantic_object=schema) if is_pydantic else JsonOutputParser()
    if not include_raw:
        return llm | parser
    parse_raw = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    keep_raw = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parse_raw.with_fallbacks(
        [keep_raw], exception_key="parsing_error"
    )
