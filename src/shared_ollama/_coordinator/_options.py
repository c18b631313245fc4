"""One set of load-time options per model that every process sharing a daemon sends.

Ollama reloads a model when a request asks for load-time options other than those it was
loaded with, above all ``num_ctx``; two projects asking 2048 and 4096 of one model make it
reload on every alternation. Through the coordinator the processes agree, per model, on:

- ``num_ctx``: the largest asked for, capped at the policy's ceiling. A request asking less (or
  nothing) is sent the agreed value (a larger context is never worse for it); a request asking
  more grows the agreement once (one reload) and everyone follows.
- ``keep_alive``: the longest asked for (negative means "forever"). A request asking ``0``
  (unload now) is sent unchanged: that is an explicit wish, not a preference.

Pure: the coordinator's step computes the agreement; the client rewrites the payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["AgreedOptions", "AskedOptions", "agree", "apply_agreement", "keep_alive_seconds"]

_DURATION_PART = re.compile(r"(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True, slots=True)
class AskedOptions:
    """The load-time options one request asked for (``None``: not given)."""

    num_ctx: int | None = None
    keep_alive: str | float | None = None

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> AskedOptions:
        """The ``options.num_ctx`` and ``keep_alive`` of a request body."""
        if not payload:
            return cls()
        options = payload.get("options")
        num_ctx = options.get("num_ctx") if isinstance(options, dict) else None
        keep_alive = payload.get("keep_alive")
        return cls(
            num_ctx if isinstance(num_ctx, int) and not isinstance(num_ctx, bool) else None,
            keep_alive if isinstance(keep_alive, str | int | float) else None,
        )


@dataclass(frozen=True, slots=True)
class AgreedOptions:
    """The options every process sends for one model (``None``: nobody asked yet)."""

    num_ctx: int | None = None
    keep_alive: str | float | None = None

    def as_dict(self) -> dict[str, Any]:
        """``{"num_ctx": ..., "keep_alive": ...}`` (for storage, ``top`` and telemetry)."""
        return {"num_ctx": self.num_ctx, "keep_alive": self.keep_alive}


def keep_alive_seconds(value: str | float) -> float:
    """A ``keep_alive`` as seconds (``inf`` for a negative one, which means "forever")."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            parts = _DURATION_PART.findall(text)
            seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)
            if text.startswith("-"):
                seconds = -abs(seconds)
    return float("inf") if seconds < 0 else seconds


def _unloads(value: str | float) -> bool:
    return keep_alive_seconds(value) == 0


def agree(
    current: AgreedOptions | None, asked: AskedOptions, *, ceiling: int | None
) -> AgreedOptions:
    """The agreement after a request asked ``asked`` (the same object when nothing changes)."""
    base = current or AgreedOptions()
    num_ctx = base.num_ctx
    if asked.num_ctx is not None:
        wanted = asked.num_ctx if ceiling is None else min(asked.num_ctx, ceiling)
        if num_ctx is None or wanted > num_ctx:
            num_ctx = wanted
    keep_alive = base.keep_alive
    wanted_keep = asked.keep_alive
    if (
        wanted_keep is not None
        and not _unloads(wanted_keep)
        and (keep_alive is None or keep_alive_seconds(wanted_keep) > keep_alive_seconds(keep_alive))
    ):
        keep_alive = wanted_keep
    if current is not None and (num_ctx, keep_alive) == (base.num_ctx, base.keep_alive):
        return current
    return AgreedOptions(num_ctx, keep_alive)


def apply_agreement(
    payload: dict[str, Any], agreed: AgreedOptions
) -> tuple[dict[str, Any] | None, dict[str, tuple[Any, Any]]]:
    """The payload to send under ``agreed``, and what changed (``field: (asked, sent)``).

    Returns ``(None, {})`` when the payload already matches the agreement.
    """
    asked = AskedOptions.from_payload(payload)
    changed: dict[str, tuple[Any, Any]] = {}
    if agreed.num_ctx is not None and asked.num_ctx != agreed.num_ctx:
        changed["num_ctx"] = (asked.num_ctx, agreed.num_ctx)
    if (
        agreed.keep_alive is not None
        and asked.keep_alive != agreed.keep_alive
        and not (asked.keep_alive is not None and _unloads(asked.keep_alive))
    ):
        changed["keep_alive"] = (asked.keep_alive, agreed.keep_alive)
    if not changed:
        return None, {}
    result = dict(payload)
    if "num_ctx" in changed:
        options = payload.get("options")
        result["options"] = {
            **(options if isinstance(options, dict) else {}),
            "num_ctx": agreed.num_ctx,
        }
    if "keep_alive" in changed:
        result["keep_alive"] = agreed.keep_alive
    return result, changed
