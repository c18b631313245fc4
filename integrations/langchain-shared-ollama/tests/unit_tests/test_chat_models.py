"""ChatSharedOllama on the wire: what it sends to Ollama and what it makes of the answers."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage

from langchain_shared_ollama import ChatSharedOllama

MODES = ["sync", "async"]


async def _invoke(model: Any, mode: str, *args: Any, **kwargs: Any) -> Any:
    return model.invoke(*args, **kwargs) if mode == "sync" else await model.ainvoke(*args, **kwargs)


async def _stream(model: Any, mode: str, *args: Any, **kwargs: Any) -> list[Any]:
    if mode == "sync":
        return list(model.stream(*args, **kwargs))
    return [chunk async for chunk in model.astream(*args, **kwargs)]


@pytest.mark.parametrize("mode", MODES)
async def test_chat_invoke_sends_one_non_streaming_request(
    fake: Any, chat_answer_factory: Any, mode: str
) -> None:
    """``invoke`` posts once with ``stream: false`` and reads one JSON answer, no stream."""
    fake.answer("/api/chat", chat_answer_factory("Bonjour"))
    model = ChatSharedOllama(model="smollm2:135m", **fake.clients())

    result = await _invoke(model, mode, "Hello")

    assert [body["stream"] for body in fake.bodies("/api/chat")] == [False]
    assert fake.bodies("/api/chat")[0]["messages"] == [{"role": "user", "content": "Hello"}]
    assert isinstance(result, AIMessage)
    assert result.content == "Bonjour"


@pytest.mark.parametrize("mode", MODES)
async def test_chat_invoke_reports_usage_and_metadata(
    fake: Any, chat_answer_factory: Any, mode: str
) -> None:
    """Token counts become usage_metadata; model, provider, timings and done_reason metadata."""
    fake.answer("/api/chat", chat_answer_factory("ok"))
    model = ChatSharedOllama(model="smollm2:135m", **fake.clients())

    result = await _invoke(model, mode, "Hello")

    assert result.usage_metadata == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    metadata = result.response_metadata
    assert metadata["model_name"] == "smollm2:135m"
    assert metadata["model_provider"] == "ollama"
    assert metadata["done_reason"] == "stop"
    assert metadata["total_duration"] == 5_000_000
    assert metadata["eval_duration"] == 2_000_000


@pytest.mark.parametrize("mode", MODES)
async def test_chat_stream_counts_input_tokens_once_and_marks_last(
    fake: Any, chat_stream_factory: Any, mode: str
) -> None:
    """A stream yields one chunk per piece; only the last carries usage and is ``last``."""
    fake.stream("/api/chat", chat_stream_factory("Hel", "lo", "!"))
    model = ChatSharedOllama(model="smollm2:135m", **fake.clients())

    chunks = await _stream(model, mode, "Hi")

    assert [body["stream"] for body in fake.bodies("/api/chat")] == [True]
    assert [chunk.content for chunk in chunks] == ["Hel", "lo", "!", ""]
    with_usage = [chunk for chunk in chunks if chunk.usage_metadata]
    assert len(with_usage) == 1
    assert with_usage[0] is chunks[-1]
    assert chunks[-1].chunk_position == "last"
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert isinstance(full, AIMessageChunk)
    assert full.content == "Hello!"
    assert full.usage_metadata == {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    assert full.response_metadata["model_name"] == "smollm2:135m"


def test_chat_streaming_field_makes_invoke_stream(fake: Any, chat_stream_factory: Any) -> None:
    """``streaming=True`` routes ``invoke`` through Ollama's streaming and aggregates it."""
    fake.stream("/api/chat", chat_stream_factory("a", "b"))
    model = ChatSharedOllama(model="smollm2:135m", streaming=True, **fake.clients())

    result = model.invoke("Hi")

    assert [body["stream"] for body in fake.bodies("/api/chat")] == [True]
    assert result.content == "ab"
    assert result.usage_metadata is not None


def test_chat_construction_sends_nothing(fake: Any) -> None:
    """Building models (even many) sends no request and builds no client of its own."""
    for _ in range(3):
        ChatSharedOllama(model="smollm2:135m", **fake.clients())
    ChatSharedOllama(model="smollm2:135m", base_url="http://127.0.0.1:9")

    assert fake.requests == []


def test_chat_options_come_from_fields(fake: Any, chat_answer_factory: Any) -> None:
    """Option fields that are set go to ``options``; unset ones are left to the model."""
    fake.answer("/api/chat", chat_answer_factory())
    model = ChatSharedOllama(
        model="smollm2:135m",
        temperature=0.2,
        num_ctx=4096,
        top_k=10,
        seed=1,
        max_tokens=50,
        stop=["END"],
        keep_alive="10m",
        **fake.clients(),
    )

    model.invoke("Hi")

    body = fake.bodies("/api/chat")[0]
    assert body["options"] == {
        "temperature": 0.2,
        "num_ctx": 4096,
        "top_k": 10,
        "seed": 1,
        "num_predict": 50,
        "stop": ["END"],
    }
    assert body["keep_alive"] == "10m"


