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
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from shared_ollama._resilience._policy import is_testing

__all__ = ["Condition", "open_blob", "shielded", "sleep", "wait_for_room"]

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
