"""The LangChain floor: a chat model with no I/O that answers like a wrapper of Ollama would.

It returns the canned reply (with usage and response metadata, as ``ChatOllama`` does), or
streams the same tokens as chunks followed by a final chunk with the statistics, straight from
memory. What it costs is LangChain's own cost; raw ``httpx`` plus this floor is the least any
LangChain wrapper of Ollama can cost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from _canned_replies import (
    CREATED_AT,
    DEFAULT_MODEL,
    DEFAULT_REPLY_TOKENS,
    reply_text,
    reply_tokens,
)

__all__ = ["FloorChatModel"]

_PROMPT_TOKENS = 26


class FloorChatModel(BaseChatModel):
    """A LangChain chat model that replies from memory, with ``ChatOllama``'s fields.

    Attributes:
        model: Model name put in the response metadata.
        base_url: Accepted for symmetry with the wrappers; never used.
        num_predict: Tokens in the reply (the canned server's default when ``None``).
    """

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    num_predict: int | None = None

    @property
    def _llm_type(self) -> str:
        return "benchmark-floor"

    def _tokens(self) -> list[str]:
        return reply_tokens(self.num_predict or DEFAULT_REPLY_TOKENS)

    def _usage(self, tokens: int) -> UsageMetadata:
        usage = {
            "input_tokens": _PROMPT_TOKENS,
            "output_tokens": tokens,
            "total_tokens": _PROMPT_TOKENS + tokens,
        }
        return cast("UsageMetadata", usage)

    def _metadata(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "model_name": self.model,
            "model_provider": "ollama",
            "created_at": CREATED_AT,
            "done": True,
            "done_reason": "stop",
        }

    def _result(self) -> ChatResult:
        count = self.num_predict or DEFAULT_REPLY_TOKENS
        message = AIMessage(
            content=reply_text(count),
            usage_metadata=self._usage(count),
            response_metadata=self._metadata(),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _chunks(self) -> Iterator[ChatGenerationChunk]:
        tokens = self._tokens()
        for token in tokens:
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))
        yield ChatGenerationChunk(
            message=AIMessageChunk(content="", usage_metadata=self._usage(len(tokens))),
            generation_info=self._metadata(),
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._result()

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._result()

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks():
            if run_manager is not None:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks():
            if run_manager is not None:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
