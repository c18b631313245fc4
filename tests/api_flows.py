"""End-to-end flows over the whole Ollama API, run live and replayed from cassettes.

Each flow takes a client and the model, calls the real API (or its recording) and asserts on
shapes, fields and behaviour, never on the words a model produced.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared_ollama import (
    AsyncSharedOllamaClient,
    CapabilityError,
    ChatResponse,
    EmbedResponse,
    GenerateResponse,
    ModelNotFoundError,
    SharedOllamaClient,
    SharedOllamaError,
)

SHORT = {"num_predict": 8, "seed": 7, "temperature": 0}
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def check_chat(response: ChatResponse, model: str) -> None:
    assert response.model == model
    assert response.done is True
    assert response.message.role == "assistant"
    assert isinstance(response.message.content, str)
    assert response.eval_count is not None and 0 < response.eval_count <= SHORT["num_predict"]
    assert response.prompt_eval_count is not None and response.prompt_eval_count > 0
    assert response.total_duration is not None and response.total_duration > 0


def sync_flows(client: SharedOllamaClient, model: str) -> None:
    messages = [{"role": "user", "content": "Say hello."}]
    check_chat(client.chat(model, messages, options=SHORT), model)

    chunks = list(client.chat(model, messages, options=SHORT, stream=True))
    assert chunks[-1].done is True
    assert all(not chunk.done for chunk in chunks[:-1])
    assert len(chunks) >= 2
    assert chunks[-1].eval_count == len(chunks) - 1 or chunks[-1].eval_count is not None

    generated = client.generate(model, "Once upon a time", options=SHORT)
    assert isinstance(generated, GenerateResponse)
    assert generated.done is True
    assert isinstance(generated.context, list) and generated.context

    pieces = list(client.generate(model, "Once upon a time", options=SHORT, stream=True))
    assert pieces[-1].done is True
    assert "".join(piece.response for piece in pieces) != "" or pieces[-1].eval_count

    embedded = client.embed(model, ["first text", "second text", "third"])
    assert isinstance(embedded, EmbedResponse)
    assert len(embedded.embeddings) == 3
    assert len({len(vector) for vector in embedded.embeddings}) == 1
    assert len(embedded.embeddings[0]) > 0

    legacy = client.embeddings(model, "one text")
    assert len(legacy.embedding) == len(embedded.embeddings[0])

    names = [entry.model for entry in client.list().models]
    assert model in names
    shown = client.show(model)
    assert shown.modelfile and "FROM" in shown.modelfile
    assert shown.details is not None and shown.details.format == "gguf"
    assert any(entry.model == model for entry in client.ps().models)
    assert client.version().version

    with pytest.raises(ModelNotFoundError) as missing:
        client.chat("no-such-model:1b", messages)
    assert missing.value.status_code == 404
    assert "ollama pull no-such-model:1b" in str(missing.value)

    with pytest.raises(CapabilityError) as no_tools:
        client.chat(model, messages, tools=[TOOL])
    assert no_tools.value.capability == "tools"

    structured = client.chat(
        model,
        messages,
        format={"type": "object", "properties": {"a": {"type": "integer"}}},
        options=SHORT,
    )
    assert structured.done is True


async def async_flows(client: AsyncSharedOllamaClient, model: str) -> None:
    messages = [{"role": "user", "content": "Say hello."}]
    check_chat(await client.chat(model, messages, options=SHORT), model)
    chunks = [
        chunk async for chunk in await client.chat(model, messages, options=SHORT, stream=True)
    ]
    assert chunks[-1].done is True
    assert len(chunks) >= 2
    generated = await client.generate(model, "Once upon a time", options=SHORT)
    assert generated.done is True
    embedded = await client.embed(model, ["first text", "second text"])
    assert len(embedded.embeddings) == 2
    assert model in [entry.model for entry in (await client.list()).models]
    assert (await client.version()).version
    with pytest.raises(ModelNotFoundError):
        await client.generate("no-such-model:1b", "x")


def copy_delete_flow(client: SharedOllamaClient, model: str) -> dict[str, Any]:
    """Copy the model under a new name, see it listed, delete it, see it gone."""
    alias = "shared-ollama-test-copy:latest"
    assert client.copy(model, alias).status == "success"
    listed = [entry.model for entry in client.list().models]
    assert client.delete(alias).status == "success"
    after = [entry.model for entry in client.list().models]
    with pytest.raises(SharedOllamaError):
        client.delete(alias)
    return {"listed": alias in listed, "after": alias in after}
