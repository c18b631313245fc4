"""LangChain's standard unit suites for the chat model and the embeddings."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests, EmbeddingsUnitTests

from langchain_shared_ollama import ChatSharedOllama, SharedOllamaEmbeddings


class TestChatSharedOllamaUnit(ChatModelUnitTests):
    """The standard chat-model unit suite; constructing models sends nothing."""

    @property
    def chat_model_class(self) -> type[ChatSharedOllama]:
        """The class under test."""
        return ChatSharedOllama

    @property
    def chat_model_params(self) -> dict[str, Any]:
        """A model name; no server is contacted."""
        return {"model": "smollm2:135m"}

    @property
    def supports_image_inputs(self) -> bool:
        """Ollama takes base64 images in content blocks."""
        return True

    @property
    def supports_json_mode(self) -> bool:
        """``format="json"``."""
        return True


class TestSharedOllamaEmbeddingsUnit(EmbeddingsUnitTests):
    """The standard embeddings unit suite."""

    @property
    def embeddings_class(self) -> type[SharedOllamaEmbeddings]:
        """The class under test."""
        return SharedOllamaEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        """A model name; no server is contacted."""
        return {"model": "smollm2:135m"}
