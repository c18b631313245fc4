"""What ``/api/show`` says about a model, and the ``LLMMetadata`` it implies (pure, no I/O).

Context window, by precedence: the LLM's ``context_window`` when set (it is also sent as
``num_ctx``), then a ``num_ctx`` baked into the model's Modelfile (the server uses it), then the
model's maximum from ``model_info`` (``<arch>.context_length``), then LlamaIndex's default.

Function calling, by precedence: ``is_function_calling_model`` when passed explicitly, then
``"tools"`` in the server's ``capabilities`` (Ollama 0.6 and later), then whether the chat
template mentions ``.Tools`` (what older servers check before accepting ``tools``), then ``True``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from llama_index.core.base.llms.types import LLMMetadata
from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW, DEFAULT_NUM_OUTPUTS

__all__ = ["ModelFacts", "ShowReply", "llm_metadata", "model_facts"]

_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)\s*$", re.MULTILINE)


class ShowReply(Protocol):
    """The parts of an ``/api/show`` reply this module reads."""

    @property
    def parameters(self) -> str | None:
        """Modelfile parameters, one ``name value`` per line."""

    @property
    def template(self) -> str | None:
        """The chat template."""

    @property
    def capabilities(self) -> Sequence[str] | None:
        """``completion``, ``tools``, ``vision``, ``thinking``...; absent before Ollama 0.6."""


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What one model's ``/api/show`` reply says, reduced to what LlamaIndex needs.

    Attributes:
        max_context: The model's trained context length, if reported.
        configured_context: ``num_ctx`` from the Modelfile, if set.
        supports_tools: Whether the server accepts ``tools`` for it, ``None`` when unknown.
    """

    max_context: int | None = None
    configured_context: int | None = None
    supports_tools: bool | None = None


def _model_info(show: ShowReply) -> Mapping[str, Any]:
    # The core names the field ``model_info`` (the wire name); ollama-python calls it ``modelinfo``.
    info = getattr(show, "model_info", None)
    if info is None:
        info = getattr(show, "modelinfo", None)
    return info or {}


def model_facts(show: ShowReply) -> ModelFacts:
    """Reduce an ``/api/show`` reply to :class:`ModelFacts`."""
    max_context = None
    for key, value in _model_info(show).items():
        if key.endswith(".context_length") and isinstance(value, int) and value > 0:
            max_context = value
            break
    match = _NUM_CTX.search(show.parameters or "")
    configured = int(match.group(1)) if match else None
    if show.capabilities is not None:
        supports_tools: bool | None = "tools" in show.capabilities
    elif show.template:
        supports_tools = ".Tools" in show.template
    else:
        supports_tools = None
    return ModelFacts(
        max_context=max_context, configured_context=configured, supports_tools=supports_tools
    )


def llm_metadata(
    *,
    model: str,
    context_window: int,
    function_calling: bool | None,
    additional_kwargs: Mapping[str, Any],
    facts: ModelFacts | None,
) -> LLMMetadata:
    """The ``LLMMetadata`` for a model.

    Args:
        model: Model name.
        context_window: The LLM's ``context_window`` (``-1`` when unset).
        function_calling: ``is_function_calling_model`` when the user set it, else ``None``.
        additional_kwargs: The LLM's Ollama options (``num_predict`` sets ``num_output``).
        facts: What the server said about the model, or ``None`` when not (yet) known.
    """
    facts = facts or ModelFacts()
    if context_window > 0:
        window = context_window
    else:
        window = facts.configured_context or facts.max_context or DEFAULT_CONTEXT_WINDOW
    if function_calling is None:
        function_calling = True if facts.supports_tools is None else facts.supports_tools
    num_predict = additional_kwargs.get("num_predict")
    num_output = num_predict if isinstance(num_predict, int) and num_predict > 0 else None
    return LLMMetadata(
        context_window=window,
        num_output=num_output or DEFAULT_NUM_OUTPUTS,
        is_chat_model=True,
        is_function_calling_model=function_calling,
        model_name=model,
    )
