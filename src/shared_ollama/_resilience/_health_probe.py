"""Health probes of an Ollama server: is it up, which models are loaded, which are pulled.

A probe asks ``/api/version`` (the cheapest route) and then ``/api/ps`` (the loaded models). It
never raises for a server that is down: it returns a :class:`ServiceHealth` with ``up=False``
and the reason, which says what to do. The probe is one sans-I/O exchange
(:func:`probe_exchange`) that the sync and async functions only drive. The cached per-client gate
(:class:`~shared_ollama._resilience._health_gate.HealthGate`) and the daemon's readiness wait and
service gate (``shared_ollama.daemon``) both build on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx

from shared_ollama._errors import OllamaUnavailableError
from shared_ollama._host import mask_url, resolve_host
from shared_ollama._json import json_ready
from shared_ollama._resilience._listings import listed_models, model_name

__all__ = [
    "DEFAULT_HEALTH_TIMEOUT_S",
    "ServiceHealth",
    "acheck_service_health",
    "check_service_health",
    "describe_failure",
    "health_from_answers",
    "list_model_names",
    "probe_exchange",
]

DEFAULT_HEALTH_TIMEOUT_S = 2.0
START_HINT = "start Ollama with `shared-ollama start` (or `ollama serve`)"


@dataclass(frozen=True, slots=True)
class ServiceHealth:
    """What a health probe found.

    Attributes:
        up: Whether an Ollama answered ``/api/version``.
        base_url: The server probed (without credentials).
        version: The server's version when up.
        latency_s: Seconds ``/api/version`` took to answer, when up.
        loaded_models: Names of the models in memory (``/api/ps``), when known.
        error: Why the server is down (and what to do), or what part of the probe failed.
    """

    up: bool
    base_url: str
    version: str | None = None
    latency_s: float | None = None
    loaded_models: tuple[str, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The status as plain JSON-ready data."""
        return json_ready(self)  # type: ignore[no-any-return]


# --- pure core --------------------------------------------------------------------------------


def describe_failure(base_url: str, exc: Exception, *, timeout: float | None = None) -> str:
    """Say why a probe of ``base_url`` failed and what to do, from the exception it raised.

    Args:
        base_url: The server probed.
        exc: The ``httpx`` (or OS) exception.
        timeout: The probe's timeout, quoted for timeouts.

    Returns:
        One sentence for ``ServiceHealth.error``.
    """
    if isinstance(exc, httpx.TimeoutException):
        limit = f" within {timeout:g}s" if timeout is not None else ""
        return f"no answer from {base_url}{limit}: the server is hung or overloaded; {START_HINT}"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if "name or service not known" in text or "nodename nor servname" in text:
            return f"cannot resolve the host of {base_url}: check SHARED_OLLAMA_URL / OLLAMA_HOST"
        return f"connection refused at {base_url}: {START_HINT}"
    if isinstance(exc, httpx.HTTPError):
        kind = type(exc).__name__
        return f"{kind} at {base_url}: {mask_url(str(exc)) or 'no details'}; {START_HINT}"
    return f"{type(exc).__name__} at {base_url}: {mask_url(str(exc))}"


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def health_from_answers(
    base_url: str,
    version: httpx.Response,
    latency_s: float,
    ps: httpx.Response | httpx.HTTPError | None,
) -> ServiceHealth:
    """Build the status from the answers to ``/api/version`` and ``/api/ps``.

    Args:
        base_url: The server probed.
        version: The ``/api/version`` response.
        latency_s: How long it took.
        ps: The ``/api/ps`` response, the exception it raised, or ``None`` when not asked.

    Returns:
        ``up=True`` only when ``/api/version`` answered 200 with a version.
    """
    data = _json_object(version) if version.status_code == 200 else None
    if data is None or not isinstance(data.get("version"), str):
        return ServiceHealth(
            up=False,
            base_url=base_url,
            error=(
                f"{base_url}/api/version answered HTTP {version.status_code} without a version: "
                "this is not an Ollama server (check the URL or port), or a proxy in front of it "
                "failed"
            ),
        )
    loaded: tuple[str, ...] = ()
    error = None
    if isinstance(ps, httpx.Response) and ps.status_code == 200:
        loaded = tuple(model_name(m) for m in listed_models(_json_object(ps)) or [])
    elif isinstance(ps, httpx.Response):
        error = f"{base_url}/api/ps answered HTTP {ps.status_code}: loaded models unknown"
    elif isinstance(ps, Exception):
        error = f"{base_url}/api/ps failed ({type(ps).__name__}): loaded models unknown"
    return ServiceHealth(
        up=True,
        base_url=base_url,
        version=data["version"],
        latency_s=latency_s,
        loaded_models=loaded,
        error=error,
    )