def test_chat_call_arguments_override_fields(fake: Any, chat_answer_factory: Any) -> None:
    """Per-call model, options, stop, reasoning and format win over the fields for that call."""
    fake.answer("/api/chat", chat_answer_factory())
    model = ChatSharedOllama(
        model="smollm2:135m", temperature=0.2, stop=["END"], reasoning=False, **fake.clients()
    )

    model.invoke(
        "Hi",
        model="other:1b",
        temperature=0.9,
        max_tokens=5,
        stop=["STOP"],
        reasoning=True,
        format="json",
    )

    body = fake.bodies("/api/chat")[0]
    assert body["model"] == "other:1b"
    assert body["options"] == {"temperature": 0.9, "num_predict": 5, "stop": ["STOP"]}
    assert body["think"] is True
    assert body["format"] == "json"


def test_chat_options_argument_replaces_all_options(fake: Any, chat_answer_factory: Any) -> None:
    """``options=`` in a call is sent as given, as langchain-ollama does."""
    fake.answer("/api/chat", chat_answer_factory())
    model = ChatSharedOllama(model="smollm2:135m", temperature=0.2, **fake.clients())

    model.invoke("Hi", options={"num_ctx": 1024})

    assert fake.bodies("/api/chat")[0]["options"] == {"num_ctx": 1024}


def test_chat_response_format_becomes_format(fake: Any, chat_answer_factory: Any) -> None:
    """An OpenAI-style ``response_format`` with a schema is sent as Ollama's ``format``."""
    fake.answer("/api/chat", chat_answer_factory("{}"))
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    model = ChatSharedOllama(model="smollm2:135m", **fake.clients())

    model.invoke(
        "Hi",
        response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
    )

    assert fake.bodies("/api/chat")[0]["format"] == schema


def test_chat_unknown_call_argument_raises_before_sending(fake: Any) -> None:
    """A misspelt per-call argument is a TypeError naming it, and nothing is sent."""
    model = ChatSharedOllama(model="smollm2:135m", **fake.clients())

    with pytest.raises(TypeError, match="temprature"):
        model.invoke("Hi", temprature=0.1)
    assert fake.requests == []


def test_chat_max_tokens_and_num_predict_must_agree() -> None:
    """``max_tokens`` is ``num_predict``'s alias; two different values are refused."""
    assert ChatSharedOllama(model="m", max_tokens=9).num_predict == 9
    with pytest.raises(ValueError, match="num_predict=5 and max_tokens=9"):
        ChatSharedOllama(model="m", num_predict=5, max_tokens=9)


def test_chat_top_logprobs_turns_logprobs_on(fake: Any, chat_answer_factory: Any) -> None:
    """``top_logprobs`` enables ``logprobs``; both are sent."""
    fake.answer("/api/chat", chat_answer_factory())
    model = ChatSharedOllama(model="smollm2:135m", top_logprobs=2, **fake.clients())

    model.invoke("Hi")

    assert model.logprobs is True
    body = fake.bodies("/api/chat")[0]
    assert (body["logprobs"], body["top_logprobs"]) == (True, 2)
    with pytest.raises(ValueError, match="logprobs=False"):
        ChatSharedOllama(model="m", top_logprobs=2, logprobs=False)


LOGPROB_HI = {"token": "Hi", "logprob": -0.25, "bytes": [72, 105], "top_logprobs": []}
LOGPROB_BANG = {"token": "!", "logprob": -1.5, "bytes": [33], "top_logprobs": []}


def test_chat_invoke_passes_logprobs_through(fake: Any, chat_answer_factory: Any) -> None:
    """Logprobs Ollama returns with an answer are in ``response_metadata["logprobs"]``."""
    fake.answer("/api/chat", chat_answer_factory("Hi!", logprobs=[LOGPROB_HI, LOGPROB_BANG]))
    model = ChatSharedOllama(model="smollm2:135m", logprobs=True, **fake.clients())

    message = model.invoke("Hi")

    assert message.response_metadata["logprobs"] == [LOGPROB_HI, LOGPROB_BANG]


def test_chat_stream_passes_logprobs_through_per_chunk_and_in_the_sum(
    fake: Any, chat_stream_factory: Any, chat_answer_factory: Any
) -> None:
    """Each streamed chunk carries its tokens' logprobs; the summed stream has all, in order."""
    chunks = chat_stream_factory("Hi", "!", final=chat_answer_factory("", logprobs=[]))
    chunks[0]["logprobs"] = [LOGPROB_HI]
    chunks[1]["logprobs"] = [LOGPROB_BANG]
    fake.stream("/api/chat", chunks)
    model = ChatSharedOllama(model="smollm2:135m", logprobs=True, **fake.clients())

    streamed = list(model.stream("Hi"))
    total = streamed[0]
    for chunk in streamed[1:]:
        total += chunk

    assert [c.response_metadata.get("logprobs") for c in streamed] == [
        [LOGPROB_HI],
        [LOGPROB_BANG],
        None,
    ]
    assert streamed[-1].chunk_position == "last"
    assert total.response_metadata["logprobs"] == [LOGPROB_HI, LOGPROB_BANG]
    assert total.content == "Hi!"


