"""End-to-end LangChain use: LCEL, structured output, events, vector store, completion LLM.

An LCEL chain, structured output with a pydantic schema, ``astream_events``, embeddings in an
in-memory vector store and the completion LLM. Every test runs twice: from cassettes (``[cassette]``, recorded against smollm2:135m on Ollama
0.5.4) and against a live server (``[live]``, skipped with the reason unless
``SHARED_OLLAMA_LIVE_URL`` is set). A 135M model's words are not asserted: the tests check
shapes and what LangChain does with them.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.vectorstores import InMemoryVectorStore
from pydantic import BaseModel

from langchain_shared_ollama import ChatSharedOllama, SharedOllamaEmbeddings, SharedOllamaLLM

MODEL = "smollm2:135m"
PROMPT = ChatPromptTemplate.from_messages(
    [("system", "You answer in one short sentence."), ("human", "Say hello to {name}.")]
)


@pytest.fixture(
    params=[
        pytest.param("cassette", marks=pytest.mark.vcr),
        pytest.param("live", marks=pytest.mark.live),
    ]
)
def base_url(request: pytest.FixtureRequest) -> str:
    """The recorded server's URL for cassettes (any URL replays), or the live server's."""
    if request.param == "live":
        return str(request.getfixturevalue("live_url"))
    return os.environ.get("SHARED_OLLAMA_LIVE_URL", "http://127.0.0.1:11434")


def _chat(base_url: str, **fields: Any) -> ChatSharedOllama:
    return ChatSharedOllama(model=MODEL, base_url=base_url, seed=7, **{"num_predict": 32, **fields})


class Verdict(BaseModel):
    """A constrained answer: Ollama's grammar can only produce these values."""

    answer: Literal["yes", "no"]
    sure: bool


def test_lcel_chain_returns_text(base_url: str) -> None:
    """``prompt | ChatSharedOllama | StrOutputParser()`` returns the reply's text."""
    chain = PROMPT | _chat(base_url) | StrOutputParser()

    result = chain.invoke({"name": "Ada"})

    assert isinstance(result, str)
    assert result


async def test_lcel_chain_batches_async(base_url: str) -> None:
    """The same chain batches asynchronously, one reply per input."""
    chain = PROMPT | _chat(base_url) | StrOutputParser()

    results = await chain.abatch([{"name": "Ada"}, {"name": "Grace"}])

    assert len(results) == 2
    assert all(isinstance(text, str) and text for text in results)


def test_structured_output_chain_with_pydantic(base_url: str) -> None:
    """A pydantic schema sent as ``format`` comes back as an instance of it."""
    chain = PROMPT | _chat(base_url, num_predict=64).with_structured_output(Verdict)

    result = chain.invoke({"name": "Ada"})

    assert isinstance(result, Verdict)
    assert result.answer in {"yes", "no"}


async def test_structured_output_include_raw_async(base_url: str) -> None:
    """``include_raw`` returns the raw message with usage next to the parsed object."""
    model = _chat(base_url, num_predict=64).with_structured_output(Verdict, include_raw=True)

    result = await (PROMPT | model).ainvoke({"name": "Grace"})

    assert isinstance(result["raw"], AIMessage)
    assert result["raw"].usage_metadata is not None
    assert isinstance(result["parsed"], Verdict)
    assert result["parsing_error"] is None


async def test_astream_events_reports_each_chunk(base_url: str) -> None:
    """``astream_events`` shows the model's stream chunk by chunk, then the whole message."""
    chain = PROMPT | _chat(base_url) | StrOutputParser()

    events = [event async for event in chain.astream_events({"name": "Ada"}, version="v2")]

    kinds = [event["event"] for event in events]
    streamed = [e["data"]["chunk"] for e in events if e["event"] == "on_chat_model_stream"]
    assert kinds.count("on_chat_model_start") == 1
    assert len(streamed) > 1
    assert all(isinstance(chunk, AIMessageChunk) for chunk in streamed)
    (end,) = [e for e in events if e["event"] == "on_chat_model_end"]
    output = end["data"]["output"]
    assert output.usage_metadata is not None
    assert output.usage_metadata["input_tokens"] > 0
    assert output.response_metadata["model_name"] == MODEL
    assert kinds[-1] == "on_chain_end"


def test_embeddings_in_memory_vector_store(base_url: str) -> None:
    """Texts embedded into an in-memory store are found again by the same text."""
    embeddings = SharedOllamaEmbeddings(model=MODEL, base_url=base_url)
    texts = ["cats purr on the sofa", "dogs bark at the mailman", "fish swim in the pond"]
    store = InMemoryVectorStore.from_texts(texts, embedding=embeddings)

    found = store.similarity_search("dogs bark at the mailman", k=1)

    assert [doc.page_content for doc in found] == ["dogs bark at the mailman"]


async def test_embeddings_in_memory_vector_store_async(base_url: str) -> None:
    """The async path stores and finds texts the same way."""
    embeddings = SharedOllamaEmbeddings(model=MODEL, base_url=base_url, batch_size=2)
    texts = ["red apples", "green pears", "yellow bananas"]
    store = await InMemoryVectorStore.afrom_texts(texts, embedding=embeddings)

    found = await store.asimilarity_search("yellow bananas", k=1)

    assert [doc.page_content for doc in found] == ["yellow bananas"]


def test_llm_invoke_and_stream(base_url: str) -> None:
    """The completion LLM answers with text and streams it in pieces."""
    llm = SharedOllamaLLM(model=MODEL, base_url=base_url, seed=7, num_predict=16)

    text = llm.invoke("Once upon a time")
    pieces = list(llm.stream("Once upon a time"))

    assert isinstance(text, str)
    assert text
    assert len(pieces) > 1
    assert "".join(pieces)


async def test_llm_ainvoke_reports_metadata(base_url: str) -> None:
    """``agenerate`` carries the model name and token counts in ``generation_info``."""
    llm = SharedOllamaLLM(model=MODEL, base_url=base_url, seed=7, num_predict=16)

    result = await llm.agenerate(["The capital of France is"])

    info = result.generations[0][0].generation_info
    assert info is not None
    assert info["model_name"] == MODEL
    assert info["eval_count"] > 0
