"""Is the shared Ollama up? The daemon's face of the health probes, and waiting for readiness.

The probes themselves live in :mod:`shared_ollama._resilience._health_probe` (the client's
health gate uses them too) and are re-exported here. :func:`ensure_service_running` is the gate
callers put in front of their work: it raises :class:`~shared_ollama.OllamaUnavailableError` when
nothing answers (or starts the daemon when asked to), and
:class:`~shared_ollama.ModelNotFoundError` with the exact ``pull`` command when a model is
missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from shared_ollama._errors import OllamaUnavailableError
from shared_ollama._resilience._health_probe import (
    DEFAULT_HEALTH_TIMEOUT_S,
    ServiceHealth,
    acheck_service_health,
    check_service_health,
    describe_failure,
    health_from_answers,
    list_model_names,
    probe_exchange,
)

__all__ = [
    "DEFAULT_HEALTH_TIMEOUT_S",
    "DEFAULT_READY_DEADLINE_S",
    "DEFAULT_READY_INTERVAL_S",
    "ServiceHealth",
    "acheck_service_health",
    "check_service_health",
    "describe_failure",
    "health_from_answers",
    "list_model_names",
    "model_is_present",
    "probe_exchange",
    "wait_until_ready",
]

DEFAULT_READY_DEADLINE_S = 30.0
DEFAULT_READY_INTERVAL_S = 0.2


def model_is_present(model: str, names: Iterable[str]) -> bool:
    """Whether ``model`` is among ``names``, where a name without a tag means ``:latest``.

    >>> model_is_present("llama3", ["llama3:latest"])
    True
    """

    def canonical(name: str) -> str:
        name = name.strip()
        last = name.rsplit("/", 1)[-1]
        return name if ":" in last else f"{name}:latest"

    wanted = canonical(model)
    return any(canonical(name) == wanted for name in names)


def wait_until_ready(
    base_url: str | None = None,
    *,
    deadline_s: float = DEFAULT_READY_DEADLINE_S,
    interval_s: float = DEFAULT_READY_INTERVAL_S,
    timeout: float = DEFAULT_HEALTH_TIMEOUT_S,
    probe: Callable[..., ServiceHealth] = check_service_health,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ServiceHealth:
    """Probe until the server is up or ``deadline_s`` seconds have passed.

    Args:
        base_url: The server (default: resolved from the environment).
        deadline_s: Give up after this many seconds.
        interval_s: Pause between probes.
        timeout: Upper bound of each probe's timeout (never past the deadline).
        probe: The probe (``check_service_health``; tests pass a fake).
        clock: Monotonic clock (tests pass a fake).
        sleep: The pause (tests pass a fake).

    Returns:
        The first status with ``up=True``.

    Raises:
        OllamaUnavailableError: The deadline passed; the message holds the last error.
    """
    end = clock() + deadline_s
    while True:
        remaining = end - clock()
        health = probe(base_url, timeout=max(0.05, min(timeout, remaining)))
        if health.up:
            return health
        remaining = end - clock()
        if remaining <= 0:
            raise OllamaUnavailableError(
                f"Ollama at {health.base_url} was not ready within {deadline_s:g}s: {health.error}",
                host=health.base_url,
            )
        sleep(min(interval_s, remaining))
