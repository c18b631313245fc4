"""Streams of Ollama chunks to streams of LlamaIndex items (chat responses, structured objects).

Each stream starts its request on the first item asked for, as the LLM's own generators did,
and releases the core client's stream when the consumer leaves early.
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
)
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import (
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
)
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictInProgressEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.program.utils import FlexibleModel, process_streaming_objects
from llama_index.core.types import Model

from ._responses import StreamAssembler

if TYPE_CHECKING:
    from llama_index.core.instrumentation import Dispatcher

__all__ = ["achat_stream", "astructured_stream", "chat_stream", "structured_stream"]


def _close(chunks: Iterator[Any]) -> None:
    """Release a stream the consumer left early (the core's streams are generators)."""
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


async def _aclose(chunks: AsyncIterator[Any]) -> None:
    """Release an async stream the consumer left early."""
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


def chat_stream(start: Callable[[], Iterator[Any]]) -> ChatResponseGen:
    """The chat responses of the chunks ``start()`` streams, each with the message so far."""
    chunks = start()
    assembler = StreamAssembler()
    try:
        for chunk in chunks:
            yield assembler.feed(chunk)
    finally:
        _close(chunks)


async def achat_stream(start: Callable[[], Awaitable[AsyncIterator[Any]]]) -> ChatResponseAsyncGen:
    """Async :func:`chat_stream`."""
    chunks = await start()
    assembler = StreamAssembler()
    try:
        async for chunk in chunks:
            yield assembler.feed(chunk)
    finally:
        await _aclose(chunks)


def structured_stream(
    dispatcher: Dispatcher,
    start: LLMStructuredPredictStartEvent,
    output_cls: type[Model],
    responses: Callable[[], Iterator[ChatResponse]],
) -> Generator[Model | FlexibleModel, None, None]:
    """Ever more complete ``output_cls`` objects as the JSON of ``responses()`` arrives."""
    dispatcher.event(start)
    current: list[Any] | None = None
    latest: Any = None
    for response in responses():
        latest = process_streaming_objects(response, output_cls, cur_objects=current)
        current = latest if isinstance(latest, list) else [latest]
        dispatcher.event(LLMStructuredPredictInProgressEvent(output=latest))
        yield latest
    dispatcher.event(LLMStructuredPredictEndEvent(output=latest))


async def astructured_stream(
    dispatcher: Dispatcher,
    start: LLMStructuredPredictStartEvent,
    output_cls: type[Model],
    responses: Callable[[], Awaitable[AsyncIterator[ChatResponse]]],
) -> AsyncGenerator[Model | FlexibleModel, None]:
    """Async :func:`structured_stream`."""
    dispatcher.event(start)
    current: list[Any] | None = None
    latest: Any = None
    async for response in await responses():
        latest = process_streaming_objects(response, output_cls, cur_objects=current)
        current = latest if isinstance(latest, list) else [latest]
        dispatcher.event(LLMStructuredPredictInProgressEvent(output=latest))
        yield latest
    dispatcher.event(LLMStructuredPredictEndEvent(output=latest))
