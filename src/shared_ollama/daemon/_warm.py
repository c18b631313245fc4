"""Loading models ahead of time: an empty `/api/generate` loads a model, setting its keep-alive."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from shared_ollama._errors import OllamaUnavailableError
from shared_ollama._host import resolve_host
from shared_ollama.daemon._health import describe_failure
from shared_ollama.daemon._serve_env import DEFAULT_KEEP_ALIVE

__all__ = ["DEFAULT_WARM_TIMEOUT_S", "WarmResult", "warm_models", "warm_result"]

DEFAULT_WARM_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True)
class WarmResult:
    """The outcome of loading one model ahead of time.

    Attributes:
        model: The model.
        ok: Whether it is now loaded.
        load_duration_s: How long the load took (Ollama's ``load_duration``), when loaded.
        error: Why it failed and what to do.
    """

    model: str
    ok: bool
    load_duration_s: float | None = None
    error: str | None = None


def warm_result(model: str, status_code: int, payload: Mapping[str, Any] | None) -> WarmResult:
    """Interpret Ollama's answer to an empty ``/api/generate`` (which loads the model)."""
    if status_code == 200 and payload is not None:
        duration = payload.get("load_duration")
        seconds = duration / 1e9 if isinstance(duration, (int, float)) else None
        return WarmResult(model, ok=True, load_duration_s=seconds)
    text = str((payload or {}).get("error") or f"HTTP {status_code}")
    if status_code == 404:
        text += f"; run `shared-ollama pull {model}` (or `ollama pull {model}`)"
    return WarmResult(model, ok=False, error=text)


def warm_models(
    models: Iterable[str],
    *,
    keep_alive: str | float = DEFAULT_KEEP_ALIVE,
    base_url: str | None = None,
    timeout: float = DEFAULT_WARM_TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
) -> tuple[WarmResult, ...]:
    """Load ``models`` into the daemon's memory now, and keep them there for ``keep_alive``.

    Args:
        models: Model names.
        keep_alive: How long they stay loaded once idle (``"30m"``, seconds, ``-1`` forever).
        base_url: The server (default: resolved from the environment).
        timeout: Seconds allowed for each load.
        transport: An ``httpx`` transport (tests pass ``httpx.MockTransport``).

    Returns:
        One result per model, in order.

    Raises:
        OllamaUnavailableError: The server does not answer.
    """
    host = resolve_host(base_url)
    results: list[WarmResult] = []
    with httpx.Client(
        base_url=host.with_credentials(), timeout=timeout, transport=transport
    ) as client:
        for model in models:
            try:
                response = client.post(
                    "/api/generate",
                    json={"model": model, "prompt": "", "keep_alive": keep_alive, "stream": False},
                )
            except httpx.HTTPError as exc:
                raise OllamaUnavailableError(
                    describe_failure(host.base_url, exc, timeout=timeout), host=host.base_url
                ) from exc
            try:
                payload = response.json()
            except ValueError:
                payload = None
            results.append(
                warm_result(
                    model, response.status_code, payload if isinstance(payload, dict) else None
                )
            )
    return tuple(results)
