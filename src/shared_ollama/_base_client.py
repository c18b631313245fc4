"""Everything the sync and async clients decide without I/O.

:class:`BaseClient` holds the configuration (host, headers, timeouts, policies), builds each
``httpx`` request from an :class:`~shared_ollama._calls.ApiCall`, and turns a finished reply into a
typed result or one of our exceptions. :class:`~shared_ollama.SharedOllamaClient` and
:class:`~shared_ollama.AsyncSharedOllamaClient` only move bytes.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx

from shared_ollama._breaker import CircuitBreaker
from shared_ollama._breaker_registry import breaker_for
from shared_ollama._calls import ApiCall
from shared_ollama._error_mapping import error_from_exception, error_from_status, timeout_error
from shared_ollama._errors import ServerError, SharedOllamaError
from shared_ollama._host import OllamaHost, resolve_host
from shared_ollama._json import loads
from shared_ollama._resilience_policy import (
    DEFAULT_BREAKER_POLICY,
    DEFAULT_RETRY_POLICY,
    BreakerPolicy,
    RetryPolicy,
)
from shared_ollama._retry_budget import RetryBudget, budget_for
from shared_ollama._settings import ClientSettings
from shared_ollama._telemetry import CallObservation, Instrumentation
from shared_ollama._timeouts import (
    DEFAULT_TIMEOUT_POLICY,
    PhaseTimeouts,
    TimeoutPolicy,
    plan_timeouts,
    timeout_policy_from,
)
from shared_ollama._version import __version__
from shared_ollama._warmth import LoadedModels

__all__ = ["NOT_GIVEN", "BaseClient", "NotGiven"]

T = TypeVar("T")


class NotGiven:
    """The type of :data:`NOT_GIVEN`: tells "argument not given" from ``None``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN = NotGiven()
"""Sentinel default: ``timeout=NOT_GIVEN`` means our defaults, ``timeout=None`` means no limit."""


def _user_agent() -> str:
    return (
        f"shared-ollama/{__version__} ({platform.machine()} {platform.system().lower()}) "
        f"Python/{platform.python_version()}"
    )


