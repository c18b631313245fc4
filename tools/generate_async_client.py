"""Generate ``_async_client.py`` from ``_sync_client.py``: one source for both I/O shells.

The async client differs from the sync one only in how it waits: ``async def``/``await``,
``asyncio`` semaphores, ``AsyncRetrying`` and ``aiter_bytes``. Everything else is shared code in
the I/O-free modules. Run ``python tools/generate_async_client.py`` after editing ``_sync_client.py``;
a test fails when the committed async client differs from what this produces.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNC = ROOT / "src" / "shared_ollama" / "_core" / "_sync_client.py"
ASYNC = ROOT / "src" / "shared_ollama" / "_core" / "_async_client.py"

# (old, new): every ``old`` must occur in the sync source, so a drift in _sync_client.py fails loudly.
REPLACEMENTS: list[tuple[str, str]] = [
    (
        '"""The synchronous client: a drop-in replacement for ``ollama.Client`` that only does I/O.',
        '"""The asynchronous client: a drop-in replacement for ``ollama.AsyncClient``.\n\n'
        "Generated from ``_sync_client.py`` by ``tools/generate_async_client.py``: do not edit by hand.",
    ),
    ("import threading\n", "import asyncio\n"),
    (
        "from collections.abc import Callable, Iterator,",
        "from collections.abc import AsyncIterator, Awaitable, Callable,",
    ),
    ("sync_retrying", "async_retrying"),
    ('__all__ = ["SharedOllamaClient"]', '__all__ = ["AsyncSharedOllamaClient"]'),
    ("class SharedOllamaClient(BaseClient):", "class AsyncSharedOllamaClient(BaseClient):"),
    ('"""Synchronous Ollama client', '"""Asynchronous Ollama client'),
    (
        "A drop-in replacement for ``ollama.Client``",
        "A drop-in replacement for ``ollama.AsyncClient``",
    ),
    ("An ``httpx.Client`` to send", "An ``httpx.AsyncClient`` to send"),
    (
        "the ``httpx.Client`` we create (as ``ollama.Client``",
        "the ``httpx.AsyncClient`` we create (as ``ollama.AsyncClient``",
    ),
    ("http_client: httpx.Client | None", "http_client: httpx.AsyncClient | None"),
    ("transport: httpx.BaseTransport | None", "transport: httpx.AsyncBaseTransport | None"),
    ("http_client or httpx.Client(", "http_client or httpx.AsyncClient("),
    ("    def close(self) -> None:", "    async def close(self) -> None:"),
    ("            self._http.close()", "            await self._http.aclose()"),
    (
        "    def __enter__(self) -> SharedOllamaClient:",
        "    async def __aenter__(self) -> AsyncSharedOllamaClient:",
    ),
    ("    def __exit__(", "    async def __aexit__("),
    ("        self.close()\n", "        await self.close()\n"),
    ("threading.Condition", "asyncio.Condition"),
    (
        "        with condition:\n"
        "            if not condition.wait_for(limit.has_room, timeout=phases.pool):\n"
        '                raise timeout_error("pool", timeout=phases.pool, host=route.base)\n'
        "            limit.start()",
        "        async with condition:\n"
        "            try:\n"
        "                await asyncio.wait_for(condition.wait_for(limit.has_room), phases.pool)\n"
        "            except TimeoutError:\n"
        '                raise timeout_error("pool", timeout=phases.pool, host=route.base) from None\n'
        "            limit.start()",
    ),
    (
        "        with condition:\n            limit.finish(",
        "        async with condition:\n            limit.finish(",
    ),
    ("    def _give_slot(", "    async def _give_slot("),
    ("self._give_slot(route,", "await self._give_slot(route,"),
    # Shielded: a task cancelled while handing its slot back must still hand it back.
    (
        "        self._finish_slot(route, busy=busy)",
        "        await asyncio.shield(self._finish_slot(route, busy=busy))",
    ),
    ("    def _finish_slot(", "    async def _finish_slot("),
    (
        "            return self._take_slot(route, phases)",
        "            return await self._take_slot(route, phases)",
    ),
    ("    def _queue(", "    async def _queue("),
    ("            lease = self._queue(", "            lease = await self._queue("),
    (
        "lease = route.machine.acquire(phases.pool)",
        "lease = await route.machine.acquire_async(phases.pool)",
    ),
    ("    def _take_slot(", "    async def _take_slot("),
    ("    def _refresh_routes(", "    async def _refresh_routes("),
    ("response = self._http.get(", "response = await self._http.get("),
    ("    def _with_retries(", "    async def _with_retries("),
    (
        "attempt: Callable[[float | None, list[HostState]], T],",
        "attempt: Callable[[float | None, list[HostState]], Awaitable[T]],",
    ),
    ("            self._refresh_routes(call)", "            await self._refresh_routes(call)"),
    ("                self._gate.require()", "                await self._gate.arequire()"),
    ("        for retry_state in retrying:", "        async for retry_state in retrying:"),
    (
        "                result = attempt(deadline, tried)",
        "                result = await attempt(deadline, tried)",
    ),
    (
        "                return self._retry(first,",
        "                return await self._retry(first,",
    ),
    ("    def _retry(", "    async def _retry("),
    ("        blocking_sleep(delay)", "        await async_sleep(delay)"),
    (
        "RetryController, blocking_sleep, async_retrying",
        "RetryController, async_retrying, async_sleep",
    ),
    (
        "                return attempt(deadline, tried)",
        "                return await attempt(deadline, tried)",
    ),
    ("    def _attempt(", "    async def _attempt("),
    ("response = self._http.send(", "response = await self._http.send("),
    (
        "    def _request(self, call: ApiCall[T]) -> T:",
        "    async def _request(self, call: ApiCall[T]) -> T:",
    ),
    (
        "        return self._with_retries(\n            call,\n",
        "        return await self._with_retries(\n            call,\n",
    ),
    ("    def _open_stream(", "    async def _open_stream("),
    ("body = response.read()", "body = await response.aread()"),
    (
        "                            response.close()",
        "                            await response.aclose()",
    ),
    (
        "    def _stream(self, call: ApiCall[T]) -> Iterator[T]:",
        "    async def _stream(self, call: ApiCall[T]) -> AsyncIterator[T]:",
    ),
    ("        opened = self._with_retries(", "        opened = await self._with_retries("),
    (
        "                for data in response.iter_bytes():\n                    yield from state.feed(data)",
        "                async for data in response.aiter_bytes():\n"
        "                    for item in state.feed(data):\n                        yield item",
    ),
    (
        "                yield from state.finish()",
        "                for item in state.finish():\n                    yield item",
    ),
    (
        "            response.close()\n            await self._give_slot(route, opened.lease, busy=False)",
        "            await response.aclose()\n            await self._give_slot(route, opened.lease, busy=False)",
    ),
    (
        "            if self._http.head(url, headers=self._headers, auth=auth).status_code == 200:",
        "            head = await self._http.head(url, headers=self._headers, auth=auth)\n"
        "            if head.status_code == 200:",
    ),
    (
        '            with file.open("rb") as handle:\n'
        "                response = self._http.post(url, content=handle, headers=self._headers, auth=auth)",
        "            response = await self._http.post(\n"
        "                url, content=_read_blocks(file), headers=self._headers, auth=auth\n"
        "            )",
    ),
    (
        "response: httpx.Response\n    permit: Permit",
        "response: httpx.Response\n    permit: Permit",
    ),
]

