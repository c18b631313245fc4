"""The synchronous client: a drop-in replacement for ``ollama.Client``.

Generated from its async twin by ``python tools/unasync.py``: do not edit by hand.

The Ollama API, method by method: each builds its call (pure, ``_calls``) and hands it to the
I/O of :class:`~shared_ollama._core._sync_shell.Shell`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import httpx
from httpx import USE_CLIENT_DEFAULT

from shared_ollama._core import _calls
from shared_ollama._core._error_mapping import (
    error_from_exception,
    error_from_status,
)
from shared_ollama._core._sync_io import open_blob
from shared_ollama._core._sync_shell import Shell
from shared_ollama._responses import (
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
    pass

__all__ = ["SharedOllamaClient"]


class SharedOllamaClient(Shell):
    """Synchronous Ollama client with host discovery, retries, a breaker and load-aware timeouts.

    A drop-in replacement for ``ollama.Client``: the same methods, arguments and return types.

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
        project: Project name for analytics and fair share (see ``BaseClient``).
        priority: ``"interactive"``, ``"normal"`` or ``"batch"`` for the machine-wide slots
            (default ``SHARED_OLLAMA_PRIORITY``, else ``"normal"``).
        instrumentation: Telemetry sink (default: the global OpenTelemetry providers).
        machine_slots: Requests in flight to each host from all of this user's processes
            together (default ``SHARED_OLLAMA_MACHINE_SLOTS``; unset: no machine-wide cap).
        health_gate: Check the server's health before calls and fail fast when it is down.
        limits: Size limits for one stream line and one whole reply (see ``ReplyLimits``).
        settings: What to take from the environment (default: read it now).
        http_client: An ``httpx.Client`` to send through (you keep ownership of it).
        transport: An ``httpx`` transport for the client we create (e.g. ``MockTransport``).
        verify: TLS verification, as ``httpx`` takes it.
        **httpx_kwargs: Passed on to the ``httpx.Client`` we create (as ``ollama.Client`` does).
    """

    # -- the Ollama API ----------------------------------------------------------------------
    @overload
    def chat(
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
    def chat(
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
    ) -> Iterator[ChatResponse]: ...

    @overload
    def chat(
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
    ) -> ChatResponse | Iterator[ChatResponse]: ...

    def chat(
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
    ) -> ChatResponse | Iterator[ChatResponse]:
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
        return self._request(call)

    @overload
    def generate(
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
    def generate(
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
    ) -> Iterator[GenerateResponse]: ...

    @overload
    def generate(
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
    ) -> GenerateResponse | Iterator[GenerateResponse]: ...

    def generate(
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
    ) -> GenerateResponse | Iterator[GenerateResponse]:
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
        return self._request(call)

    def embed(
        self,
        model: str = "",
        input: str | Sequence[str] = "",
        truncate: bool | None = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
        dimensions: int | None = None,
    ) -> EmbedResponse:
        """Embed one text or a batch (``POST /api/embed``); one vector per input, in order."""
        return self._request(
            _calls.embed_call(
                model,
                input,
                truncate=truncate,
                options=options,
                keep_alive=keep_alive,
                dimensions=dimensions,
            )
        )

    def embeddings(
        self,
        model: str = "",
        prompt: str | None = None,
        options: Mapping[str, Any] | Any | None = None,
        keep_alive: float | str | None = None,
    ) -> EmbeddingsResponse:
        """Embed one prompt with the legacy ``/api/embeddings`` (prefer :meth:`embed`)."""
        return self._request(
            _calls.embeddings_call(model, prompt, options=options, keep_alive=keep_alive)
        )

    @overload
    def pull(
        self, model: str, *, insecure: bool = False, stream: Literal[False] = False
    ) -> ProgressResponse: ...

    @overload
    def pull(
        self, model: str, *, insecure: bool = False, stream: Literal[True]
    ) -> Iterator[ProgressResponse]: ...

    def pull(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> ProgressResponse | Iterator[ProgressResponse]:
        """Download a model (``POST /api/pull``); ``stream=True`` yields progress."""
        call = _calls.pull_call(model, insecure=insecure, stream=stream)
        if stream:
            return self._stream(call)
        return self._request(call)

    @overload
    def push(
        self, model: str, *, insecure: bool = False, stream: Literal[False] = False
    ) -> ProgressResponse: ...

    @overload
    def push(
        self, model: str, *, insecure: bool = False, stream: Literal[True]
    ) -> Iterator[ProgressResponse]: ...

    def push(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> ProgressResponse | Iterator[ProgressResponse]:
        """Upload a model to a registry (``POST /api/push``); ``stream=True`` yields progress."""
        call = _calls.push_call(model, insecure=insecure, stream=stream)
        if stream:
            return self._stream(call)
        return self._request(call)

    def create(
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
    ) -> ProgressResponse | Iterator[ProgressResponse]:
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
        return self._request(call)

    def create_blob(self, path: str | PathLike[str]) -> str:
        """Upload a file as a blob (``POST /api/blobs/<digest>``), as ``ollama.Client`` does.

        Returns:
            The blob's digest, ``sha256:<hex>``, to use in :meth:`create`'s ``files``.
        """
        file = Path(path)
        digest = _calls.file_digest(file)
        url = f"{self._base}/api/blobs/{digest}"
        try:
            auth = self._routes[0].auth or USE_CLIENT_DEFAULT
            with open_blob(file) as content:
                response = self._http.current().post(
                    url, content=content, headers=self._headers, auth=auth
                )
        except httpx.HTTPError as exc:
            raise error_from_exception(exc, host=self._base, model=None) from exc
        if response.status_code >= 400:
            raise error_from_status(
                response.status_code, response.content, model=None, host=self._base
            )
        return digest

    def list(self) -> ListResponse:
        """The models on the server (``GET /api/tags``)."""
        return self._request(_calls.list_call())

    def show(self, model: str) -> ShowResponse:
        """A model's details, template, parameters and capabilities (``POST /api/show``)."""
        return self._request(_calls.show_call(model))

    def ps(self) -> ProcessResponse:
        """The models loaded in memory now (``GET /api/ps``)."""
        return self._request(_calls.ps_call())

    def copy(self, source: str, destination: str) -> StatusResponse:
        """Copy a model under a new name (``POST /api/copy``)."""
        return self._request(_calls.copy_call(source, destination))

    def delete(self, model: str) -> StatusResponse:
        """Delete a model from the server (``DELETE /api/delete``)."""
        return self._request(_calls.delete_call(model))

    def version(self) -> VersionResponse:
        """The server's version (``GET /api/version``), the cheapest health probe."""
        return self._request(_calls.version_call())
