"""Fixtures for client unit tests: one API runner that drives the sync or the async client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient

Handler = Callable[[httpx.Request], httpx.Response]
BASE = "http://ollama.test:11434"


class ApiRunner:
    """Calls a client method the same way for the sync and the async client.

    ``run("chat", ...)`` returns the result; a stream comes back as a list of chunks, and an
    exception raised while opening or iterating propagates unchanged.
    """

    def __init__(self, mode: str, handler: Handler, **client_kwargs: Any) -> None:
        self.mode = mode
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.client_kwargs = client_kwargs

    def _record(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.handler(request)

    def run(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.mode == "sync":
            with SharedOllamaClient(
                BASE, transport=httpx.MockTransport(self._record), **self.client_kwargs
            ) as client:
                result = getattr(client, method)(*args, **kwargs)
                return list(result) if kwargs.get("stream") else result
        return asyncio.run(self._run_async(method, *args, **kwargs))

    async def _run_async(self, method: str, *args: Any, **kwargs: Any) -> Any:
        async def handler(request: httpx.Request) -> httpx.Response:
            return self._record(request)

        async with AsyncSharedOllamaClient(
            BASE, transport=httpx.MockTransport(handler), **self.client_kwargs
        ) as client:
            result = await getattr(client, method)(*args, **kwargs)
            if kwargs.get("stream"):
                return [chunk async for chunk in result]
            return result


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Run each client test against the sync and the async client."""
    return str(request.param)


@pytest.fixture
def make_api(mode: str) -> Callable[..., ApiRunner]:
    """Build an :class:`ApiRunner` for the current mode around a MockTransport handler."""

    def build(handler: Handler, **client_kwargs: Any) -> ApiRunner:
        return ApiRunner(mode, handler, **client_kwargs)

    return build


class ChunkedBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in the given network chunks, then optionally a failure."""

    def __init__(self, chunks: list[bytes], *, then_raise: Exception | None = None) -> None:
        self.chunks = chunks
        self.then_raise = then_raise

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.then_raise is not None:
            raise self.then_raise

    async def __aiter__(self) -> Any:
        for chunk in self.chunks:
            yield chunk
        if self.then_raise is not None:
            raise self.then_raise