_API_METHODS = (
    r"chat|generate|embed|embeddings|pull|push|create|create_blob|list|show|ps|copy|delete|version"
)
_BLOCKS = """

async def _read_blocks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:  # 1 MiB blocking reads of a local file, between awaits
        for block in iter(lambda: handle.read(1 << 20), b""):
            yield block
"""


def to_async(source: str) -> str:
    """The async client's source, derived from the sync client's ``source``."""
    for old, new in REPLACEMENTS:
        if old not in source:
            raise ValueError(f"_sync_client.py no longer contains {old!r}: update REPLACEMENTS")
        source = source.replace(old, new)
    head, marker, api = source.partition("    # -- the Ollama API")
    api = re.sub(rf"\n    def ({_API_METHODS})\(", r"\n    async def \1(", api)
    api = api.replace(
        "        return self._stream(call) if stream else self._request(call)",
        "        if stream:\n            return self._stream(call)\n        return await self._request(call)",
    )
    api = re.sub(r"return self\._request\(", "return await self._request(", api)
    api = api.replace("Iterator[", "AsyncIterator[")
    return head + marker + api.rstrip() + "\n" + _BLOCKS


def formatted(source: str) -> str:
    """``source`` as ``ruff format`` writes it (the committed file is formatted)."""
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(  # noqa: S603 (our own venv's ruff on our own source)
        [str(ruff), "format", "--stdin-filename", str(ASYNC), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def main() -> int:
    """Write ``_async_client.py``."""
    ASYNC.write_text(formatted(to_async(SYNC.read_text())))
    print(f"wrote {ASYNC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