class BaseClient:
    """Configuration and the I/O-free half of a client.

    Args:
        host: The Ollama address; ``None`` resolves it from the environment (see
            :func:`~shared_ollama.resolve_base_url`).
        timeout: Seconds for every phase, ``None`` for no limit, an ``httpx.Timeout``, or a
            :class:`~shared_ollama.TimeoutPolicy`; by default load-aware limits apply.
        headers: Extra headers sent with every request.
        api_key: Bearer token; defaults to ``OLLAMA_API_KEY``.
        retry: Retry policy; ``RetryPolicy(attempts=1)`` disables retries.
        breaker: Circuit-breaker policy, shared by every client of the same host.
        project: Name of the calling project for analytics (defaults to ``SHARED_OLLAMA_PROJECT``).
        instrumentation: Where spans, metrics and performance records go; by default the global
            OpenTelemetry providers (a no-op unless the application installed an SDK).
        settings: Environment-derived defaults (tests pass their own).
    """

    def __init__(
        self,
        host: str | None = None,
        *,
        timeout: Any = NOT_GIVEN,
        headers: Mapping[str, str] | None = None,
        api_key: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        breaker: BreakerPolicy = DEFAULT_BREAKER_POLICY,
        project: str | None = None,
        instrumentation: Instrumentation | None = None,
        settings: ClientSettings | None = None,
    ) -> None:
        self._settings = settings if settings is not None else ClientSettings.from_environ()
        self._host: OllamaHost = resolve_host(host, environ=self._settings.environ)
        self._base = self._host.base_url
        self._timeouts: TimeoutPolicy = (
            DEFAULT_TIMEOUT_POLICY
            if isinstance(timeout, NotGiven)
            else timeout_policy_from(timeout)
        )
        self._retry_policy = retry
        self._breaker: CircuitBreaker = breaker_for(self._base, breaker)
        self._budget: RetryBudget = budget_for(self._base, retry)
        self._loaded = LoadedModels(clock=time.monotonic)
        self.project = project if project is not None else self._settings.project
        self._instrumentation = (
            instrumentation
            if instrumentation is not None
            else Instrumentation(project=self.project)
        )
        merged = {
            "content-type": "application/json",
            "accept": "application/json",
            "user-agent": _user_agent(),
        }
        merged.update({key.lower(): value for key, value in (headers or {}).items()})
        token = api_key if api_key is not None else self._settings.api_key
        if token and "authorization" not in merged:
            merged["authorization"] = f"Bearer {token}"
        self._headers = merged
        self._auth: httpx.Auth | None = (
            httpx.BasicAuth(self._host.username, self._host.password or "")
            if self._host.username is not None
            else None
        )

    @property
    def base_url(self) -> str:
        """The resolved base URL of the Ollama server (without credentials)."""
        return self._base

    @property
    def host(self) -> OllamaHost:
        """The parsed address of the Ollama server."""
        return self._host

    @property
    def timeout_policy(self) -> TimeoutPolicy:
        """The limits applied to each phase of a call."""
        return self._timeouts

    def _deadline(self) -> float | None:
        total = self._timeouts.total
        return None if total is None else time.monotonic() + total

    def _phase_timeouts(self, call: ApiCall[Any], deadline: float | None) -> PhaseTimeouts:
        warm = self._loaded.is_warm(call.model) if call.operation and call.model else None
        remaining = None if deadline is None else deadline - time.monotonic()
        return plan_timeouts(self._timeouts, stream=call.stream, warm=warm, remaining=remaining)

    def _needs_ps(self, call: ApiCall[Any]) -> bool:
        """Whether to ask ``/api/ps`` before this call to choose its first-byte limit."""
        return (
            call.stream
            and call.operation is not None
            and call.model is not None
            and self._loaded.is_warm(call.model) is None
        )

    def _record_ps(self, body: bytes | None) -> None:
        if body is None:
            self._loaded.mark_unknown()
            return
        try:
            data = loads(body)
            names = [entry.get("model") or entry.get("name") for entry in data.get("models") or []]
        except (ValueError, AttributeError, TypeError):
            self._loaded.mark_unknown()
            return
        self._loaded.update_from_ps(name for name in names if isinstance(name, str))

    def _limit_reads(
        self, response: httpx.Response, phases: PhaseTimeouts, deadline: float | None
    ) -> None:
        """After a stream's headers, apply the between-chunks limit to each further read."""
        limit = phases.between_chunks
        if deadline is not None:
            remaining = max(deadline - time.monotonic(), 0.001)
            limit = remaining if limit is None else min(limit, remaining)
        extension = response.request.extensions.get("timeout")
        if isinstance(extension, dict):
            extension["read"] = limit

    def _check_deadline(self, deadline: float | None) -> None:
        """Raise the ``total`` timeout when the call's overall deadline has passed."""
        if deadline is not None and time.monotonic() > deadline:
            raise timeout_error("total", timeout=self._timeouts.total, host=self._base)

    def _observe(self, call: ApiCall[Any]) -> CallObservation | None:
        """Start telemetry for a model call (chat, generate, embed); admin calls are not traced."""
        if call.operation is None or call.model is None:
            return None
        return self._instrumentation.start(
            operation=call.operation,
            model=call.model,
            body=call.payload or {},
            stream=call.stream,
            server_address=self._host.host,
            server_port=self._host.port,
        )

    def _build_request(
        self, client: httpx.Client | httpx.AsyncClient, call: ApiCall[Any], phases: PhaseTimeouts
    ) -> httpx.Request:
        return client.build_request(
            call.method,
            self._base + call.path,
            content=call.body,
            headers=self._headers,
            timeout=httpx.Timeout(**phases.as_httpx()),
        )

    def _complete(
        self, call: ApiCall[T], status: int, body: bytes, observation: CallObservation | None
    ) -> T:
        """Turn a whole (non-streaming) reply into the typed result, or raise our error."""
        if status >= 400:
            raise error_from_status(status, body, model=call.model, host=self._base)
        if call.empty_ok and not body.strip():
            return call.parse(None)
        try:
            data = loads(body)
        except ValueError as exc:
            raise ServerError(
                f"Ollama at {self._base} sent a reply to {call.path} that is not JSON ({exc}); "
                "is the address a proxy or another service?",
                status_code=status,
                error=body[:200].decode("utf-8", "replace"),
                host=self._base,
            ) from None
        if isinstance(data, dict) and "error" in data and len(data) == 1:
            raise error_from_status(500, body, model=call.model, host=self._base)
        if call.operation is not None and call.model is not None:
            self._loaded.mark_warm(call.model)
        result = call.parse(data)
        if observation is not None:
            observation.finish(data)
        return result

    def _map_exception(
        self, call: ApiCall[Any], exc: Exception, phases: PhaseTimeouts
    ) -> SharedOllamaError:
        timeout = phases.read if isinstance(exc, httpx.ReadTimeout) else phases.connect
        return error_from_exception(exc, host=self._base, model=call.model, timeout=timeout)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(host={self._base!r})"
