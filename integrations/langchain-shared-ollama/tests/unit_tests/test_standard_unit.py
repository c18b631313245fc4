"""LangChain's standard unit suites for the chat model and the embeddings."""

from __future__ import annotations

from typing import Any

import pytest
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

    @pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")
    @pytest.mark.xfail(
        reason=(
            "the standard test loads with allowed_objects='all', which admits only the classes "
            "in langchain-core's own mapping, never a third-party package's; the round trip "
            "with LangChain's way for those (allowed_objects=[ChatSharedOllama]) passes in "
            "test_public_api.py"
        ),
        raises=ValueError,
        strict=True,
    )
    def test_serdes(self, model: ChatSharedOllama, snapshot: Any) -> None:
        """The standard serialization round trip (its snapshot step is not what fails)."""
        super().test_serdes(model, _AnySnapshot())


class _AnySnapshot:
    """Stands in for syrupy's snapshot: equal to whatever the standard test serialized."""

    def __call__(self, **_: Any) -> _AnySnapshot:
        return self

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


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
