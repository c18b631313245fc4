"""Module-level API functions, as ``ollama.chat(...)`` offers them, on a lazily made client.

``import shared_ollama as ollama; ollama.chat(...)`` keeps working after a switch. The default
client is created on first use (never at import time), from the environment, and shared by
every call in the process; for settings of your own, create a :class:`SharedOllamaClient`.
"""

from __future__ import annotations

import threading
from typing import Any

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


def chat(*args: Any, **kwargs: Any) -> Any:
    """:meth:`SharedOllamaClient.chat` on the default client (the ``ollama.chat`` twin)."""
    return default_client().chat(*args, **kwargs)


def generate(*args: Any, **kwargs: Any) -> Any:
    """:meth:`SharedOllamaClient.generate` on the default client."""
    return default_client().generate(*args, **kwargs)


def embed(*args: Any, **kwargs: Any) -> Any:
    """:meth:`SharedOllamaClient.embed` on the default client."""
    return default_client().embed(*args, **kwargs)


def embeddings(*args: Any, **kwargs: Any) -> Any:
    """:meth:`SharedOllamaClient.embeddings` on the default client."""
    return default_client().embeddings(*args, **kwargs)


def pull(*args: Any, **kwargs: Any) -> Any:
    """:meth:`SharedOllamaClient.pull` on the default client."""
    return default_client().pull(*args, **kwargs)


def push(*args: Any, **kwargs: Any) -> Any:
    """:meth:`SharedOllamaClient.push` on the default client."""
    return default_client().push(*args, **kwargs)


def create(*args: Any, **kwargs: Any) -> Any:
    """:meth:`SharedOllamaClient.create` on the default client."""
    return default_client().create(*args, **kwargs)


def list() -> Any:
    """:meth:`SharedOllamaClient.list` on the default client."""
    return default_client().list()


def show(model: str) -> Any:
    """:meth:`SharedOllamaClient.show` on the default client."""
    return default_client().show(model)


def ps() -> Any:
    """:meth:`SharedOllamaClient.ps` on the default client."""
    return default_client().ps()


def copy(source: str, destination: str) -> Any:
    """:meth:`SharedOllamaClient.copy` on the default client."""
    return default_client().copy(source, destination)


def delete(model: str) -> Any:
    """:meth:`SharedOllamaClient.delete` on the default client."""
    return default_client().delete(model)
