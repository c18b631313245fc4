"""Ollama ``/api/generate`` responses to LangChain generations: a pure translation.

The text is ``response``. ``generation_info`` carries, on the final response only, the same
metadata chat results carry in ``response_metadata`` (``model_name``, ``model_provider``,
``done_reason``, token counts, durations) plus ``context`` when Ollama sends it; thinking
(``reasoning=True``) is kept under ``generation_info["thinking"]`` on every chunk that has some,
so an aggregated stream holds the whole of it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.outputs import Generation, GenerationChunk

from langchain_shared_ollama._chat_output import response_metadata

__all__ = ["generation", "generation_chunk"]


def _info(response: Any) -> dict[str, Any] | None:
    info: dict[str, Any] = {}
    if response.thinking:
        info["thinking"] = response.thinking
    if response.done:
        info.update(response_metadata(response))
        if response.context:
            info["context"] = list(response.context)
    return info or None


def generation(response: Any) -> Generation:
    """Return the generation for one non-streamed ``/api/generate`` response."""
    return Generation(text=response.response or "", generation_info=_info(response))


def generation_chunk(response: Any) -> GenerationChunk:
    """Return the chunk for one chunk of an ``/api/generate`` stream."""
    if not response.done and not response.thinking:
        return GenerationChunk(text=response.response or "")
    return GenerationChunk(text=response.response or "", generation_info=_info(response))
