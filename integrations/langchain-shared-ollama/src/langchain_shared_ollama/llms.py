"""``SharedOllamaLLM``: LangChain's text-completion interface over ``/api/generate``.

A public module (``langchain_shared_ollama.llms``), as LangChain's partner packages have one.
Thin I/O shells: requests come from :func:`~langchain_shared_ollama._request.generate_request`;
answers are translated by the pure functions at the end of this module, for sync and async
alike. The text is ``response``. ``generation_info`` carries, on the final response only, the
same metadata chat results carry in ``response_metadata`` (``model_name``, ``model_provider``,
``done_reason``, token counts, durations) plus ``context`` when Ollama sends it; thinking
(``reasoning=True``) is kept under ``generation_info["thinking"]`` on every chunk that has some,
so an aggregated stream holds the whole of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models import BaseLLM, LangSmithParams
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from pydantic import model_validator
from typing_extensions import Self

from langchain_shared_ollama._chat_output import response_metadata
from langchain_shared_ollama._request import (
    RequestDefaults,
    generate_request,
    reconcile_max_tokens,
    resolve_stop,
)
from langchain_shared_ollama._shared_fields import (
    ConnectionFields,
    SamplingFields,
    Serialized,
    langsmith_params,
)

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )

__all__ = ["SharedOllamaLLM"]


class SharedOllamaLLM(Serialized, BaseLLM, ConnectionFields, SamplingFields):
    """Complete text with a model on a shared Ollama server (``/api/generate``).

    A drop-in replacement for ``langchain_ollama.OllamaLLM``: the same constructor fields with
    the same meaning, plus ``max_tokens`` (alias of ``num_predict``), ``timeout``,
    ``max_retries``, ``streaming``, ``api_key`` and injected ``client``/``async_client``.
    ``invoke`` sends one request with ``stream=false``; ``stream`` streams.

    Per-call keyword arguments can also pass ``system``, ``template``, ``suffix``, ``raw``,
    ``context`` and ``images`` through to Ollama.

    Example:
        ```python
        from langchain_shared_ollama import SharedOllamaLLM

        llm = SharedOllamaLLM(model="llama3.2")
        llm.invoke("The first man on the moon was")
        ```
    """

    model: str
    """Name of the Ollama model."""

    reasoning: bool | str | None = None
    """Thinking mode (Ollama's ``think``); the thinking is returned in
    ``generation_info["thinking"]``. ``None`` keeps the model's default."""

    format: Literal["", "json"] | dict[str, Any] = ""
    """Output format: ``"json"``, a JSON schema, or ``""`` for free text."""

    keep_alive: int | str | None = None
    """How long the model stays loaded after a call: seconds, or a duration like ``"5m"``."""

    max_tokens: int | None = None
    """LangChain's name for ``num_predict``: the most tokens to generate."""

    streaming: bool = False
    """Stream from Ollama even in ``invoke``, reporting each token to the callbacks."""

    @model_validator(mode="after")
    def _prepare(self) -> Self:
        self.num_predict = reconcile_max_tokens(self.num_predict, self.max_tokens)
        self._check_connection()
        if self.validate_model_on_init:
            self._check_model(self.model)
        return self

    @property
    def _llm_type(self) -> str:
        return "shared-ollama-llm"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self._option_values()}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """Return LangSmith's standard parameters, honouring a per-call ``model``."""
        return langsmith_params(self, "llm", stop, kwargs)

    def _request(
        self, prompt: str, stop: list[str] | None, call: dict[str, Any], *, stream: bool
    ) -> dict[str, Any]:
        defaults = RequestDefaults(
            model=self.model,
            options=self._option_values(),
            stop=resolve_stop(self.stop, stop),
            think=self.reasoning,
            format=self.format,
            keep_alive=self.keep_alive,
        )
        return generate_request(defaults, prompt, call, stream=stream)

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        generations: list[list[Generation]] = []
        for prompt in prompts:
            if self.streaming:
                chunks = list(self._stream(prompt, stop, run_manager, **kwargs))
                generations.append([_merged(chunks)])
            else:
                request = self._request(prompt, stop, kwargs, stream=False)
                generations.append([_generation(self._clients.sync().generate(**request))])
        return LLMResult(generations=generations)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        generations: list[list[Generation]] = []
        for prompt in prompts:
            if self.streaming:
                chunks = [c async for c in self._astream(prompt, stop, run_manager, **kwargs)]
                generations.append([_merged(chunks)])
            else:
                request = self._request(prompt, stop, kwargs, stream=False)
                response = await self._clients.async_().generate(**request)
                generations.append([_generation(response)])
        return LLMResult(generations=generations)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        request = self._request(prompt, stop, kwargs, stream=True)
        for part in self._clients.sync().generate(**request):
            chunk = _generation_chunk(part)
            if run_manager is not None:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk, verbose=self.verbose)
            yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        request = self._request(prompt, stop, kwargs, stream=True)
        async for part in await self._clients.async_().generate(**request):
            chunk = _generation_chunk(part)
            if run_manager is not None:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk, verbose=self.verbose)
            yield chunk


def _merged(chunks: list[GenerationChunk]) -> GenerationChunk:
    """Return the chunks of one stream added together.

    Raises:
        shared_ollama.StreamInterruptedError: The stream ended before its first chunk.
    """
    if not chunks:
        from shared_ollama import StreamInterruptedError  # noqa: PLC0415 (core loads on first use)

        raise StreamInterruptedError(
            "Ollama's stream ended before its first chunk; retry the call",
            partial="",
            chunks_received=0,
            error="empty stream",
        )
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    return total


def _info(response: Any) -> dict[str, Any] | None:
    info: dict[str, Any] = {}
    if response.thinking:
        info["thinking"] = response.thinking
    if response.done:
        info.update(response_metadata(response))
        if response.context:
            info["context"] = list(response.context)
    return info or None


def _generation(response: Any) -> Generation:
    """Return the generation for one non-streamed ``/api/generate`` response."""
    return Generation(text=response.response or "", generation_info=_info(response))


def _generation_chunk(response: Any) -> GenerationChunk:
    """Return the chunk for one chunk of an ``/api/generate`` stream."""
    if not response.done and not response.thinking:
        return GenerationChunk(text=response.response or "")
    return GenerationChunk(text=response.response or "", generation_info=_info(response))
