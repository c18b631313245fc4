"""The few things the async client does differently from the sync one, under the same names.

``tools/unasync.py`` turns the async client into the sync one by line rules (``await`` goes,
``async def`` becomes ``def``, ``_async_io`` becomes ``_sync_io``...). What no line rule can
express lives here and in :mod:`shared_ollama._core._sync_io`, one function per difference: how
to wait on a condition with a timeout, how to hand a slot back when cancelled, how to stream a
file's blocks, how to sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Generic, ParamSpec, TypeVar

from shared_ollama._resilience._policy import is_testing

__all__ = ["Condition", "PerLoop", "open_blob", "shielded", "sleep", "wait_for_room"]

T = TypeVar("T")
P = ParamSpec("P")
Condition = asyncio.Condition
"""What the client's in-flight limit waits on."""
_BLOCK = 1 << 20


async def wait_for_room(
    condition: asyncio.Condition, has_room: Callable[[], bool], timeout: float | None
) -> bool:
    """Wait (holding ``condition``) until ``has_room()``; ``False`` when ``timeout`` passed first."""
    try:
        await asyncio.wait_for(condition.wait_for(has_room), timeout)
    except asyncio.TimeoutError:  # not the builtin TimeoutError on Python 3.10
        return False
    return True


async def shielded(function: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``function(*args, **kwargs)`` to its end even when the awaiting task is cancelled."""
    return await asyncio.shield(function(*args, **kwargs))


async def _blocks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:  # 1 MiB blocking reads of a local file, between awaits
        for block in iter(lambda: handle.read(_BLOCK), b""):
            yield block


@contextlib.asynccontextmanager
async def open_blob(path: Path) -> AsyncIterator[AsyncIterator[bytes]]:
    """The body of a blob upload: the file's blocks, read between awaits."""
    yield _blocks(path)


async def sleep(seconds: float) -> None:
    """Sleep the task for ``seconds`` (only yield to the loop in testing mode)."""
    await asyncio.sleep(0 if is_testing() else max(0.0, seconds))


class PerLoop(Generic[T]):
    """One ``T`` per running event loop: made on first use in a loop, closed when it shuts down.

    The closing rides on the loop's own shutdown of async generators (``asyncio.run`` and
    ``asyncio.Runner`` do it; so do pytest-asyncio's loops): a small generator, started when the
    value is made, is registered with the loop and runs ``close(value)`` when the loop finalizes
    it, while the loop still runs. Outside any loop one shared value is used.

    Args:
        make: Builds the value for a new loop.
        close: Releases a value when its loop shuts down (``None``: nothing to release).
    """

    __slots__ = ("_close", "_entries", "_make", "_unbound")

    def __init__(
        self, make: Callable[[], T], close: Callable[[T], Awaitable[None]] | None = None
    ) -> None:
        self._make = make
        self._close = close
        self._entries: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[T, AsyncGenerator[None, None] | None]
        ] = weakref.WeakKeyDictionary()
        self._unbound: list[T] = []

    def current(self) -> T:
        """The value of the running loop (made now if this loop has none yet)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (e.g. reading ``client._client``): one shared value
            if not self._unbound:
                self._unbound.append(self._make())
            return self._unbound[0]
        entry = self._entries.get(loop)
        if entry is None:
            value = self._make()
            entry = (value, self._keeper(value) if self._close is not None else None)
            self._entries[loop] = entry
        return entry[0]

    def existing(self) -> T | None:
        """The running loop's value if it has one yet (never makes one)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self._unbound[0] if self._unbound else None
        entry = self._entries.get(loop)
        return None if entry is None else entry[0]

    def adopt(self, value: T) -> T:
        """Make ``value`` the running loop's value, with nothing to close it at shutdown."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._unbound[:] = [value]
            return value
        self._entries[loop] = (value, None)
        return value

    def values(self) -> list[T]:
        """Every value made so far, in any loop."""
        return [value for value, _ in self._entries.values()] + self._unbound

    def _keeper(self, value: T) -> AsyncGenerator[None, None]:
        close = self._close
        entries = self._entries

        async def keep() -> AsyncGenerator[None, None]:
            try:
                yield
            finally:  # the loop is shutting down its async generators: release the value
                entries.pop(asyncio.get_running_loop(), None)
                if close is not None:
                    await close(value)

        keeper = keep()
        first = keeper.__anext__()  # the loop's first-iteration hook registers the generator
        with contextlib.suppress(StopIteration):
            first.send(None)
        return keeper

    def __repr__(self) -> str:
        return f"PerLoop({len(self._entries)} loop(s))"
