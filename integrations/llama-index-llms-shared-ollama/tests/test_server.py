"""``SharedOllama`` against a real Ollama: recorded and live.

Each test runs twice (the ``server`` fixture): ``[cassette]`` replays
``cassettes/llama_index/test_server/`` (recorded from ``../shared/ollama-dev/serve.sh`` with
``smollm2:135m``, Ollama 0.5.4) and ``[live]`` talks to ``SHARED_OLLAMA_LIVE_URL``. A 135M model's words are not asserted: shapes, fields and counts are.

Re-record: start the server, export ``SHARED_OLLAMA_LIVE_URL``, delete the cassettes to refresh,
and run this module with ``--record-mode=once``.
"""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from llama_index.llms.shared_ollama import SharedOllama
from shared_ollama import AsyncSharedOllamaClient, CapabilityError, SharedOllamaClient

SHORT = {"num_predict": 12, "seed": 7, "temperature": 0.0}
USER = [ChatMessage(role=MessageRole.USER, content="Say hello.")]
RECORDED_MODEL = "smollm2:135m"
MODES = ["sync", "async"]


@pytest.fixture
def llm(
    server: tuple[str, str], clients: tuple[SharedOllamaClient, AsyncSharedOllamaClient]
) -> SharedOllama:
    """A short-answer ``SharedOllama`` on the server."""
    _, model = server
    return SharedOllama(
        model=model, additional_kwargs=dict(SHORT), client=clients[0], async_client=clients[1]
    )


def assert_usage(raw: dict[str, Any]) -> None:
    """Ollama's token counts are present and consistent."""
    usage = raw["usage"]
    assert usage["prompt_tokens"] > 0
    assert usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


@pytest.mark.parametrize("mode", MODES)
async def test_server_chat_returns_assistant_text_and_usage(llm: SharedOllama, mode: str) -> None:
    """A chat returns assistant text and Ollama's token counts."""
    response = llm.chat(USER) if mode == "sync" else await llm.achat(USER)

    assert response.message.role == MessageRole.ASSISTANT
    assert isinstance(response.message.content, str)
    assert response.message.content
    assert response.raw["done"] is True
    assert_usage(response.raw)


@pytest.mark.parametrize("mode", MODES)
async def test_server_stream_chat_deltas_add_up_to_the_message(
    llm: SharedOllama, mode: str
) -> None:
    """Streamed deltas concatenate to the final message; the last item carries usage."""
    if mode == "sync":
        items: list[ChatResponse] = list(llm.stream_chat(USER))
    else:
        items = [item async for item in await llm.astream_chat(USER)]

    assert len(items) > 2
    assert "".join(item.delta or "" for item in items) == items[-1].message.content
    assert_usage(items[-1].raw)


def test_server_complete_and_stream_complete_return_text(llm: SharedOllama) -> None:
    """Completion, derived from chat, returns text both ways."""
    completion = llm.complete("Say hello.")
    streamed = list(llm.stream_complete("Say hello."))

    assert completion.text
    assert streamed[-1].text == "".join(item.delta or "" for item in streamed)


def test_server_metadata_comes_from_show(llm: SharedOllama, server: tuple[str, str]) -> None:
    """The context window and tool support come from /api/show.

    smollm2:135m (recorded) has an 8192-token context and a template without tools.
    """
    metadata = llm.metadata

    if server[1] == RECORDED_MODEL:
        assert (metadata.context_window, metadata.is_function_calling_model) == (8192, False)
    assert metadata.context_window > 0
    assert metadata.is_chat_model is True
    assert isinstance(metadata.is_function_calling_model, bool)
    assert metadata.model_name == llm.model


def test_server_tools_on_smollm2_raise_capability_error(
    llm: SharedOllama, server: tuple[str, str]
) -> None:
    """smollm2's template has no tools, so Ollama refuses them: a CapabilityError."""
    if server[1] != RECORDED_MODEL:
        pytest.skip(f"this checks {RECORDED_MODEL}, which cannot call tools")

    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    from llama_index.core.tools import FunctionTool

    with pytest.raises(CapabilityError):
        llm.chat_with_tools([FunctionTool.from_defaults(fn=add)], "What is 2 + 3?")


class Person(BaseModel):
    """Ollama's documented structured-output example."""

    age: int
    available: bool


def test_server_structured_predict_returns_the_model_class(llm: SharedOllama) -> None:
    """Ollama's schema-constrained output validates as the pydantic class."""
    llm.additional_kwargs = {**SHORT, "num_predict": 96}
    prompt = PromptTemplate("{name} is 22 years old and busy saving the world. Respond in JSON.")

    try:
        person = llm.structured_predict(Person, prompt, name="Ollama")
    except ValueError as exc:  # a tiny model may stop mid-JSON at num_predict
        pytest.xfail(f"{llm.model} produced JSON that does not validate: {exc}")

    assert isinstance(person, Person)
