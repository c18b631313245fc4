"""The synchronous client's I/O: its httpx client, slots, the retry loop, sending, streaming.

Generated from its async twin by ``python tools/unasync.py``: do not edit by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import httpx
from httpx import USE_CLIENT_DEFAULT

from shared_ollama._core._base_client import NOT_GIVEN, BaseClient, CallProgress
from shared_ollama._core._calls import ApiCall
from shared_ollama._core._error_mapping import (
    BUSY_STATUSES,
    error_from_oversize,
    error_from_status,
)
from shared_ollama._core._ndjson import OversizeError
from shared_ollama._core._reply_limits import DEFAULT_REPLY_LIMITS, ReplyBody, ReplyLimits
from shared_ollama._core._sync_io import Condition, PerLoop, shielded, sleep, wait_for_room
from shared_ollama._core._timeouts import PhaseTimeouts
from shared_ollama._errors import RequestTimeoutError, SharedOllamaError, timeout_error
from shared_ollama._resilience._adaptive_limit import AdaptiveLimit
from shared_ollama._resilience._breaker import Permit
from shared_ollama._resilience._health_gate import HealthGate
from shared_ollama._resilience._policy import (
    DEFAULT_BREAKER_POLICY,
    DEFAULT_RETRY_POLICY,
    BreakerPolicy,
    RetryPolicy,
)
from shared_ollama._resilience._retrying import RetryController
from shared_ollama._resilience._routing import HostState
from shared_ollama._settings import EnvironmentDefaults

if TYPE_CHECKING:
    from shared_ollama._coordinator._leases import Lease
    from shared_ollama._coordinator._policy import Priority
    from shared_ollama.telemetry import CallObservation, Instrumentation

__all__ = ["DEFAULT_MAX_IN_FLIGHT", "Shell"]

T = TypeVar("T")
_Shell = TypeVar("_Shell", bound="Shell")
DEFAULT_MAX_IN_FLIGHT = 4
"""Requests one client sends to a host at once; more wait. Halved by each 503, then regrown."""
_LISTING_TIMEOUT = 2.0


def _close_http(client: httpx.Client) -> None:
    client.close()


@dataclass(frozen=True, slots=True)
class _Sent:
    """One attempt's reply, with what the caller settles once it is read."""

    response: httpx.Response
    permit: Permit
    phases: PhaseTimeouts
    route: HostState
    deadline: float | None
    lease: Lease | None


