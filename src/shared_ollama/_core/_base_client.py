"""Everything the sync and async clients decide without I/O.

:class:`BaseClient` holds the configuration (host, headers, timeouts, policies), builds each
``httpx`` request from an :class:`~shared_ollama._core._calls.ApiCall`, and turns a finished reply into a
typed result or one of our exceptions. :class:`~shared_ollama.SharedOllamaClient` and
:class:`~shared_ollama.AsyncSharedOllamaClient` only move bytes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from shared_ollama._coordinator._policy import DEFAULT_PRIORITY, Priority, parse_priority
from shared_ollama._core._calls import ApiCall
from shared_ollama._core._error_mapping import (
    error_from_exception,
    error_from_invalid_reply,
    error_from_status,
    error_from_stream_line,
)
from shared_ollama._core._learned_state import remember_client, report_transition
from shared_ollama._core._machine_queue import machine_queue
from shared_ollama._core._reply_limits import DEFAULT_REPLY_LIMITS, ReplyLimits
from shared_ollama._core._sticky_options import StickyOptions
from shared_ollama._core._stream_state import StreamState
from shared_ollama._core._timeouts import (
    DEFAULT_TIMEOUT_POLICY,
    PhaseTimeouts,
    TimeoutPolicy,
    plan_timeouts,
    timeout_policy_from,
)
from shared_ollama._core._user_agent import user_agent
from shared_ollama._errors import (
    CircuitOpenError,
    RequestTimeoutError,
    ServerError,
    SharedOllamaError,
    TimeoutPhase,
    timeout_error,
)
from shared_ollama._host import OllamaHost, parse_host, resolve_host
from shared_ollama._json import dumps, loads
from shared_ollama._resilience._breaker import BreakerState, Permit
from shared_ollama._resilience._breaker_registry import breaker_for, breaker_registry
from shared_ollama._resilience._health_gate import HealthGate
from shared_ollama._resilience._listings import listed_models, model_name
from shared_ollama._resilience._policy import (
    DEFAULT_BREAKER_POLICY,
    DEFAULT_RETRY_POLICY,
    BreakerPolicy,
    RetryPolicy,
)
from shared_ollama._resilience._retry_budget import budget_for
from shared_ollama._resilience._routing import HostState, rank_hosts
from shared_ollama._settings import EnvironmentDefaults

if TYPE_CHECKING:
    from shared_ollama._coordinator._leases import Lease
    from shared_ollama.telemetry import CallObservation, Instrumentation

__all__ = ["NOT_GIVEN", "BaseClient", "CallProgress", "NotGiven"]

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


@dataclasses.dataclass(slots=True)
class CallProgress:
    """What one call's attempts have done so far: the facts the retry decision needs.

    Attributes:
        tried: The hosts attempted, in order (failover skips them).
        reply_started: Whether a successful reply's headers arrived: the server has done (or is
            doing) the work, so no later failure of this call is retried, however it ends.
    """

    tried: list[HostState] = dataclasses.field(default_factory=list)
    reply_started: bool = False


class BaseClient:
    """Configuration and the I/O-free half of a client.

    Args:
        host: The Ollama address; ``None`` resolves it from the environment (see
            :func:`~shared_ollama.resolve_base_url`).
        hosts: Several Ollama addresses to route between (instead of ``host``): each call goes
            to a healthy host that has the model loaded, else the least busy one that has it,
            failing over to the next only before the first byte of a reply.
        timeout: Seconds for every phase, ``None`` for no limit, an ``httpx.Timeout``, or a
            :class:`~shared_ollama.TimeoutPolicy`; by default load-aware limits apply.
        headers: Extra headers sent with every request.
        api_key: Bearer token; defaults to ``OLLAMA_API_KEY``.
        retry: Retry policy; ``RetryPolicy(attempts=1)`` disables retries.
        breaker: Circuit-breaker policy, shared by every client of the same host.
        project: Name of the calling project for analytics and, when machine slots are on, for
            fair share between projects (defaults to ``SHARED_OLLAMA_PROJECT``; for fair share,
            else the name of the project folder you run in).
        instrumentation: Where spans, metrics and performance records go; by default the global
            OpenTelemetry providers (a no-op unless the application installed an SDK).
        machine_slots: Requests in flight to each host from all processes sharing the
            coordinator together (default ``SHARED_OLLAMA_MACHINE_SLOTS``; unset means no
            machine-wide cap). Turns on priorities, fair share and agreed load-time options.
        health_gate: ``True`` to check the server's health before calls (once, then trusted
            for a few seconds), failing at once with the reason when it is down; or a
            :class:`~shared_ollama.HealthGate` to share between clients.
        limits: The size limits of one stream line and of one whole reply, streamed or not
            (:class:`~shared_ollama.ReplyLimits`; 16 MiB and 256 MiB by default).
        settings: Environment-derived defaults (tests pass their own).
        priority: ``"interactive"``, ``"normal"`` or ``"batch"``: who gets a free machine-wide
            slot first (default ``SHARED_OLLAMA_PRIORITY``, else ``"normal"``).
    """

    def __init__(
        self,
        host: str | None = None,
        *,
        hosts: Sequence[str] | None = None,
        timeout: Any = NOT_GIVEN,
        headers: Mapping[str, str] | None = None,
        api_key: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        breaker: BreakerPolicy = DEFAULT_BREAKER_POLICY,
        project: str | None = None,
        instrumentation: Instrumentation | None = None,
        machine_slots: int | None = None,
        health_gate: bool | HealthGate = False,
        limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
        settings: EnvironmentDefaults | None = None,
        priority: Priority | None = None,
    ) -> None:
        self._settings = settings if settings is not None else EnvironmentDefaults.from_environ()
        self.project = project if project is not None else self._settings.project
        self.priority: Priority = parse_priority(
            priority if priority is not None else self._settings.priority or DEFAULT_PRIORITY
        )
        if hosts is not None and host is not None:
            raise ValueError("Give either host= or hosts=, not both.")
        if hosts is not None and (isinstance(hosts, str) or not hosts):
            raise ValueError(
                f"hosts={hosts!r} must be a non-empty list of addresses, e.g. "
                "hosts=['http://gpu-1:11434', 'http://gpu-2:11434']."
            )
        parsed = (
            [parse_host(value, source=f"hosts[{index}]") for index, value in enumerate(hosts)]
            if hosts is not None
            else [resolve_host(host, environ=self._settings.environ)]
        )
        slots = machine_slots if machine_slots is not None else self._settings.machine_slots
        self._routes: tuple[HostState, ...] = tuple(
            HostState(
                host=item,
                base=item.base_url,
                breaker=breaker_for(item.base_url, breaker),
                budget=budget_for(item.base_url, retry),
                auth=httpx.BasicAuth(item.username, item.password or "")
                if item.username is not None
                else None,
                machine=machine_queue(
                    item.base_url,
                    slots,
                    self._settings,
                    project=self.project,
                    priority=self.priority,
                ),
            )
            for item in parsed
        )
        self._host: OllamaHost = parsed[0]
        self._base = self._host.base_url
        self._timeouts: TimeoutPolicy = (
            DEFAULT_TIMEOUT_POLICY
            if isinstance(timeout, NotGiven)
            else timeout_policy_from(timeout)
        )
        self._retry_policy = retry
        if not isinstance(limits, ReplyLimits):
            raise TypeError(f"limits={limits!r} must be a shared_ollama.ReplyLimits.")
        self._reply_limits = limits
        self._sticky = StickyOptions()
        remember_client(self)
        breaker_registry().add_listener(report_transition)
        self._gate: HealthGate | None = (
            health_gate
            if isinstance(health_gate, HealthGate)
            else HealthGate(self._base)
            if health_gate
            else None
        )
        if instrumentation is None:
            from shared_ollama.telemetry import Instrumentation  # noqa: PLC0415 (first client)

            instrumentation = Instrumentation(project=self.project)
        self._instrumentation = instrumentation
        merged = {key.lower(): value for key, value in (headers or {}).items()}
        merged.setdefault("user-agent", user_agent())  # a caller's own User-Agent is kept
        # The API speaks JSON whatever the caller passed (as ollama-python forces it too).
        merged.update({"content-type": "application/json", "accept": "application/json"})
        token = api_key if api_key is not None else self._settings.api_key
        if token and "authorization" not in merged:
            merged["authorization"] = f"Bearer {token}"
        self._headers = merged
        # Sent with each request only when the httpx client is injected (ours carries them).
        self._request_headers: dict[str, str] | None = merged
        self._urls: dict[str, httpx.URL] = {}
        self._httpx_timeouts: dict[PhaseTimeouts, httpx.Timeout] = {}

    def _forget_learned_state(self) -> None:
        """Forget sticky options and the hosts' model listings (the shells add their limits)."""
        self._sticky = StickyOptions()
        for route in self._routes:
            route.forget_listings()

    @property
    def base_url(self) -> str:
        """The resolved base URL of the (first) Ollama server, without credentials."""
        return self._base

    @property
    def host(self) -> OllamaHost:
        """The parsed address of the (first) Ollama server."""
        return self._host

    @property
    def hosts(self) -> tuple[OllamaHost, ...]:
        """Every server this client routes between (one unless built with ``hosts=``)."""
        return tuple(route.host for route in self._routes)

    @property
    def timeout_policy(self) -> TimeoutPolicy:
        """The limits applied to each phase of a call."""
        return self._timeouts

    def _apply_sticky_options(self, call: ApiCall[T]) -> ApiCall[T]:
        """Reuse the ``num_ctx``/``keep_alive`` this client used before for the call's model.

        With machine-wide slots on, the coordinator's agreement (applied at grant time, across
        every process) takes the place of this client-local memory.
        """
        if call.operation is None or call.payload is None or self._routes[0].machine is not None:
            return call
        payload = self._sticky.apply(call.payload)
        if payload is None:
            return call
        return dataclasses.replace(call, payload=payload, body=dumps(payload))

    def _agreed(
        self,
        call: ApiCall[T],
        lease: Lease | None,
        route: HostState,
        observation: CallObservation | None,
    ) -> ApiCall[T]:
        """The call with the load-time options every process agreed on for its model.

        Applied once the slot is granted (the grant may have grown the agreement to this very
        request's ``num_ctx``). The wait and the agreed options go on the call's span.
        """
        if lease is None or route.machine is None:
            return call
        span = observation.span if observation is not None else None
        if span is not None and span.is_recording():
            span.set_attribute("shared_ollama.priority", self.priority)
            span.set_attribute("shared_ollama.slot.wait", lease.waited)
            if lease.agreed is not None:
                for name, value in lease.agreed.as_dict().items():
                    if value is not None:
                        span.set_attribute(f"shared_ollama.agreed.{name}", value)
        if call.payload is None or call.model is None:
            return call
        payload, changed = route.machine.agree(lease, call.model, call.payload)
        if payload is None:
            return call
        if span is not None and span.is_recording():
            span.set_attribute("shared_ollama.agreed.changed", sorted(changed))
        return dataclasses.replace(call, payload=payload, body=dumps(payload))

    def _deadline(self) -> float | None:
        total = self._timeouts.total
        return None if total is None else time.monotonic() + total

    def _choose(self, call: ApiCall[Any], tried: list[HostState]) -> tuple[HostState, Permit]:
        """The host for the next attempt and its breaker permit (skipping open breakers).

        Raises:
            CircuitOpenError: Every candidate's breaker is open (the soonest to reopen is named).
        """
        refused: list[CircuitOpenError] = []
        for route in rank_hosts(self._routes, call.model, exclude=tried):
            try:
                return route, route.breaker.acquire()
            except CircuitOpenError as exc:  # noqa: PERF203 (one host at a time, rarely raised)
                self._instrumentation.rejected_while_open(host=route.base)
                refused.append(exc)
        raise min(refused, key=lambda exc: exc.retry_after)

    def _phase_timeouts(
        self, call: ApiCall[Any], deadline: float | None, route: HostState
    ) -> PhaseTimeouts:
        warm = route.loaded.is_warm(call.model) if call.operation and call.model else None
        remaining = None if deadline is None else deadline - time.monotonic()
        return plan_timeouts(self._timeouts, stream=call.stream, warm=warm, remaining=remaining)

    def _stale_routes(self, call: ApiCall[Any]) -> list[tuple[HostState, str]]:
        """The ``/api/ps`` and ``/api/tags`` listings to refresh before this call.

        Only a client routing between several hosts asks for them. With one host, a call sends
        exactly the request ``ollama.Client`` would (a mocked server sees nothing else); a
        stream whose model's warmth is unknown then gets the cold first-byte limit.
        """
        if call.operation is None or call.model is None or len(self._routes) < 2:
            return []
        model = call.model
        stale: list[tuple[HostState, str]] = []
        for route in self._routes:
            if route.breaker.state is BreakerState.OPEN:
                continue
            if route.loaded.is_warm(model) is None:
                stale.append((route, "/api/ps"))
            if route.catalog.needs_refresh():
                stale.append((route, "/api/tags"))
        return stale

    @staticmethod
    def _record_listing(route: HostState, path: str, body: bytes | None) -> None:
        """Feed an ``/api/ps`` or ``/api/tags`` answer (``None`` if it failed) into the route."""
        names: list[str] | None = None
        if body is not None:
            try:
                models = listed_models(loads(body))
            except ValueError:
                models = None
            if models is not None:
                names = [name for entry in models if (name := model_name(entry))]
        if path == "/api/ps":
            if names is None:
                route.loaded.mark_unknown()
            else:
                route.loaded.update_from_ps(names)
        else:
            route.catalog.update(names)

    def _limit_reads(
        self, response: httpx.Response, limit: float | None, deadline: float | None
    ) -> None:
        """After the headers, limit each read of the body to ``limit`` and the time left."""
        if deadline is not None:
            remaining = max(deadline - time.monotonic(), 0.001)
            limit = remaining if limit is None else min(limit, remaining)
        extension = response.request.extensions.get("timeout")
        if isinstance(extension, dict):
            extension["read"] = limit

    def _reply_deadline(
        self, call: ApiCall[Any], deadline: float | None
    ) -> tuple[float | None, TimeoutPhase]:
        """When the reading of this reply's body must end, and the phase named if it does not.

        A stream has only the call's ``total`` (opt-in). A non-streamed reply must also finish
        within ``non_stream`` seconds of its headers (default 600 s), checked between reads, so a
        body that trickles one byte at a time cannot run for ever.
        """
        ceiling = self._timeouts.non_stream
        if call.stream or ceiling is None:
            return deadline, "total"
        end = time.monotonic() + ceiling
        if deadline is not None and deadline <= end:
            return deadline, "total"
        return end, "reply"

    def _check_deadline(
        self, deadline: float | None, route: HostState, phase: TimeoutPhase = "total"
    ) -> None:
        """Raise the timeout of ``phase`` once ``deadline`` has passed (checked between reads)."""
        if deadline is not None and time.monotonic() > deadline:
            raise self._expired(phase, route)

    def _expired(self, phase: TimeoutPhase, route: HostState) -> RequestTimeoutError:
        limit = self._timeouts.total if phase == "total" else self._timeouts.non_stream
        return timeout_error(phase, timeout=limit, host=route.base)

    def _body_failure(
        self, exc: Exception, call: ApiCall[Any], route: HostState, phase: TimeoutPhase
    ) -> SharedOllamaError:
        """Map a failure while reading a non-streamed body (its headers had arrived)."""
        if isinstance(exc, httpx.TimeoutException):  # each read is capped by the time left
            return self._expired(phase, route)
        return error_from_exception(exc, host=route.base, model=call.model, received_bytes=True)

    def _stream_state(
        self, call: ApiCall[T], route: HostState, observation: CallObservation | None
    ) -> StreamState[T]:
        """The decoder of one streamed reply, within this client's size limits."""
        return StreamState(call, route.base, observation, limits=self._reply_limits)

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
        self,
        client: httpx.Client | httpx.AsyncClient,
        call: ApiCall[Any],
        phases: PhaseTimeouts,
        route: HostState,
    ) -> httpx.Request:
        url = route.base + call.path
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls.setdefault(url, httpx.URL(url))
        timeout = self._httpx_timeouts.get(phases)
        if timeout is None:
            timeout = self._httpx_timeouts.setdefault(phases, httpx.Timeout(**phases.as_httpx()))
        return client.build_request(
            call.method,
            parsed,
            content=call.body,
            headers=self._request_headers,
            timeout=timeout,
        )

    def _parse_reply(
        self,
        call: ApiCall[T],
        status: int,
        body: bytes,
        observation: CallObservation | None,
        route: HostState,
    ) -> T:
        """Turn a whole (non-streaming) reply into the typed result, or raise our error."""
        if status >= 400:
            raise error_from_status(status, body, model=call.model, host=route.base)
        if call.empty_ok and not body.strip():
            return call.parse(None)
        try:
            data = loads(body)
        except ValueError as exc:
            raise ServerError(
                f"Ollama at {route.base} sent a reply to {call.path} that is not JSON ({exc}); "
                "is the address a proxy or another service?",
                status_code=status,
                error=body[:200].decode("utf-8", "replace"),
                host=route.base,
            ) from None
        if isinstance(data, dict) and "error" in data and len(data) == 1:
            # An error with status 200 is classified by its text, as in a stream.
            raise error_from_stream_line(
                data, partial="", chunks_received=0, model=call.model, host=route.base
            )
        if call.operation is not None and call.model is not None:
            route.loaded.mark_warm(call.model)
        try:
            result = call.parse(data)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise error_from_invalid_reply(exc, path=call.path, host=route.base) from exc
        if observation is not None:
            observation.finish(data)
        return result

    def _map_exception(
        self, call: ApiCall[Any], exc: Exception, phases: PhaseTimeouts, route: HostState
    ) -> SharedOllamaError:
        limits: dict[type[Exception], float | None] = {
            httpx.ReadTimeout: phases.read,
            httpx.WriteTimeout: phases.write,
            httpx.PoolTimeout: phases.pool,
        }
        timeout = limits.get(type(exc), phases.connect)
        return error_from_exception(exc, host=route.base, model=call.model, timeout=timeout)

    def __repr__(self) -> str:
        hosts = ", ".join(repr(route.base) for route in self._routes)
        return f"{type(self).__name__}({hosts})"
