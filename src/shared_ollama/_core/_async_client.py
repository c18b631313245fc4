"""The asynchronous client: a drop-in replacement for ``ollama.AsyncClient``.

The hand-written source of both clients: ``python tools/unasync.py`` writes ``_sync_client.py``.

Every decision (request building, timeouts, error mapping, stream decoding, retry and breaker
policy) lives in the I/O-free modules it calls; this file sends requests and moves bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar, overload

import httpx
from httpx import USE_CLIENT_DEFAULT

from shared_ollama._core import _calls
from shared_ollama._core._async_io import Condition, open_blob, shielded, sleep, wait_for_room
from shared_ollama._core._base_client import NOT_GIVEN, BaseClient, CallProgress
from shared_ollama._core._calls import ApiCall
from shared_ollama._core._error_mapping import (
    BUSY_STATUSES,
    error_from_exception,
    error_from_oversize,
    error_from_status,
    timeout_error,
)
from shared_ollama._core._ndjson import OversizeError
from shared_ollama._core._reply_limits import DEFAULT_REPLY_LIMITS, ReplyBody, ReplyLimits
from shared_ollama._core._timeouts import PhaseTimeouts
from shared_ollama._errors import RequestTimeoutError, SharedOllamaError
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
from shared_ollama._settings import ClientSettings
from shared_ollama._types import (
    ChatResponse,
    EmbeddingsResponse,
    EmbedResponse,
    GenerateResponse,
    ListResponse,
    ProcessResponse,
    ProgressResponse,
    ShowResponse,
    StatusResponse,
    VersionResponse,
)

if TYPE_CHECKING:
    from filelock import BaseFileLock

    from shared_ollama.telemetry import CallObservation, Instrumentation

__all__ = ["AsyncSharedOllamaClient"]

T = TypeVar("T")
DEFAULT_MAX_IN_FLIGHT = 4
"""Requests one client sends to a host at once; more wait. Halved by each 503, then regrown."""
_LISTING_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class _Sent:
    """One attempt's reply, with what the caller settles once it is read."""

    response: httpx.Response
    permit: Permit
    phases: PhaseTimeouts
    route: HostState
    deadline: float | None
    lease: BaseFileLock | None


