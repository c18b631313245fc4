"""A LangChain model profile from Ollama's ``/api/show`` answer: a pure translation.

- ``max_input_tokens``: ``model_info["<architecture>.context_length"]``, where the
  architecture is ``model_info["general.architecture"]``.
- From ``capabilities`` (Ollama 0.6 and later): ``tools`` -> ``tool_calling``, ``vision`` ->
  ``image_inputs``, ``thinking`` -> ``reasoning_output``, ``completion`` -> ``text_outputs``.
- Older servers send no ``capabilities``; then tool calling is read from the chat template
  (it mentions ``.Tools``) and image input from the presence of ``projector_info``, and
  reasoning is left out (unknown).
- Always: text input, structured output (Ollama's ``format``), and ``tool_choice=False``.

Why ``tool_choice=False`` rather than langchain-ollama's ``None`` (it sets no profile at all):
``ModelProfile`` declares ``tool_choice`` a ``bool`` meaning "can force a tool call", and
Ollama's API has no ``tool_choice``, so ``False`` is the known answer; a missing key would say
"unknown". langchain-core itself reads no profile key when binding tools (``bind_tools`` takes
``tool_choice`` whatever the profile says), so nothing in LangChain changes behaviour on it;
``bind_tools`` enforces what Ollama allows (``"none"`` and a tool name) by what it sends.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import ModelProfile

__all__ = ["STATIC_PROFILE", "profile_from_show"]

STATIC_PROFILE: ModelProfile = ModelProfile(
    text_inputs=True, structured_output=True, tool_choice=False
)
"""What holds for every model an Ollama server runs, known without asking it."""


def _context_length(model_info: Any) -> int | None:
    if not isinstance(model_info, dict):
        return None
    architecture = model_info.get("general.architecture")
    value = model_info.get(f"{architecture}.context_length") if architecture else None
    return value if isinstance(value, int) and value > 0 else None


def profile_from_show(show: Any) -> ModelProfile:
    """Return the :class:`~langchain_core.language_models.ModelProfile` of a ``show`` answer."""
    profile = ModelProfile(**STATIC_PROFILE)
    context = _context_length(getattr(show, "model_info", None))
    if context is not None:
        profile["max_input_tokens"] = context
    capabilities = getattr(show, "capabilities", None)
    if capabilities is not None:
        caps = set(capabilities)
        profile["tool_calling"] = "tools" in caps
        profile["image_inputs"] = "vision" in caps
        profile["reasoning_output"] = "thinking" in caps
        profile["text_outputs"] = "completion" in caps
    else:
        template = getattr(show, "template", None) or ""
        profile["tool_calling"] = ".Tools" in template
        profile["image_inputs"] = bool(getattr(show, "projector_info", None))
        profile["text_outputs"] = True
    if profile["tool_calling"]:
        profile["tool_call_streaming"] = True
    return profile