async def test_chat_streaming_invoke_aggregates_logprobs(
    fake: Any, chat_stream_factory: Any
) -> None:
    """``streaming=True``: ``ainvoke`` streams, and the message holds every token's logprobs."""
    chunks = chat_stream_factory("Hi", "!")
    chunks[0]["logprobs"] = [LOGPROB_HI]
    chunks[1]["logprobs"] = [LOGPROB_BANG]
    fake.stream("/api/chat", chunks)
    model = ChatSharedOllama(model="smollm2:135m", logprobs=True, streaming=True, **fake.clients())

    message = await model.ainvoke("Hi")

    assert message.response_metadata["logprobs"] == [LOGPROB_HI, LOGPROB_BANG]
    assert fake.bodies("/api/chat")[0]["stream"] is True


def test_chat_ls_params_honour_call_model() -> None:
    """Tracing parameters name the per-call model, the provider and the token cap."""
    model = ChatSharedOllama(model="smollm2:135m", temperature=0.5, max_tokens=20, stop=["x"])

    params = model._get_ls_params(model="other:1b")

    assert params["ls_model_name"] == "other:1b"
    assert params["ls_provider"] == "ollama"
    assert params["ls_temperature"] == 0.5
    assert params["ls_max_tokens"] == 20
    assert params["ls_stop"] == ["x"]
    assert model._get_ls_params()["ls_model_name"] == "smollm2:135m"


def test_chat_validate_model_on_init_fills_profile(fake: Any) -> None:
    """``validate_model_on_init`` asks ``/api/show`` once and keeps the profile it implies."""
    fake.answer(
        "/api/show",
        {
            "template": "{{ .Prompt }}",
            "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
        },
    )

    model = ChatSharedOllama(model="smollm2:135m", validate_model_on_init=True, **fake.clients())

    assert fake.bodies("/api/show") == [{"model": "smollm2:135m"}]
    assert model.profile is not None
    assert model.profile["max_input_tokens"] == 8192
    assert model.profile["tool_calling"] is False


def test_chat_validate_model_on_init_rejects_missing_model(fake: Any) -> None:
    """A model the server does not have is a ValueError saying how to get it."""
    fake.answer("/api/show", {"error": "model 'nope' not found"}, status=404)

    with pytest.raises(ValueError, match="ollama pull nope"):
        ChatSharedOllama(model="nope", validate_model_on_init=True, **fake.clients())


@pytest.mark.parametrize("mode", MODES)
async def test_chat_fetch_profile_reads_capabilities(fake: Any, mode: str) -> None:
    """``fetch_profile`` maps context length and ``capabilities`` into the model profile."""
    fake.answer(
        "/api/show",
        {
            "capabilities": ["completion", "tools", "thinking", "vision"],
            "model_info": {"general.architecture": "qwen3", "qwen3.context_length": 40960},
        },
    )
    model = ChatSharedOllama(model="qwen3:8b", **fake.clients())

    profile = model.fetch_profile() if mode == "sync" else await model.afetch_profile()

    assert profile["max_input_tokens"] == 40960
    assert profile["tool_calling"] is True
    assert profile["reasoning_output"] is True
    assert profile["image_inputs"] is True
    assert profile["tool_choice"] is False
    assert model.profile == profile


def test_chat_profile_without_network_states_ollama_facts() -> None:
    """Before ``fetch_profile``, the profile holds only what every Ollama model offers."""
    model = ChatSharedOllama(model="m")

    assert model.profile == {"text_inputs": True, "structured_output": True, "tool_choice": False}


def test_chat_conversation_is_translated(fake: Any, chat_answer_factory: Any) -> None:
    """A multi-turn conversation keeps roles and order on the wire."""
    fake.answer("/api/chat", chat_answer_factory())
    model = ChatSharedOllama(model="smollm2:135m", **fake.clients())

    model.invoke([("system", "Be brief."), HumanMessage("hi"), AIMessage("hello"), ("human", "?")])

    assert fake.bodies("/api/chat")[0]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "?"},
    ]


def test_chat_output_version_v1_gives_content_blocks(fake: Any, chat_answer_factory: Any) -> None:
    """With ``output_version="v1"`` content is standard blocks, reasoning first."""
    fake.answer("/api/chat", chat_answer_factory("42", message={"thinking": "Let me count."}))
    model = ChatSharedOllama(model="smollm2:135m", output_version="v1", **fake.clients())

    result = model.invoke("Count")

    assert result.content == [
        {"type": "reasoning", "reasoning": "Let me count."},
        {"type": "text", "text": "42"},
    ]
    assert result.response_metadata["output_version"] == "v1"