class Shell(BaseClient):
    """What the async client does with I/O; its methods and arguments are the client's."""

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
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        project: str | None = None,
        priority: Priority | None = None,
        instrumentation: Instrumentation | None = None,
        machine_slots: int | None = None,
        health_gate: bool | HealthGate = False,
        limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
        settings: EnvironmentDefaults | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: Any = True,
        follow_redirects: bool = True,
        **httpx_kwargs: Any,
    ) -> None:
        super().__init__(
            host,
            hosts=hosts,
            timeout=timeout,
            headers=headers,
            api_key=api_key,
            retry=retry,
            breaker=breaker,
            project=project,
            instrumentation=instrumentation,
            machine_slots=machine_slots,
            health_gate=health_gate,
            limits=limits,
            settings=settings,
            priority=priority,
        )
        AdaptiveLimit(max_in_flight)  # validates it
        self._owns_http = http_client is None
        if http_client is None:
            options = {"transport": transport, "verify": verify, **httpx_kwargs}

            def new_http() -> httpx.Client:
                return httpx.Client(
                    follow_redirects=follow_redirects, headers=self._headers, **options
                )

            self._new_http: Callable[[], httpx.Client] = new_http
            self._http = PerLoop(new_http, close=_close_http)
            self._request_headers = None
        else:
            self._http = PerLoop(lambda: http_client)
        self._max_in_flight = max_in_flight
        self._limits: PerLoop[dict[str, tuple[AdaptiveLimit, Condition]]] = PerLoop(dict)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def _client(self) -> httpx.Client:
        """The underlying ``httpx`` client, under the name ``ollama.Client`` gives it."""
        return self._http.current()

    def _forget_learned_state(self) -> None:
        super()._forget_learned_state()
        for limits in self._limits.values():
            for limit, _ in limits.values():
                limit.reset()

    def close(self) -> None:
        """Close the connections this client opened (an injected ``http_client`` stays open)."""
        if self._owns_http:  # unused in this loop: a fresh client still closes a given transport
            _close_http(self._http.existing() or self._http.adopt(self._new_http()))

    def __enter__(self: _Shell) -> _Shell:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- I/O -------------------------------------------------------------------------------

    def _limit(self, route: HostState) -> tuple[AdaptiveLimit, Condition]:
        limits = self._limits.current()
        entry = limits.get(route.base)
        if entry is None:
            entry = limits.setdefault(route.base, (AdaptiveLimit(self._max_in_flight), Condition()))
        return entry

    def _wait_for_slot(
        self, route: HostState, phases: PhaseTimeouts, call: ApiCall[Any]
    ) -> Lease | None:
        """Wait for room under the host's adaptive limit, then for a machine-wide slot if on."""
        limit, condition = self._limit(route)
        with condition:
            if not wait_for_room(condition, limit.has_room, phases.pool):
                raise timeout_error("pool", timeout=phases.pool, host=route.base)
            limit.start()
        route.in_flight += 1
        lease = None
        if route.machine is not None:
            try:
                lease = route.machine.acquire(phases.pool, model=call.model, payload=call.payload)
            except BaseException:
                self._give_slot(route, None, busy=False)
                raise
        return lease

    def _take_slot(
        self, route: HostState, phases: PhaseTimeouts, permit: Permit, call: ApiCall[Any]
    ) -> Lease | None:
        """Take a slot; a timed-out wait is ours, not the server's: release the permit, no failure."""
        try:
            return self._wait_for_slot(route, phases, call)
        except RequestTimeoutError:
            permit.release()
            raise

    def _give_slot(self, route: HostState, lease: Lease | None, *, busy: bool) -> None:
        route.in_flight -= 1
        if lease is not None and route.machine is not None:
            route.machine.release(lease)  # runs to its end even when cancelled
        shielded(self._finish_slot, route, busy=busy)

    def _finish_slot(self, route: HostState, *, busy: bool) -> None:
        limit, condition = self._limit(route)
        with condition:
            limit.finish(busy=busy)
            condition.notify_all()

    def _refresh_routes(self, call: ApiCall[Any]) -> None:
        for route, path in self._stale_routes(call):
            try:
                response = self._http.current().get(
                    route.base + path,
                    timeout=_LISTING_TIMEOUT,
                    headers=self._request_headers,
                    auth=route.auth or USE_CLIENT_DEFAULT,
                )
            except httpx.HTTPError:
                self._record_listing(route, path, None)
                continue
            body = response.content if response.status_code == 200 else None
            self._record_listing(route, path, body)

    def _with_retries(
        self,
        call: ApiCall[Any],
        attempt: Callable[[float | None, CallProgress], T],
        observation: CallObservation | None,
    ) -> T:
        """Run ``attempt`` until it succeeds or the retry controller gives up.

        The controller (built on the first failure: most calls never need one) decides every
        wait from the policy, the host's retry budget and the call's deadline; it is told
        whether a successful reply had begun (then nothing is retried).
        """
        deadline = self._deadline()
        progress = CallProgress()
        controller: RetryController | None = None
        try:
            if self._gate is not None:
                self._gate.require()
            self._refresh_routes(call)
            while True:
                try:
                    result = attempt(deadline, progress)
                except SharedOllamaError as exc:  # noqa: PERF203 (one try per attempt)
                    if controller is None:
                        controller = RetryController(
                            policy=self._retry_policy,
                            budget=self._routes[0].budget,
                            deadline=deadline,
                        )
                    delay = controller.next_delay(exc, first_byte_received=progress.reply_started)
                    if delay is None:
                        raise
                    if observation is not None:
                        observation.retry(controller.retries, exc)
                    sleep(delay)
                else:
                    self._routes[0].budget.record_success()
                    return result
        except BaseException as exc:
            if observation is not None:
                observation.fail(exc)
            raise

    def _read_body(self, call: ApiCall[Any], sent: _Sent, *, limit: float | None) -> bytes:
        """Read a whole body within ``max_reply_bytes`` and the reply's deadline, then close it.

        Reading chunk by chunk (not ``response.read()``) stops a decompression bomb at the size
        limit and lets the deadline be checked between reads.
        """
        deadline, phase = self._reply_deadline(call, sent.deadline)
        body = ReplyBody(self._reply_limits.max_reply_bytes)
        try:
            self._limit_reads(sent.response, limit, deadline)
            for data in sent.response.iter_bytes():
                body.feed(data)
                self._check_deadline(deadline, sent.route, phase)
        except OversizeError as exc:
            raise error_from_oversize(exc, host=sent.route.base) from None
        except httpx.HTTPError as exc:
            raise self._body_failure(exc, call, sent.route, phase) from exc
        finally:
            sent.response.close()
        return body.content()

    def _refuse(self, call: ApiCall[Any], sent: _Sent) -> NoReturn:
        """Read an error reply (within the size limit) and raise the error it stands for."""
        body = self._read_body(call, sent, limit=sent.phases.read)
        status = sent.response.status_code
        raise error_from_status(status, body, model=call.model, host=sent.route.base)

    def _send(
        self,
        call: ApiCall[Any],
        deadline: float | None,
        progress: CallProgress,
        observation: CallObservation | None,
    ) -> _Sent:
        """One attempt: choose a host, take a slot, build, send, and map what failed.

        It returns once a successful reply's headers arrived (its body still to read), holding
        the slot; the caller hands it back. An error status is read and raised here.
        """
        route, permit = self._choose(call, progress.tried)
        progress.tried.append(route)
        try:
            phases = self._phase_timeouts(call, deadline, route)
            lease = self._take_slot(route, phases, permit, call)
            call = self._agreed(call, lease, route, observation)
            if deadline is not None:  # the wait for a slot came out of the call's deadline
                phases = self._phase_timeouts(call, deadline, route)
            busy = False
            try:
                request = self._build_request(self._http.current(), call, phases, route)
                try:
                    response = self._http.current().send(
                        request, stream=True, auth=route.auth or USE_CLIENT_DEFAULT
                    )
                except httpx.HTTPError as exc:
                    raise self._map_exception(call, exc, phases, route) from exc
                status = response.status_code
                busy = status in BUSY_STATUSES
                sent = _Sent(response, permit, phases, route, deadline, lease)
                if status >= 400:
                    self._refuse(call, sent)
            except BaseException:
                self._give_slot(route, lease, busy=busy)
                raise
        except BaseException as exc:
            permit.record(exc)
            raise
        progress.reply_started = True
        if permit.is_probe:  # the server answers: settle the probe now, not when a long body ends
            permit.success()
        return sent

    def _attempt(
        self,
        call: ApiCall[T],
        deadline: float | None,
        progress: CallProgress,
        observation: CallObservation | None,
    ) -> T:
        sent = self._send(call, deadline, progress, observation)
        try:
            try:
                body = self._read_body(call, sent, limit=sent.phases.read)
            finally:
                self._give_slot(sent.route, sent.lease, busy=False)
            result = self._parse_reply(
                call, sent.response.status_code, body, observation, sent.route
            )
        except BaseException as exc:
            sent.permit.record(exc)
            raise
        sent.permit.success()
        return result

    def _request(self, call: ApiCall[T]) -> T:
        call = self._apply_sticky_options(call)
        observation = self._observe(call)
        return self._with_retries(
            call,
            lambda deadline, progress: self._attempt(call, deadline, progress, observation),
            observation,
        )

    def _stream(self, call: ApiCall[T]) -> Iterator[T]:
        call = self._apply_sticky_options(call)
        observation = self._observe(call)
        opened = self._with_retries(
            call,
            lambda deadline, progress: self._send(call, deadline, progress, observation),
            observation,
        )
        response, permit, route, deadline = (
            opened.response,
            opened.permit,
            opened.route,
            opened.deadline,
        )
        state = self._stream_state(call, route, observation)
        try:
            self._limit_reads(response, opened.phases.between_chunks, deadline)
            try:
                for data in response.iter_bytes():
                    for item in state.feed(data):
                        yield item
                    if deadline is not None:
                        self._check_deadline(deadline, route)
                for item in state.finish():
                    yield item
            except httpx.HTTPError as exc:
                raise state.failure(exc, timeout=opened.phases.between_chunks) from exc
            if call.operation is not None and call.model is not None:
                route.loaded.mark_warm(call.model)
        except BaseException as exc:
            permit.record(exc)
            if observation is not None:
                observation.fail(exc)
            raise
        else:
            permit.success()
            if observation is not None:
                observation.finish(state.last or {})
        finally:
            response.close()
            self._give_slot(route, opened.lease, busy=False)
