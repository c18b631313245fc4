"""LangChain's standard integration suites, replayed from cassettes.

The cassettes were recorded against a real Ollama 0.5.4 on the CPU running ``smollm2:135m``
(``../shared/ollama-dev/serve.sh``), whose answers are fluent but small-model quality. Re-record
with ``SHARED_OLLAMA_LIVE_URL=http://127.0.0.1:PORT pytest <this file> --record-mode=once``
after deleting the cassettes to refresh.

What that server cannot show is marked ``xfail`` with the reason, never rewritten:

- Tool calling: the model's template has no tool support, so Ollama answers 400 "does not
  support tools" to any request with tools (covered by unit tests on documented payloads).
- Images: the suite downloads images from the internet and the model has no vision; the
  ``supports_image_inputs`` flag stays off (unit tests cover image blocks).
- JSON mode: ``format="json"`` only makes Ollama emit *some* JSON object; this model's object
  has the keys the test asks for in prose, but not plain strings as their values.
  (Schema-constrained output, the default method, passes.)
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from langchain_tests.integration_tests import (
    ChatModelIntegrationTests,
    EmbeddingsIntegrationTests,
)

from langchain_shared_ollama import ChatSharedOllama, SharedOllamaEmbeddings

pytestmark = [
    pytest.mark.vcr,
    # While recording, the suite's test_stream_time runs once without its benchmark fixture.
    pytest.mark.filterwarnings(
        "ignore:Benchmark fixture was not used:pytest_benchmark.logger.PytestBenchmarkWarning"
    ),
]

MODEL = "smollm2:135m"
NO_TOOLS = (
    "smollm2:135m has no tool template: Ollama answers 400 'does not support tools' to any "
    "request carrying tools (tool calls are covered by unit tests on Ollama's documented payloads)"
)


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    """The repository's one configuration, plus repeats for ``test_stream_time``.

    That standard test's benchmark streams its one recorded request as often as it likes.
    """
    return {**vcr_config, "allow_playback_repeats": True}


def _base_url() -> str:
    """The server the cassettes were recorded from (any URL replays them)."""
    return os.environ.get("SHARED_OLLAMA_LIVE_URL", "http://127.0.0.1:11434")


class TestChatSharedOllamaIntegration(ChatModelIntegrationTests):
    """The standard chat-model integration suite."""

    @property
    def chat_model_class(self) -> type[ChatSharedOllama]:
        """The class under test."""
        return ChatSharedOllama

    @property
    def chat_model_params(self) -> dict[str, Any]:
        """The recorded server and model; a fixed seed and a token cap keep recordings small."""
        return {"model": MODEL, "base_url": _base_url(), "seed": 7, "num_predict": 256}

    @property
    def model_override_value(self) -> str:
        """Another name of the same model (Ollama expands it), so the override reaches the wire."""
        return f"library/{MODEL}"

    @property
    def supports_json_mode(self) -> bool:
        """``format="json"``."""
        return True

    @property
    def enable_vcr_tests(self) -> bool:
        """The suite's cassette benchmark (``test_stream_time``) runs on our cassettes."""
        return True

    @pytest.mark.xfail(
        reason="format='json' constrains the reply to some JSON object, not to the schema the "
        "prompt describes in prose: smollm2:135m (135M parameters) now picks the asked keys, "
        "setup and punchline, but fills them with an object and a list, so the parsed Joke "
        "fails (json_schema, the default method, passes)"
    )
    def test_json_mode(self, model: Any) -> None:
        """Standard test; xfail: JSON mode does not make this small model use plain strings."""
        super().test_json_mode(model)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_tool_calling(self, model: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_tool_calling(model)

    @pytest.mark.xfail(reason=NO_TOOLS)
    async def test_tool_calling_async(self, model: Any) -> None:
        """Standard test; xfail: no tool template."""
        await super().test_tool_calling_async(model)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_bind_runnables_as_tools(self, model: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_bind_runnables_as_tools(model)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_tool_message_histories_string_content(self, model: Any, my_adder_tool: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_tool_message_histories_string_content(model, my_adder_tool)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_tool_message_histories_list_content(self, model: Any, my_adder_tool: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_tool_message_histories_list_content(model, my_adder_tool)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_tool_choice(self, model: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_tool_choice(model)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_tool_calling_with_no_arguments(self, model: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_tool_calling_with_no_arguments(model)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_tool_message_error_status(self, model: Any, my_adder_tool: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_tool_message_error_status(model, my_adder_tool)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_structured_few_shot_examples(self, model: Any, my_adder_tool: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_structured_few_shot_examples(model, my_adder_tool)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_agent_loop(self, model: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_agent_loop(model)

    @pytest.mark.xfail(reason=NO_TOOLS)
    def test_unicode_tool_call_integration(self, model: Any) -> None:
        """Standard test; xfail: no tool template."""
        super().test_unicode_tool_call_integration(model)


class TestSharedOllamaEmbeddingsIntegration(EmbeddingsIntegrationTests):
    """The standard embeddings integration suite."""

    @property
    def embeddings_class(self) -> type[SharedOllamaEmbeddings]:
        """The class under test."""
        return SharedOllamaEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        """The recorded server and model."""
        return {"model": MODEL, "base_url": _base_url()}
