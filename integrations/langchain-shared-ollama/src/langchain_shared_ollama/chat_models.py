"""``ChatSharedOllama``: LangChain's chat model interface over the shared-ollama core client.

A public module (``langchain_shared_ollama.chat_models``), as LangChain's partner packages have
one, so the serialized path is public and stable. The methods here only do I/O: the request is built by :mod:`~langchain_shared_ollama._request`
from messages translated by :mod:`~langchain_shared_ollama._messages`, and every answer is turned
into LangChain objects by :mod:`~langchain_shared_ollama._chat_output`, the same code for sync
and async.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models import BaseChatModel, LangSmithParams, ModelProfile
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import model_validator
from typing_extensions import Self

from langchain_shared_ollama._chat_output import ai_message, chat_chunk
from langchain_shared_ollama._messages import to_ollama_messages
from langchain_shared_ollama._profile import STATIC_PROFILE, profile_from_show
from langchain_shared_ollama._request import (
    RequestDefaults,
    chat_request,
    reconcile_max_tokens,
    resolve_stop,
)
from langchain_shared_ollama._shared_fields import (
    ConnectionFields,
    SamplingFields,
    Serialized,
    langsmith_params,
)
from langchain_shared_ollama._structured_output import StructuredOutputMethod, structured_output
from langchain_shared_ollama._tools import ToolChoice, format_tools, select_tools

if TYPE_CHECKING:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForLLMRun,
        CallbackManagerForLLMRun,
    )
    from langchain_core.language_models import LanguageModelInput
    from langchain_core.messages import AIMessage, BaseMessage
    from langchain_core.runnables import Runnable
    from langchain_core.tools import BaseTool

__all__ = ["ChatSharedOllama"]


class ChatSharedOllama(Serialized, BaseChatModel, ConnectionFields, SamplingFields):
    """Chat with a model on a shared Ollama server, through shared-ollama's resilient client.

    A drop-in replacement for ``langchain_ollama.ChatOllama``: every constructor field has the
    same name and meaning (``model``, ``base_url``, ``temperature``, ``num_ctx``, ``reasoning``,
    ``format``, ``client_kwargs``, ...). On top, LangChain's standard ``max_tokens`` (alias of
    ``num_predict``), ``timeout``, ``max_retries`` and ``streaming`` fields, ``api_key``, and
    ``client=``/``async_client=`` to inject ready core clients. Host discovery, retries, the
    circuit breaker, load-aware timeouts and the per-client concurrency cap come from
    :class:`shared_ollama.SharedOllamaClient`.

    ``invoke`` sends one request with ``stream=false`` and reads one JSON answer; only
    ``stream``/``astream`` (or ``streaming=True``, or a streaming callback) use Ollama's
    streaming. Building the model sends nothing unless ``validate_model_on_init=True``.

    Tool calling: ``bind_tools(tools, tool_choice=...)``. Ollama has no ``tool_choice``:
    ``"none"``/``False`` sends no tools and a tool name sends only that tool, so those are
    enforced; ``"any"``/``"required"``/``True`` cannot be: the model may still answer in text.
    The model's template must support tools, or Ollama answers with an error.

    Reasoning: ``reasoning=True`` (or ``"low"``/``"medium"``/``"high"`` for models with levels)
    asks Ollama to think separately; the thinking comes back in
    ``additional_kwargs["reasoning_content"]`` (a ``reasoning`` block in ``content_blocks``).

    Example:
        ```python
        from langchain_shared_ollama import ChatSharedOllama

        model = ChatSharedOllama(model="llama3.2", temperature=0)
        model.invoke("Why is the sky blue?")
        ```
    """

    model: str
    """Name of the Ollama model, e.g. ``llama3.2`` or ``qwen3:8b``."""

    reasoning: bool | str | None = None
    """Thinking mode (Ollama's ``think``) for models that can think.

    ``True`` thinks and returns the thinking in ``additional_kwargs["reasoning_content"]``;
    ``False`` turns thinking off; ``None`` leaves the model's default (a model that thinks by
    default may then put its thinking inside the text); ``"low"``, ``"medium"`` or ``"high"``
    set the effort for models that support levels.
    """

    format: Literal["", "json"] | dict[str, Any] | None = None
    """Output format: ``"json"`` or a JSON schema the output must follow."""

    keep_alive: int | str | None = None
    """How long the model stays loaded after a call: seconds, or a duration like ``"5m"``."""

    logprobs: bool | None = None
    """Return the log probability of each generated token in ``response_metadata["logprobs"]``."""

    top_logprobs: int | None = None
    """Also return this many most likely alternatives per token (turns ``logprobs`` on)."""

    max_tokens: int | None = None
    """LangChain's name for ``num_predict``: the most tokens to generate."""

    streaming: bool = False
    """Stream from Ollama even in ``invoke`` (useful with callbacks that show tokens)."""

    @model_validator(mode="after")
    def _prepare(self) -> Self:
        if self.top_logprobs is not None:
            if self.top_logprobs < 1:
                raise ValueError(f"top_logprobs={self.top_logprobs} must be 1 or more")
            if self.logprobs is False:
                raise ValueError(
                    "top_logprobs is set but logprobs=False: set logprobs=True or drop top_logprobs"
                )
            self.logprobs = True
        self.num_predict = reconcile_max_tokens(self.num_predict, self.max_tokens)
        self._check_connection()
        if self.validate_model_on_init:
            show = self._check_model(self.model)
            if self.profile is None or self.profile == STATIC_PROFILE:  # not the user's own
                self.profile = profile_from_show(show)
        return self

    def _resolve_model_profile(self) -> ModelProfile | None:
        """Return what holds for every Ollama model; ``fetch_profile`` learns the rest."""
        return ModelProfile(**STATIC_PROFILE)

    @property
    def _llm_type(self) -> str:
        return "chat-shared-ollama"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **self._option_values()}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """Return LangSmith's standard parameters, honouring a per-call ``model``."""
        return langsmith_params(self, "chat", stop, kwargs)

    # -- profile -------------------------------------------------------------------------

    def fetch_profile(self) -> ModelProfile:
        """Ask the server about the model (``/api/show``), store the result in ``profile``.

        Returns:
            The profile: context length, tool calling, image input, reasoning.
        """
        self.profile = profile_from_show(self._clients.sync().show(self.model))
        return self.profile

    async def afetch_profile(self) -> ModelProfile:
        """Async twin of :meth:`fetch_profile`."""
        self.profile = profile_from_show(await self._clients.async_().show(self.model))
        return self.profile

    # -- requests ------------------------------------------------------------------------

    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        call: dict[str, Any],
        *,
        stream: bool,
    ) -> dict[str, Any]:
        defaults = RequestDefaults(
            model=self.model,
            options=self._option_values(),
            stop=resolve_stop(self.stop, stop),
            think=self.reasoning,
            format=self.format,
            keep_alive=self.keep_alive,
            logprobs=self.logprobs,
            top_logprobs=self.top_logprobs,
        )
        return chat_request(defaults, to_ollama_messages(messages), call, stream=stream)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._request(messages, stop, kwargs, stream=False)
        response = self._clients.sync().chat(**request)
        return ChatResult(generations=[ChatGeneration(message=ai_message(response))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._request(messages, stop, kwargs, stream=False)
        response = await self._clients.async_().chat(**request)
        return ChatResult(generations=[ChatGeneration(message=ai_message(response))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, kwargs, stream=True)
        for part in self._clients.sync().chat(**request):
            chunk = chat_chunk(part)
            if chunk is not None:
                yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self._request(messages, stop, kwargs, stream=True)
        async for part in await self._clients.async_().chat(**request):
            chunk = chat_chunk(part)
            if chunk is not None:
                yield chunk

    # -- tools and structured output -------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: ToolChoice = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (functions, pydantic classes, ``BaseTool``, dicts) to every call.

        Args:
            tools: Tool definitions, anything ``convert_to_openai_tool`` accepts.
            tool_choice: ``None``/``"auto"``: the model decides. ``"none"``/``False``: no tools
                are sent. A tool name (or ``{"type": "function", "function": {"name": ...}}``):
                only that tool is sent, so no other can be called. ``"any"``/``"required"``/
                ``True``: **not enforced**, Ollama cannot force a tool call; all tools are sent.
            **kwargs: Other arguments bound to every call (see ``invoke``).

        Raises:
            ValueError: ``tool_choice`` names a tool that is not in ``tools``.
        """
        formatted = format_tools(tools)
        select_tools(formatted, tool_choice)
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredOutputMethod = "json_schema",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """Return a runnable whose output follows ``schema``.

        Args:
            schema: A pydantic class (the output is an instance), a ``TypedDict`` class, a JSON
                schema or an OpenAI function schema (the output is a ``dict``). Optional only
                for ``json_mode``.
            method: ``"json_schema"`` (default) sends the schema as Ollama's ``format`` so
                decoding is constrained to it; ``"function_calling"`` binds it as the only tool
                (needs a model with tool support; the call cannot be forced);
                ``"json_mode"`` sends ``format="json"`` and relies on the prompt for the shape.
            include_raw: Return ``{"raw": AIMessage, "parsed": ..., "parsing_error": ...}``
                instead of raising when parsing fails.
            strict: Accepted for compatibility; Ollama's schema-constrained output is always
                strict and tool calls cannot be made so.
            **kwargs: Not supported; any value raises ``ValueError``.

        Raises:
            ValueError: Unknown arguments, an unknown ``method``, or no ``schema`` where one is
                needed.
        """
        if kwargs:
            raise ValueError(f"with_structured_output got unsupported arguments {sorted(kwargs)}")
        return structured_output(self, schema, method=method, include_raw=include_raw)
