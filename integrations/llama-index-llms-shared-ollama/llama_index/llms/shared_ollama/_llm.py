"""``SharedOllama``: a LlamaIndex function-calling LLM on shared-ollama's core client.

The class is a thin shell: requests are built by :mod:`._request` and :mod:`._messages`,
replies converted by :mod:`._responses` (streams by :mod:`._streams`), tool calls handled by :mod:`._tools`, metadata derived
by :mod:`._metadata` and structured output by :mod:`._structured`. Sync and async methods differ
only in the client they call.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Generator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.bridge.pydantic import Field
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.program.utils import FlexibleModel
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import Model, PydanticProgramMode

from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient, SharedOllamaError
from shared_ollama.plugins import SharedClients, client_recipe

from ._messages import to_ollama_messages
from ._metadata import ModelFacts, llm_metadata, model_facts
from ._request import CALL_KEYS, DEFAULT_KEEP_ALIVE, Thinking, chat_arguments
from ._responses import to_chat_response
from ._state import LLMState
from ._streams import achat_stream, astructured_stream, chat_stream, structured_stream
from ._structured import parse_structured, with_schema
from ._tools import conversation, keep_first_tool_call, tool_selections, tool_specs

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["SharedOllama"]

dispatcher = get_dispatcher(__name__)
logger = logging.getLogger(__name__)


class SharedOllama(FunctionCallingLLM):
    """LlamaIndex LLM for Ollama through shared-ollama's resilient core client.

    A drop-in for ``llama_index.llms.ollama.Ollama``: the same fields with the same meaning,
    plus an injectable core client. Unlike it, ``base_url=None`` finds the server the way
    every shared-ollama client does (``SHARED_OLLAMA_URL``, ``OLLAMA_BASE_URL``, ``OLLAMA_HOST``,
    then ``http://127.0.0.1:11434``); ``keep_alive`` really defaults to ``"5m"``; a call's
    ``think=False`` overrides ``thinking``; and ``num_ctx`` is sent only when ``context_window``
    is set. Nothing touches the network until the first call; ``metadata`` asks ``/api/show``
    once per model, and only for what was not configured.

    Example:
        >>> from llama_index.core import Settings
        >>> Settings.llm = SharedOllama(model="llama3.2", request_timeout=120.0)
    """

    base_url: str | None = Field(
        default=None,
        description=(
            "Ollama server URL; None resolves SHARED_OLLAMA_URL, OLLAMA_BASE_URL, OLLAMA_HOST, "
            "then http://127.0.0.1:11434."
        ),
    )
    model: str = Field(description="The Ollama model to use, e.g. 'llama3.2'.")
    temperature: float | None = Field(
        default=None, description="Sampling temperature; None keeps the model's own."
    )
    context_window: int = Field(
        default=-1,
        description=(
            "Context size in tokens. When set it is sent as num_ctx; -1 reports the model's "
            "size from /api/show and leaves num_ctx to the server."
        ),
    )
    request_timeout: float | None = Field(
        default=None,
        description=(
            "Seconds allowed for each phase of a request; None uses shared-ollama's load-aware "
            "timeouts (long while a model loads, short between stream chunks)."
        ),
    )
    prompt_key: str = Field(
        default="prompt",
        description="Accepted for compatibility with Ollama; unused, since every call uses chat.",
    )
    json_mode: bool = Field(
        default=False, description="Ask Ollama for JSON (format='json') unless a call says else."
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra Ollama options (top_k, num_predict, stop, seed...).",
    )
    is_function_calling_model: bool = Field(
        default=True,
        description=(
            "Whether the model can call tools. When not given, metadata asks the server "
            "(capabilities) and this value is only the fallback."
        ),
    )
    keep_alive: float | str | None = Field(
        default=DEFAULT_KEEP_ALIVE,
        description=(
            "How long the model stays loaded after a call (default '5m', Ollama's documented "
            "value); None leaves it to the server."
        ),
    )
    thinking: Thinking | None = Field(
        default=None,
        description=(
            "Default for think: True/False, or 'low'/'medium'/'high' for models that grade it; "
            "None leaves it to the model. A call's think= overrides it."
        ),
    )
    headers: dict[str, str] | None = Field(
        default=None, description="Extra HTTP headers for every request (e.g. Authorization)."
    )
    project: str | None = Field(
        default=None,
        description=(
            "The calling project, for fair share on shared slots and analytics (default "
            "SHARED_OLLAMA_PROJECT)."
        ),
    )
    priority: Literal["interactive", "normal", "batch"] | None = Field(
        default=None,
        description=(
            "Who gets a free machine-wide slot first (default SHARED_OLLAMA_PRIORITY, else "
            "'normal')."
        ),
    )

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        temperature: float | None = None,
        context_window: int = -1,
        request_timeout: float | None = None,
        prompt_key: str = "prompt",
        json_mode: bool = False,
        additional_kwargs: dict[str, Any] | None = None,
        is_function_calling_model: bool | None = None,
        keep_alive: float | str | None = DEFAULT_KEEP_ALIVE,
        thinking: Thinking | None = None,
        headers: dict[str, str] | None = None,
        project: str | None = None,
        priority: Literal["interactive", "normal", "batch"] | None = None,
        client: SharedOllamaClient | None = None,
        async_client: AsyncSharedOllamaClient | None = None,
        **kwargs: Any,
    ) -> None:
        if is_function_calling_model is not None:
            kwargs["is_function_calling_model"] = is_function_calling_model
        super().__init__(
            model=model,
            base_url=base_url,
            temperature=temperature,
            context_window=context_window,
            request_timeout=request_timeout,
            prompt_key=prompt_key,
            json_mode=json_mode,
            additional_kwargs=additional_kwargs or {},
            keep_alive=keep_alive,
            thinking=thinking,
            headers=headers,
            project=project,
            priority=priority,
            **kwargs,
        )
        if client is not None or async_client is not None:
            self._state.clients = SharedClients(
                client_recipe(self.base_url, self._client_options()),
                sync_client=client,
                async_client=async_client,
            )

    @classmethod
    def class_name(cls) -> str:
        """The name LlamaIndex serializes this class under."""
        return "SharedOllama_llm"

    # -- clients -------------------------------------------------------------------------

    @cached_property
    def _state(self) -> LLMState:
        # A cached_property lives in the instance __dict__: read at the cost of a plain
        # attribute, where each pydantic private attribute costs a failed lookup first.
        return LLMState()

    def _client_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.request_timeout is not None:
            options["timeout"] = self.request_timeout
        if self.headers:
            options["headers"] = dict(self.headers)
        if self.project is not None:
            options["project"] = self.project
        if self.priority is not None:
            options["priority"] = self.priority
        return options

    def _clients(self) -> SharedClients:
        state = self._state
        if state.clients is None:
            state.clients = SharedClients(client_recipe(self.base_url, self._client_options()))
        return state.clients

    @property
    def client(self) -> SharedOllamaClient:
        """The sync core client: the injected one, else the one shared by equal settings.

        LLMs with equal ``base_url``, ``request_timeout`` and ``headers`` share one client per
        process (see :class:`shared_ollama.plugins.SharedClients`).
        """
        return self._clients().sync()

    @property
    def async_client(self) -> AsyncSharedOllamaClient:
        """The async core client of the running event loop: injected, else shared per loop."""
        return self._clients().async_()

    # -- metadata ------------------------------------------------------------------------

    def _explicit_function_calling(self) -> bool | None:
        if "is_function_calling_model" in self.model_fields_set:
            return self.is_function_calling_model
        return None

    def _cached_facts(self) -> ModelFacts | None:
        facts = self._state.facts
        if facts is not None and facts[0] == self.model:
            return facts[1]
        return None

    def _needs_facts(self) -> bool:
        return self.context_window <= 0 or self._explicit_function_calling() is None

    def _known_metadata(self, facts: ModelFacts | None) -> tuple[LLMMetadata, dict[str, Any]]:
        """Metadata and event payload from what is known, rebuilt only when an input changed."""
        function_calling = self._explicit_function_calling()
        key = (
            self.model,
            self.context_window,
            function_calling,
            facts,
            self.additional_kwargs.get("num_predict"),
        )
        cached = self._state.metadata
        if cached is not None and cached[0] == key:
            return cached[1], cached[2]
        metadata = llm_metadata(
            model=self.model,
            context_window=self.context_window,
            function_calling=function_calling,
            additional_kwargs=self.additional_kwargs,
            facts=facts,
        )
        payload = {"class_name": self.class_name(), **metadata.model_dump()}
        self._state.metadata = (key, metadata, payload)
        return metadata, payload

    @property
    def metadata(self) -> LLMMetadata:
        """Context window, output size and tool support of the model.

        What was configured wins; the rest comes from one ``/api/show`` per model, cached. When
        the server cannot be asked, LlamaIndex's defaults are used (and asked again next time).
        """
        facts = self._cached_facts()
        if facts is None and self._needs_facts():
            try:
                facts = model_facts(self.client.show(self.model))
            except SharedOllamaError as exc:
                logger.warning(
                    "shared-ollama: could not read /api/show for %r (%s); using LlamaIndex's "
                    "default metadata until the server answers",
                    self.model,
                    exc,
                )
            else:
                self._state.facts = (self.model, facts)
        return self._known_metadata(facts)[0]

    def get_context_window(self) -> int:
        """The context window LlamaIndex should plan prompts for, as ``Ollama`` has it.

        ``context_window`` when set; else what ``/api/show`` says (the Modelfile's ``num_ctx``,
        then the model's trained maximum), asked once and cached; else LlamaIndex's default.
        Unlike ``Ollama.get_context_window()``, the answer is not written back into
        ``context_window``, so asking never makes later requests send the model's maximum as
        ``num_ctx``.
        """
        if self.context_window > 0:
            return self.context_window
        return self.metadata.context_window

    def to_payload(self) -> dict[str, Any]:
        """What instrumentation events carry about this LLM, without asking the server."""
        return dict(self._known_metadata(self._cached_facts())[1])

    # -- chat ----------------------------------------------------------------------------

    def _arguments(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any], *, stream: bool
    ) -> dict[str, Any]:
        return chat_arguments(self, to_ollama_messages(messages), kwargs, stream=stream)

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        reply = self.client.chat(**self._arguments(messages, kwargs, stream=False))
        return to_chat_response(reply)

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        reply = await self.async_client.chat(**self._arguments(messages, kwargs, stream=False))
        return to_chat_response(reply)

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        arguments = self._arguments(messages, kwargs, stream=True)

        return chat_stream(lambda: self.client.chat(**arguments))

    async def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        arguments = self._arguments(messages, kwargs, stream=True)

        return achat_stream(lambda: self.async_client.chat(**arguments))

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Send the conversation in one non-streaming ``/api/chat`` request.

        Args:
            messages: The conversation.
            **kwargs: ``tools``, ``think``, ``format``, ``options`` and ``keep_alive`` override
                the LLM's settings for this call; other keywords are ignored.
        """
        return self._chat(messages, **kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async :meth:`chat`."""
        return await self._achat(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """Stream the reply: each item holds the message so far and the new ``delta``."""
        return self._stream_chat(messages, **kwargs)

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        """Async :meth:`stream_chat`."""
        return await self._astream_chat(messages, **kwargs)

    # -- completion, derived from chat ---------------------------------------------------

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Complete a prompt, sent as one user message to ``/api/chat``."""
        return chat_to_completion_decorator(self._chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Async :meth:`complete`."""
        return await achat_to_completion_decorator(self._achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        """Stream a completion of a prompt, sent as one user message."""
        return stream_chat_to_completion_decorator(self._stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Async :meth:`stream_complete`."""
        return await astream_chat_to_completion_decorator(self._astream_chat)(prompt, **kwargs)

    # -- tools ---------------------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Messages and Ollama ``tools`` for a tool-calling chat.

        Ollama cannot force a tool call, so ``tool_required`` (and ``tool_choice``) are accepted
        and have no effect. ``think``, ``format``, ``options`` and ``keep_alive`` are passed on.
        """
        prepared: dict[str, Any] = {
            key: value for key, value in kwargs.items() if key in CALL_KEYS and key != "tools"
        }
        prepared["messages"] = conversation(user_msg, chat_history)
        prepared["tools"] = tool_specs(tools) or None
        return prepared

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first tool call unless parallel calls were allowed."""
        if allow_parallel_tool_calls:
            return response
        return keep_first_tool_call(response)

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        """The tool calls in a response; an Ollama call without an id uses its name as id.

        Raises:
            ValueError: There is no tool call and ``error_on_no_tool_call`` is true.
        """
        return tool_selections(response, error_on_no_tool_call=error_on_no_tool_call)

    # -- structured output through Ollama's format ----------------------------------------

    def _structured_messages(
        self, prompt: PromptTemplate, prompt_args: dict[str, Any]
    ) -> list[ChatMessage]:
        return self._extend_messages(prompt.format_messages(llm=self, **prompt_args))

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Predict an ``output_cls`` instance, constraining Ollama with its JSON schema.

        Raises:
            ValueError: The reply does not validate as ``output_cls``.
        """
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            fallback: Model = super().structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return fallback
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        messages = self._structured_messages(prompt, prompt_args)
        response = self.chat(messages, **with_schema(llm_kwargs, output_cls))
        result = parse_structured(output_cls, response.message.content, model=self.model)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async :meth:`structured_predict`."""
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            fallback: Model = await super().astructured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return fallback
        dispatcher.event(
            LLMStructuredPredictStartEvent(
                output_cls=output_cls, template=prompt, template_args=prompt_args
            )
        )
        messages = self._structured_messages(prompt, prompt_args)
        response = await self.achat(messages, **with_schema(llm_kwargs, output_cls))
        result = parse_structured(output_cls, response.message.content, model=self.model)
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    @dispatcher.span
    def stream_structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | FlexibleModel, None, None]:
        """Stream ever more complete ``output_cls`` objects as the JSON arrives.

        Items are partial (a flexible copy of the class) until the JSON is complete.
        """
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            return super().stream_structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
        messages = self._structured_messages(prompt, prompt_args)
        start = LLMStructuredPredictStartEvent(
            output_cls=output_cls, template=prompt, template_args=prompt_args
        )

        return structured_stream(
            dispatcher,
            start,
            output_cls,
            lambda: self.stream_chat(messages, **with_schema(llm_kwargs, output_cls)),
        )

    @dispatcher.span
    async def astream_structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | FlexibleModel, None]:
        """Async :meth:`stream_structured_predict`."""
        if self.pydantic_program_mode != PydanticProgramMode.DEFAULT:
            return await super().astream_structured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
        messages = self._structured_messages(prompt, prompt_args)
        start = LLMStructuredPredictStartEvent(
            output_cls=output_cls, template=prompt, template_args=prompt_args
        )

        return astructured_stream(
            dispatcher,
            start,
            output_cls,
            lambda: self.astream_chat(messages, **with_schema(llm_kwargs, output_cls)),
        )