class AsyncSharedOllamaClient(BaseClient):
    """Asynchronous Ollama client with host discovery, retries, a breaker and load-aware timeouts.

    A drop-in replacement for ``ollama.AsyncClient``: the same methods, arguments and return types.

    Args:
        host: Ollama address; by default ``SHARED_OLLAMA_URL``, ``OLLAMA_BASE_URL``,
            ``OLLAMA_HOST`` or ``http://127.0.0.1:11434``.
        hosts: Several addresses to route between instead of one ``host`` (see ``BaseClient``).
        timeout: Seconds for every phase, ``None`` for none, an ``httpx.Timeout`` or a
            :class:`~shared_ollama.TimeoutPolicy` (default: load-aware limits).
        headers: Extra headers for every request.
        api_key: Bearer token (default ``OLLAMA_API_KEY``).
        retry: Retry policy.
        breaker: Circuit-breaker policy.
        max_in_flight: Requests this client sends at once (etiquette on a shared daemon).
        project: Project name for analytics.
        instrumentation: Telemetry sink (default: the global OpenTelemetry providers).
        machine_slots: Requests in flight to each host from all of this user's processes
            together (default ``SHARED_OLLAMA_MACHINE_SLOTS``; unset: no machine-wide cap).
        health_gate: Check the server's health before calls and fail fast when it is down.
        limits: Size limits for one stream line and one whole reply (see ``ReplyLimits``).
        settings: What to take from the environment (default: read it now).
        http_client: An ``httpx.AsyncClient`` to send through (you keep ownership of it).
        transport: An ``httpx`` transport for the client we create (e.g. ``MockTransport``).
        verify: TLS verification, as ``httpx`` takes it.
        **httpx_kwargs: Passed on to the ``httpx.AsyncClient`` we create (as ``ollama.AsyncClient`` does).
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
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        project: str | None = None,
        instrumentation: Instrumentation | None = None,
        machine_slots: int | None = None,
        health_gate: bool | HealthGate = False,
        limits: ReplyLimits = DEFAULT_REPLY_LIMITS,
        settings: ClientSettings | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
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
        )
        AdaptiveLimit(max_in_flight)  # validates it
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport,
            verify=verify,
            follow_redirects=follow_redirects,
            headers=self._headers,
            **httpx_kwargs,
        )
        if self._owns_http:
            self._request_headers = None
        self._max_in_flight = max_in_flight
        self._limits: dict[str, tuple[AdaptiveLimit, Condition]] = {}

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def _client(self) -> httpx.AsyncClient:
        """The underlying ``httpx`` client, under the name ``ollama.AsyncClient`` gives it."""
        return self._http

    def _forget_learned_state(self) -> None:
        super()._forget_learned_state()
        for limit, _ in self._limits.values():
            limit.reset()

    async def close(self) -> None:
        """Close the connections this client opened (an injected ``http_client`` stays open)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncSharedOllamaClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -- I/O -------------------------------------------------------------------------------

    def _limit(self, route: HostState) -> tuple[AdaptiveLimit, Condition]:
        entry = self._limits.get(route.base)
        if entry is None:
            entry = self._limits.setdefault(
                route.base, (AdaptiveLimit(self._max_in_flight), Condition())
            )
        return entry

    async def _take_slot(self, route: HostState, phases: PhaseTimeouts) -> BaseFileLock | None:
        limit, condition = self._limit(route)
        async with condition:
            if not await wait_for_room(condition, limit.has_room, phases.pool):
                raise timeout_error("pool", timeout=phases.pool, host=route.base)
            limit.start()
        route.in_flight += 1
        lease = None
        if route.machine is not None:
            try:
                lease = await route.machine.aacquire(phases.pool)
            except BaseException:
                await self._give_slot(route, None, busy=False)
                raise
        return lease

    async def _queue(
        self, route: HostState, phases: PhaseTimeouts, permit: Permit
    ) -> BaseFileLock | None:
        """Wait for a slot; a wait that times out is ours, not the server's: no breaker failure."""
        try:
            return await self._take_slot(route, phases)
        except RequestTimeoutError:
            permit.release()
            raise

    async def _give_slot(self, route: HostState, lease: BaseFileLock | None, *, busy: bool) -> None:
        route.in_flight -= 1
        if lease is not None and route.machine is not None:
            route.machine.release(lease)
        await shielded(self._finish_slot, route, busy=busy)

    async def _finish_slot(self, route: HostState, *, busy: bool) -> None:
        limit, condition = self._limit(route)
        async with condition:
            limit.finish(busy=busy)
            condition.notify_all()

    async def _refresh_routes(self, call: ApiCall[Any]) -> None:
        for route, path in self._stale_routes(call):
            try:
                response = await self._http.get(
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

    async def _with_retries(
        self,
        call: ApiCall[Any],
        attempt: Callable[[float | None, CallProgress], Awaitable[T]],
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
                await self._gate.arequire()
            await self._refresh_routes(call)
            while True:
                try:
                    result = await attempt(deadline, progress)
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
                    await sleep(delay)
                else:
                    self._routes[0].budget.record_success()
                    return result
        except BaseException as exc:
            if observation is not None:
                observation.fail(exc)
            raise

    async def _read_body(self, call: ApiCall[Any], sent: _Sent, *, limit: float | None) -> bytes:
        """Read a whole body within ``max_reply_bytes`` and the reply's deadline, then close it.

        Reading chunk by chunk (not ``response.read()``) stops a decompression bomb at the size
        limit and lets the deadline be checked between reads.
        """
        deadline, phase = self._reply_deadline(call, sent.deadline)
        body = ReplyBody(self._reply_limits.max_reply_bytes)
        try:
            self._limit_reads(sent.response, limit, deadline)
            async for data in sent.response.aiter_bytes():
                body.feed(data)
                self._check_deadline(deadline, sent.route, phase)
        except OversizeError as exc:
            raise error_from_oversize(exc, host=sent.route.base) from None
        except httpx.HTTPError as exc:
            raise self._body_failure(exc, call, sent.route, phase) from exc
        finally:
            await sent.response.aclose()
        return body.content()

    async def _refuse(self, call: ApiCall[Any], sent: _Sent) -> NoReturn:
        """Read an error reply (within the size limit) and raise the error it stands for."""
        body = await self._read_body(call, sent, limit=sent.phases.read)
        status = sent.response.status_code
        raise error_from_status(status, body, model=call.model, host=sent.route.base)

    async def _send(
        self, call: ApiCall[Any], deadline: float | None, progress: CallProgress
    ) -> _Sent:
        """One attempt: choose a host, take a slot, build, send, and map what failed.

        It returns once a successful reply's headers arrived (its body still to read), holding
        the slot; the caller hands it back. An error status is read and raised here.
        """
        route, permit = self._choose(call, progress.tried)
        progress.tried.append(route)
        try:
            phases = self._phase_timeouts(call, deadline, route)
            lease = await self._queue(route, phases, permit)
            if deadline is not None:  # the wait for a slot came out of the call's deadline
                phases = self._phase_timeouts(call, deadline, route)
            busy = False
            try:
                request = self._build_request(self._http, call, phases, route)
                try:
                    response = await self._http.send(
                        request, stream=True, auth=route.auth or USE_CLIENT_DEFAULT
                    )
                except httpx.HTTPError as exc:
                    raise self._map_exception(call, exc, phases, route) from exc
                status = response.status_code
                busy = status in BUSY_STATUSES
                sent = _Sent(response, permit, phases, route, deadline, lease)
                if status >= 400:
                    await self._refuse(call, sent)
            except BaseException:
                await self._give_slot(route, lease, busy=busy)
                raise
        except BaseException as exc:
            permit.record(exc)
            raise
        progress.reply_started = True
        if permit.is_probe:  # the server answers: settle the probe now, not when a long body ends
            permit.success()
        return sent

    async def _attempt(
        self,
        call: ApiCall[T],
        deadline: float | None,
        progress: CallProgress,
        observation: CallObservation | None,
    ) -> T:
        sent = await self._send(call, deadline, progress)
        try:
            try:
                body = await self._read_body(call, sent, limit=sent.phases.read)
            finally:
                await self._give_slot(sent.route, sent.lease, busy=False)
            result = self._complete(call, sent.response.status_code, body, observation, sent.route)
        except BaseException as exc:
            sent.permit.record(exc)
            raise
        sent.permit.success()
        return result

    async def _request(self, call: ApiCall[T]) -> T:
        call = self._stabilize(call)
        observation = self._observe(call)
        return await self._with_retries(
            call,
            lambda deadline, progress: self._attempt(call, deadline, progress, observation),
            observation,
        )

    async def _stream(self, call: ApiCall[T]) -> AsyncIterator[T]:
        call = self._stabilize(call)
        observation = self._observe(call)
        opened = await self._with_retries(
            call,
            lambda deadline, progress: self._send(call, deadline, progress),
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
                async for data in response.aiter_bytes():
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
            await response.aclose()
            await self._give_slot(route, opened.lease, busy=False)

    # -- the Ollama API ----------------------------------------------------------------------
    @overload
    async def chat(
        self,
        model: str = "",
        messages: Sequence[Mapping[str, Any] | Any] | None = None,
        *,
        tools: Sequence[Mapping[str, Any] | Any | Callable[..., Any]] | None = None,
        stream: Literal[False] = False,
        think: bool | str | None = None,
        format: Any = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
    ) -> ChatResponse: ...

    @overload
    async def chat(
        self,
        model: str = "",
        messages: Sequence[Mapping[str, Any] | Any] | None = None,
        *,
        tools: Sequence[Mapping[str, Any] | Any | Callable[..., Any]] | None = None,
        stream: Literal[True],
        think: bool | str | None = None,
        format: Any = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
    ) -> AsyncIterator[ChatResponse]: ...

    @overload
    async def chat(
        self,
        model: str = "",
        messages: Sequence[Mapping[str, Any] | Any] | None = None,
        *,
        tools: Sequence[Mapping[str, Any] | Any | Callable[..., Any]] | None = None,
        stream: bool = False,
        think: bool | str | None = None,
        format: Any = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
    ) -> ChatResponse | AsyncIterator[ChatResponse]: ...

    async def chat(
        self,
        model: str = "",
        messages: Sequence[Mapping[str, Any] | Any] | None = None,
        *,
        tools: Sequence[Mapping[str, Any] | Any | Callable[..., Any]] | None = None,
        stream: bool = False,
        think: bool | str | None = None,
        format: Any = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
    ) -> ChatResponse | AsyncIterator[ChatResponse]:
        """Chat with a model (``POST /api/chat``); ``stream=True`` yields chunks as they come.

        Raises:
            ModelNotFoundError: The model is not on the server.
            CapabilityError: The model cannot use ``tools``, ``images`` or ``think``.
            StreamInterruptedError: A stream broke after its first chunk (``.partial`` kept).
        """
        call = _calls.chat_call(
            model,
            messages,
            tools=tools,
            stream=stream,
            think=think,
            format=format,
            options=options,
            keep_alive=keep_alive,
            logprobs=logprobs,
            top_logprobs=top_logprobs,
        )
        if stream:
            return self._stream(call)
        return await self._request(call)

    @overload
    async def generate(
        self,
        model: str = "",
        prompt: str | None = None,
        suffix: str | None = None,
        *,
        system: str | None = None,
        template: str | None = None,
        context: Sequence[int] | None = None,
        stream: Literal[False] = False,
        think: bool | str | None = None,
        raw: bool | None = None,
        format: Any = None,
        images: Sequence[str | bytes | Any] | None = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
        width: int | None = None,
        height: int | None = None,
        steps: int | None = None,
    ) -> GenerateResponse: ...

    @overload
    async def generate(
        self,
        model: str = "",
        prompt: str | None = None,
        suffix: str | None = None,
        *,
        system: str | None = None,
        template: str | None = None,
        context: Sequence[int] | None = None,
        stream: Literal[True],
        think: bool | str | None = None,
        raw: bool | None = None,
        format: Any = None,
        images: Sequence[str | bytes | Any] | None = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
        width: int | None = None,
        height: int | None = None,
        steps: int | None = None,
    ) -> AsyncIterator[GenerateResponse]: ...

    @overload
    async def generate(
        self,
        model: str = "",
        prompt: str | None = None,
        suffix: str | None = None,
        *,
        system: str | None = None,
        template: str | None = None,
        context: Sequence[int] | None = None,
        stream: bool = False,
        think: bool | str | None = None,
        raw: bool | None = None,
        format: Any = None,
        images: Sequence[str | bytes | Any] | None = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
        width: int | None = None,
        height: int | None = None,
        steps: int | None = None,
    ) -> GenerateResponse | AsyncIterator[GenerateResponse]: ...

    async def generate(
        self,
        model: str = "",
        prompt: str | None = None,
        suffix: str | None = None,
        *,
        system: str | None = None,
        template: str | None = None,
        context: Sequence[int] | None = None,
        stream: bool = False,
        think: bool | str | None = None,
        raw: bool | None = None,
        format: Any = None,
        images: Sequence[str | bytes | Any] | None = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
        width: int | None = None,
        height: int | None = None,
        steps: int | None = None,
    ) -> GenerateResponse | AsyncIterator[GenerateResponse]:
        """Complete a prompt (``POST /api/generate``); ``stream=True`` yields chunks."""
        call = _calls.generate_call(
            model,
            prompt,
            suffix,
            system=system,
            template=template,
            context=context,
            stream=stream,
            think=think,
            raw=raw,
            format=format,
            images=images,
            options=options,
            keep_alive=keep_alive,
            logprobs=logprobs,
            top_logprobs=top_logprobs,
            width=width,
            height=height,
            steps=steps,
        )
        if stream:
            return self._stream(call)
        return await self._request(call)

    async def embed(
        self,
        model: str = "",
        input: str | Sequence[str] = "",
        truncate: bool | None = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        dimensions: int | None = None,
    ) -> EmbedResponse:
        """Embed one text or a batch (``POST /api/embed``); one vector per input, in order."""
        return await self._request(
            _calls.embed_call(
                model,
                input,
                truncate=truncate,
                options=options,
                keep_alive=keep_alive,
                dimensions=dimensions,
            )
        )

    async def embeddings(
        self,
        model: str = "",
        prompt: str | None = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
    ) -> EmbeddingsResponse:
        """Embed one prompt with the legacy ``/api/embeddings`` (prefer :meth:`embed`)."""
        return await self._request(
            _calls.embeddings_call(model, prompt, options=options, keep_alive=keep_alive)
        )

    @overload
    async def pull(
        self, model: str, *, insecure: bool = False, stream: Literal[False] = False
    ) -> ProgressResponse: ...

    @overload
    async def pull(
        self, model: str, *, insecure: bool = False, stream: Literal[True]
    ) -> AsyncIterator[ProgressResponse]: ...

    async def pull(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> ProgressResponse | AsyncIterator[ProgressResponse]:
        """Download a model (``POST /api/pull``); ``stream=True`` yields progress."""
        call = _calls.pull_call(model, insecure=insecure, stream=stream)
        if stream:
            return self._stream(call)
        return await self._request(call)

    @overload
    async def push(
        self, model: str, *, insecure: bool = False, stream: Literal[False] = False
    ) -> ProgressResponse: ...

    @overload
    async def push(
        self, model: str, *, insecure: bool = False, stream: Literal[True]
    ) -> AsyncIterator[ProgressResponse]: ...

    async def push(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> ProgressResponse | AsyncIterator[ProgressResponse]:
        """Upload a model to a registry (``POST /api/push``); ``stream=True`` yields progress."""
        call = _calls.push_call(model, insecure=insecure, stream=stream)
        if stream:
            return self._stream(call)
        return await self._request(call)

    async def create(
        self,
        model: str,
        quantize: str | None = None,
        from_: str | None = None,
        files: Mapping[str, str] | None = None,
        adapters: Mapping[str, str] | None = None,
        template: str | None = None,
        license: str | Sequence[str] | None = None,
        system: str | None = None,
        parameters: Mapping[str, Any] | Any | None = None,
        messages: Sequence[Mapping[str, Any] | Any] | None = None,
        *,
        stream: bool = False,
    ) -> ProgressResponse | AsyncIterator[ProgressResponse]:
        """Create a model (``POST /api/create``); ``stream=True`` yields progress."""
        call = _calls.create_call(
            model,
            quantize=quantize,
            from_=from_,
            files=files,
            adapters=adapters,
            template=template,
            license=license,
            system=system,
            parameters=parameters,
            messages=messages,
            stream=stream,
        )
        if stream:
            return self._stream(call)
        return await self._request(call)

    async def create_blob(self, path: str | PathLike[str]) -> str:
        """Upload a file as a blob (``POST /api/blobs/<digest>``), as ``ollama.Client`` does.

        Returns:
            The blob's digest, ``sha256:<hex>``, to use in :meth:`create`'s ``files``.
        """
        file = Path(path)
        digest = _calls.file_digest(file)
        url = f"{self._base}/api/blobs/{digest}"
        try:
            auth = self._routes[0].auth or USE_CLIENT_DEFAULT
            async with open_blob(file) as content:
                response = await self._http.post(
                    url, content=content, headers=self._headers, auth=auth
                )
        except httpx.HTTPError as exc:
            raise error_from_exception(exc, host=self._base, model=None) from exc
        if response.status_code >= 400:
            raise error_from_status(
                response.status_code, response.content, model=None, host=self._base
            )
        return digest

    async def list(self) -> ListResponse:
        """The models on the server (``GET /api/tags``)."""
        return await self._request(_calls.list_call())

    async def show(self, model: str) -> ShowResponse:
        """A model's details, template, parameters and capabilities (``POST /api/show``)."""
        return await self._request(_calls.show_call(model))

    async def ps(self) -> ProcessResponse:
        """The models loaded in memory now (``GET /api/ps``)."""
        return await self._request(_calls.ps_call())

    async def copy(self, source: str, destination: str) -> StatusResponse:
        """Copy a model under a new name (``POST /api/copy``)."""
        return await self._request(_calls.copy_call(source, destination))

    async def delete(self, model: str) -> StatusResponse:
        """Delete a model from the server (``DELETE /api/delete``)."""
        return await self._request(_calls.delete_call(model))

    async def version(self) -> VersionResponse:
        """The server's version (``GET /api/version``), the cheapest health probe."""
        return await self._request(_calls.version_call())
