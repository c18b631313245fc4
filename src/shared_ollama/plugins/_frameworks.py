"""LangChain's and LlamaIndex's own entry points, served from plugin discovery.

``init_chat_model("shared_ollama:llama3.2")`` and ``configure_llama_index("llama3.2")`` build the
integrations' classes by name, so neither framework needs to know this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared_ollama.plugins._discovery import create

__all__ = ["configure_llama_index", "init_chat_model", "parse_chat_model_spec"]

_CHAT_MODEL_PREFIXES = ("shared_ollama:", "shared-ollama:")
_SHARED_KEYS = ("base_url", "keep_alive")  # what an LLM and its embedding model have in common


def parse_chat_model_spec(spec: str) -> str:
    """Return the model name from ``"shared_ollama:<model>"`` or a bare ``"<model>"``.

    Model names contain colons themselves (``llama3.2:1b``), so only the prefixes
    ``shared_ollama:`` and ``shared-ollama:`` are stripped.

    Args:
        spec: The model spec.

    Returns:
        The model name.

    Raises:
        ValueError: The spec names no model.
    """
    model = spec.strip()
    for prefix in _CHAT_MODEL_PREFIXES:
        if model.startswith(prefix):
            model = model[len(prefix) :].strip()
            break
    if not model:
        raise ValueError(
            f"No model in {spec!r}: pass 'shared_ollama:<model>' or a model name, "
            "such as 'shared_ollama:llama3.2'."
        )
    return model


def init_chat_model(spec: str, **kwargs: Any) -> Any:
    """Build the LangChain chat model from discovery, like LangChain's ``init_chat_model``.

    Args:
        spec: ``"shared_ollama:<model>"`` or a bare model name.
        **kwargs: Passed to the chat model's constructor (``temperature=...`` and so on).

    Returns:
        The chat model (``langchain_shared_ollama.ChatSharedOllama`` when that is installed).

    Raises:
        ValueError: The spec names no model.
        PluginNotFoundError: ``langchain-shared-ollama`` is not installed.
    """
    return create("langchain.chat", model=parse_chat_model_spec(spec), **kwargs)


def configure_llama_index(
    model: str,
    *,
    embed_model: str | None = None,
    embed_kwargs: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> tuple[Any, Any | None]:
    """Set LlamaIndex's ``Settings.llm`` (and ``Settings.embed_model``) from discovery.

    Args:
        model: The chat model for ``Settings.llm``.
        embed_model: The embedding model for ``Settings.embed_model``; left unchanged when
            ``None``.
        embed_kwargs: Extra constructor arguments for the embedding model only.
        **kwargs: Constructor arguments for the LLM; ``base_url`` and ``keep_alive`` are passed
            to the embedding model too.

    Returns:
        The LLM and the embedding model (``None`` when ``embed_model`` was not given).

    Raises:
        PluginNotFoundError: ``llama-index-llms-shared-ollama`` (or, with ``embed_model``,
            ``llama-index-embeddings-shared-ollama``) is not installed.
        ImportError: ``llama-index-core`` is not installed.
    """
    from llama_index.core import Settings  # noqa: PLC0415 (optional dependency)

    llm = create("llama_index.llm", model=model, **kwargs)
    embedding: Any | None = None
    if embed_model is not None:
        shared = {key: kwargs[key] for key in _SHARED_KEYS if key in kwargs}
        embedding = create(
            "llama_index.embedding", model_name=embed_model, **shared, **dict(embed_kwargs or {})
        )
    Settings.llm = llm
    if embedding is not None:
        Settings.embed_model = embedding
    return llm, embedding
