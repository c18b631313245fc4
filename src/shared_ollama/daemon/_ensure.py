"""``ensure_service_running``: probe the shared Ollama, start it when asked, check a model.

It sits above both the probes (``_health``) and the process control (``_process``), which is
what keeps those two free of each other.
"""

from __future__ import annotations

import httpx

from shared_ollama._errors import ModelNotFoundError, OllamaUnavailableError
from shared_ollama._host import resolve_host
from shared_ollama.daemon._health import (
    DEFAULT_HEALTH_TIMEOUT_S,
    DEFAULT_READY_DEADLINE_S,
    ServiceHealth,
    check_service_health,
    list_model_names,
    model_is_present,
)
from shared_ollama.daemon._process import start_daemon

__all__ = ["ensure_service_running"]


def ensure_service_running(
    base_url: str | None = None,
    *,
    start: bool = False,
    model: str | None = None,
    timeout: float = DEFAULT_HEALTH_TIMEOUT_S,
    deadline_s: float = DEFAULT_READY_DEADLINE_S,
    transport: httpx.BaseTransport | None = None,
) -> ServiceHealth:
    """Make sure the shared Ollama answers (and has ``model``), or say exactly what to do.

    Args:
        base_url: The server (default: resolved from the environment).
        start: When nothing answers, start the daemon (loopback URLs only). Several processes
            may do this at once: a file lock lets exactly one of them start it.
        model: A model that must be pulled on the server.
        timeout: Seconds allowed for each probe.
        deadline_s: How long a start may take before giving up.
        transport: An ``httpx`` transport for the probes (tests pass ``httpx.MockTransport``).

    Returns:
        The status of the running server.

    Raises:
        OllamaUnavailableError: Nothing answers and ``start`` is false, or the start failed (the
            message then holds the end of the daemon's error log).
        ModelNotFoundError: ``model`` is not pulled; the message gives the ``pull`` command.
        OllamaBinaryNotFoundError: ``start`` is true but no ``ollama`` executable exists.
    """
    health = check_service_health(base_url, timeout=timeout, transport=transport)
    if not health.up:
        if not start:
            raise OllamaUnavailableError(
                f"Ollama is not running at {health.base_url} ({health.error}). Start it with "
                "`shared-ollama start`, or call ensure_service_running(start=True).",
                host=health.base_url,
            )
        if not resolve_host(base_url).is_loopback:
            raise OllamaUnavailableError(
                f"Ollama is not running at {health.base_url} ({health.error}), and it cannot be "
                "started from here: that address is on another machine. Start Ollama there.",
                host=health.base_url,
            )
        start_daemon(base_url=health.base_url, deadline_s=deadline_s)
        health = check_service_health(base_url, timeout=timeout, transport=transport)
        if not health.up:
            raise OllamaUnavailableError(
                f"Ollama was started at {health.base_url} but does not answer: {health.error}",
                host=health.base_url,
            )
    if model is not None:
        names = list_model_names(base_url, timeout=max(timeout, 10.0), transport=transport)
        if not model_is_present(model, names):
            raise ModelNotFoundError(
                f"model {model!r} is not pulled on {health.base_url}: run `ollama pull {model}` "
                f"(or `shared-ollama pull {model}`)",
                status_code=404,
                error=f'model "{model}" not found, try pulling it first',
                model=model,
                host=health.base_url,
            )
    return health