# --- I/O shells -------------------------------------------------------------------------------


def _target(base_url: str | None) -> tuple[str, str]:
    """The base URL to report and the one to send (which may carry ``user:password@``)."""
    host = resolve_host(base_url)
    return host.base_url, host.with_credentials()


Answer = httpx.Response | httpx.HTTPError
"""What a driver sends back into a probe exchange: the response, or the error the GET raised."""
ProbeExchange = Generator[str, Answer, ServiceHealth]


def probe_exchange(
    base_url: str, *, timeout: float, clock: Callable[[], float] = time.perf_counter
) -> ProbeExchange:
    """The health probe as a sans-I/O exchange, driven by the sync and the async probe alike.

    It yields each path to GET (``/api/version``, then ``/api/ps`` if the first answered 200),
    receives the response or the ``httpx`` error, and returns the :class:`ServiceHealth`.

    Args:
        base_url: The server probed, as shown in the result.
        timeout: The per-request timeout, quoted in the error text.
        clock: Measures the latency of ``/api/version``.
    """
    started = clock()
    version = yield "/api/version"
    if isinstance(version, httpx.HTTPError):
        return ServiceHealth(
            False, base_url, error=describe_failure(base_url, version, timeout=timeout)
        )
    latency = clock() - started
    ps = (yield "/api/ps") if version.status_code == 200 else None
    return health_from_answers(base_url, version, latency, ps)


def check_service_health(
    base_url: str | None = None,
    *,
    timeout: float = DEFAULT_HEALTH_TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
) -> ServiceHealth:
    """Probe the Ollama at ``base_url``; never raises for a server that is down.

    Args:
        base_url: The server (default: resolved from the environment, see ``resolve_base_url``).
        timeout: Seconds allowed for each of the two requests.
        transport: An ``httpx`` transport (tests pass ``httpx.MockTransport``).

    Returns:
        The status: ``up``, version, latency, loaded models, or the error text.
    """
    shown, url = _target(base_url)
    exchange = probe_exchange(shown, timeout=timeout)
    with httpx.Client(base_url=url, timeout=timeout, transport=transport) as client:
        path = next(exchange)
        while True:
            answer: Answer
            try:
                answer = client.get(path)
            except httpx.HTTPError as exc:
                answer = exc
            try:
                path = exchange.send(answer)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]


async def acheck_service_health(
    base_url: str | None = None,
    *,
    timeout: float = DEFAULT_HEALTH_TIMEOUT_S,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ServiceHealth:
    """Probe the Ollama at ``base_url`` without blocking the event loop (see the sync twin).

    Args:
        base_url: The server (default: resolved from the environment).
        timeout: Seconds allowed for each of the two requests.
        transport: An async ``httpx`` transport (tests pass ``httpx.MockTransport``).

    Returns:
        The status: ``up``, version, latency, loaded models, or the error text.
    """
    shown, url = _target(base_url)
    exchange = probe_exchange(shown, timeout=timeout)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport) as client:
        path = next(exchange)
        while True:
            answer: Answer
            try:
                answer = await client.get(path)
            except httpx.HTTPError as exc:
                answer = exc
            try:
                path = exchange.send(answer)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]


def list_model_names(
    base_url: str | None = None,
    *,
    timeout: float = DEFAULT_HEALTH_TIMEOUT_S * 5,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """The names of the models pulled on the server (``/api/tags``).

    Raises:
        OllamaUnavailableError: The server did not answer, or answered with an error status.
    """
    shown, url = _target(base_url)
    try:
        with httpx.Client(base_url=url, timeout=timeout, transport=transport) as client:
            response = client.get("/api/tags")
    except httpx.HTTPError as exc:
        raise OllamaUnavailableError(
            describe_failure(shown, exc, timeout=timeout), host=shown
        ) from exc
    if response.status_code != 200:
        raise OllamaUnavailableError(
            f"{shown}/api/tags answered HTTP {response.status_code}: cannot list models; "
            "check the server's log (`shared-ollama status`)",
            host=shown,
        )
    return [model_name(m) for m in listed_models(_json_object(response)) or []]
