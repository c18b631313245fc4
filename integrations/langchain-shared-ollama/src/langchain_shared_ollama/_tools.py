"""Tool definitions and ``tool_choice``: what Ollama is sent, decided without I/O.

Ollama's ``/api/chat`` takes a list of tools but has no ``tool_choice``: the model alone decides
whether to call one. What can be enforced on the client side is enforced by choosing the list:

=============================================  ================================================
``tool_choice``                                tools sent
=============================================  ================================================
``None``, ``"auto"``                           all of them
``"none"``, ``False``                          none (the model cannot call a tool)
``"<name>"``, ``{"type": "function",           only that tool (the model cannot call another
"function": {"name": ...}}``, ``{"name": ..}``  one, but may still answer in text)
``"any"``, ``"required"``, ``True``            all of them; *not enforced*: Ollama cannot make
                                               the model call a tool
=============================================  ================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.utils.function_calling import convert_to_openai_tool

__all__ = ["ToolChoice", "format_tools", "select_tools"]

ToolChoice = str | bool | Mapping[str, Any] | None
"""Every ``tool_choice`` form LangChain passes: a name, a keyword, a bool or a dict."""

_ALL = frozenset({"auto", "any", "required"})


def format_tools(tools: Sequence[Any]) -> list[dict[str, Any]]:
    """Return Ollama (OpenAI-style) function definitions for LangChain tool-likes.

    Accepts whatever :func:`langchain_core.utils.function_calling.convert_to_openai_tool`
    accepts: ``BaseTool``, pydantic classes, ``TypedDict`` classes, functions and dicts.
    """
    return [convert_to_openai_tool(tool) for tool in tools]


def _chosen_name(tool_choice: Mapping[str, Any]) -> str:
    function = tool_choice.get("function")
    name = function.get("name") if isinstance(function, Mapping) else tool_choice.get("name")
    if not isinstance(name, str):
        raise TypeError(
            f"tool_choice={dict(tool_choice)!r} names no tool: pass a tool name, "
            "{'type': 'function', 'function': {'name': ...}}, 'auto', 'any' or 'none'"
        )
    return name


def _tool_name(tool: Mapping[str, Any]) -> str | None:
    function = tool.get("function")
    return function.get("name") if isinstance(function, Mapping) else tool.get("name")


def select_tools(
    tools: Sequence[Mapping[str, Any]] | None, tool_choice: ToolChoice
) -> list[Mapping[str, Any]] | None:
    """Return the tools to send for a ``tool_choice`` (see the module table), or ``None``.

    Raises:
        ValueError: ``tool_choice`` names a tool that is not among ``tools``.
        TypeError: ``tool_choice`` has a form LangChain does not define.
    """
    if not tools:
        return None
    if tool_choice is None or tool_choice is True:
        return list(tools)
    if tool_choice is False or tool_choice == "none":
        return None
    if isinstance(tool_choice, str):
        if tool_choice in _ALL:
            return list(tools)
        name = tool_choice
    elif isinstance(tool_choice, Mapping):
        name = _chosen_name(tool_choice)
    else:
        raise TypeError(
            f"tool_choice={tool_choice!r} is not understood: pass a tool name, a "
            "{'type': 'function', 'function': {'name': ...}} dict, 'auto', 'any', 'required', "
            "'none', True or False"
        )
    chosen = [tool for tool in tools if _tool_name(tool) == name]
    if not chosen:
        names = ", ".join(repr(_tool_name(tool)) for tool in tools)
        raise ValueError(f"tool_choice={name!r} is not one of the bound tools ({names})")
    return chosen
