"""Module-level API functions, as ``ollama.chat(...)`` offers them, on a lazily made client.

``import shared_ollama as ollama; ollama.chat(...)`` keeps working after a switch. The default
client is created on first use (never at import time), from the environment, and shared by
every call in the process; for settings of your own, create a :class:`SharedOllamaClient`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from shared_ollama._core._sync_client import SharedOllamaClient

__all__ = [
    "chat",
    "copy",
    "create",
    "delete",
    "embed",
    "embeddings",
    "generate",
    "list",
    "ps",
    "pull",
    "push",
    "show",
]

_lock = threading.Lock()
_client: list[SharedOllamaClient] = []


def reset_default_client() -> None:
    """Close and forget the default client; the next module-level call makes a new one."""
    with _lock:
        clients = _client[:]  # (this module's `list` is the API function)
        _client.clear()
    for client in clients:
        client.close()


def default_client() -> SharedOllamaClient:
    """The process's default client, created from the environment on first use."""
    if not _client:
        with _lock:
            if not _client:
                _client.append(SharedOllamaClient())
    return _client[0]


_METHODS = (
    "chat", "copy", "create", "delete", "embed", "embeddings", "generate", "list", "ps", "pull",
    "push", "show",
)  # fmt: skip


def _forward(name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(default_client(), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = (
        f":meth:`SharedOllamaClient.{name}` on the default client (the ``ollama.{name}`` twin)."
    )
    return call


if TYPE_CHECKING:  # the client's own signatures, ``stream`` overloads included
    _typed = SharedOllamaClient()  # never built: type checkers read its methods
    chat = _typed.chat
    copy = _typed.copy
    create = _typed.create
    delete = _typed.delete
    embed = _typed.embed
    embeddings = _typed.embeddings
    generate = _typed.generate
    list = _typed.list
    ps = _typed.ps
    pull = _typed.pull
    push = _typed.push
    show = _typed.show
else:
    chat, copy, create, delete, embed, embeddings, generate, list, ps, pull, push, show = (
        _forward(name) for name in _METHODS
    )
