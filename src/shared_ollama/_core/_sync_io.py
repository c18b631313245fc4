"""The few things the sync client does differently from the async one, under the same names.

The counterpart of :mod:`shared_ollama._core._async_io` (see there): the generated sync client
imports these where the async client imports those.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Generic, ParamSpec, TypeVar

from shared_ollama._resilience._policy import is_testing

__all__ = ["Condition", "PerLoop", "open_blob", "shielded", "sleep", "wait_for_room"]

T = TypeVar("T")
P = ParamSpec("P")
Condition = threading.Condition
"""What the client's in-flight limit waits on."""


def wait_for_room(
    condition: threading.Condition, has_room: Callable[[], bool], timeout: float | None
) -> bool:
    """Wait (holding ``condition``) until ``has_room()``; ``False`` when ``timeout`` passed first."""
    return condition.wait_for(has_room, timeout=timeout)


def shielded(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``function``: a blocking call is not cancelled halfway, so there is nothing to shield."""
    return function(*args, **kwargs)


@contextlib.contextmanager
def open_blob(path: Path) -> Iterator[BinaryIO]:
    """The body of a blob upload: the open file (httpx sends it with its length)."""
    with path.open("rb") as handle:
        yield handle


def sleep(seconds: float) -> None:
    """Sleep the thread for ``seconds`` (not at all in testing mode)."""
    if seconds > 0 and not is_testing():
        time.sleep(seconds)


class PerLoop(Generic[T]):
    """One ``T`` for the client's whole life: without an event loop there is nothing to bind to.

    The sync twin of :class:`shared_ollama._core._async_io.PerLoop`; threads share the value.

    Args:
        make: Builds the value (at once).
        close: Unused here (the client closes its one value itself).
    """

    __slots__ = ("_value",)

    def __init__(self, make: Callable[[], T], close: Callable[[T], None] | None = None) -> None:
        self._value = make()

    def current(self) -> T:
        """The value."""
        return self._value

    def existing(self) -> T | None:
        """The value."""
        return self._value

    def adopt(self, value: T) -> T:
        """Make ``value`` the value."""
        self._value = value
        return value

    def values(self) -> list[T]:
        """The value, as the one entry of a list."""
        return [self._value]

    def __repr__(self) -> str:
        return "PerLoop(no loop)"
