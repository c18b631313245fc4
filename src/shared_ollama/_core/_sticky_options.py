"""Keep ``num_ctx`` and ``keep_alive`` stable per model within a client.

Ollama reloads a model whenever a request asks for a context size (``num_ctx``) other than the
one it was loaded with; on a shared daemon that evicts the model for everybody. So once a
client has asked a model for a ``num_ctx`` (or a ``keep_alive``), later calls that do not say
reuse the same value, and a call that asks for a different ``num_ctx`` is logged once as a
reload it will cause. Pure: the client hands payloads in and sends what comes out.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

__all__ = ["StickyOptions"]

logger = logging.getLogger("shared_ollama.client")


class StickyOptions:
    """The ``num_ctx`` and ``keep_alive`` each model was first used with by one client."""

    __slots__ = ("_keep_alive", "_lock", "_num_ctx", "_warned")

    def __init__(self) -> None:
        self._num_ctx: dict[str, Any] = {}
        self._keep_alive: dict[str, Any] = {}
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    def apply(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The payload to send instead of ``payload``, or ``None`` when it needs no change."""
        model = payload.get("model")
        if not isinstance(model, str):
            return None
        options = payload.get("options")
        asked_ctx = options.get("num_ctx") if isinstance(options, dict) else None
        asked_keep = payload.get("keep_alive")
        remember_keep = asked_keep is not None and not _unloads(asked_keep)
        with self._lock:
            known_ctx = (
                self._num_ctx.setdefault(model, asked_ctx)
                if asked_ctx is not None
                else self._num_ctx.get(model)
            )
            known_keep = (
                self._keep_alive.setdefault(model, asked_keep)
                if remember_keep
                else self._keep_alive.get(model)
            )
            conflict = (
                asked_ctx is not None and known_ctx != asked_ctx and model not in self._warned
            )
            if conflict:
                self._warned.add(model)
        if conflict:
            logger.warning(
                "num_ctx=%s for %s differs from the num_ctx=%s this client used before: Ollama "
                "will reload the model, evicting it for every project sharing the daemon. Use "
                "one num_ctx per model.",
                asked_ctx,
                model,
                known_ctx,
            )
        changed = (
            dict(payload)
            if (asked_ctx is None and known_ctx is not None)
            or (asked_keep is None and known_keep is not None)
            else None
        )
        if changed is None:
            return None
        if asked_ctx is None and known_ctx is not None:
            changed["options"] = {**(options or {}), "num_ctx": known_ctx}
        if asked_keep is None and known_keep is not None:
            changed["keep_alive"] = known_keep
        return changed

    def __repr__(self) -> str:
        return f"StickyOptions(num_ctx={self._num_ctx!r}, keep_alive={self._keep_alive!r})"


def _unloads(keep_alive: Any) -> bool:
    """Whether ``keep_alive`` asks Ollama to unload the model now (0, "0", "0s", "0m"...)."""
    if isinstance(keep_alive, int | float):
        return keep_alive == 0
    text = str(keep_alive).strip().rstrip("smh")
    return text in ("0", "0.0", "")
