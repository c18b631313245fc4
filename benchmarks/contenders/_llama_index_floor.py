"""The LlamaIndex floor: an LLM with no I/O that answers like a wrapper of Ollama would.

Its chat methods go through LlamaIndex's ``llm_chat_callback`` instrumentation, as every
LlamaIndex LLM's do, and return the canned reply, or stream the same tokens (each response
carrying the delta and the text so far, then a final one with the statistics) from memory.
Raw ``httpx`` plus this floor is the least any LlamaIndex wrapper of Ollama can cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.llm import LLM

from _canned_replies import CREATED_AT, DEFAULT_MODEL, DEFAULT_REPLY_TOKENS, reply_tokens

__all__ = ["FloorLLM"]

_PROMPT_TOKENS = 26


class FloorLLM(LLM):
    """A LlamaIndex LLM that replies from memory, with the Ollama LLM's constructor fields.

    Attributes:
        model: Model name put in the metadata and the raw statistics.
        base_url: Accepted for symmetry with the wrappers; never used.
        request_timeout: Accepted for symmetry; never used.
        additional_kwargs: Options; ``num_predict`` sets the tokens in the reply.
    """

    model: str = Field(default=DEFAULT_MODEL)
    base_url: str | None = Field(default=None)
    request_timeout: float = Field(default=120.0)
    additional_kwargs: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def class_name(cls) -> str:
        """Name of the class in LlamaIndex's serialization."""
        return "BenchmarkFloorLLM"

    @property
    def metadata(self) -> LLMMetadata:
        """The LLM's metadata (a chat model)."""
        return LLMMetadata(model_name=self.model, is_chat_model=True)

    def _tokens(self) -> list[str]:
        return reply_tokens(int(self.additional_kwargs.get("num_predict") or DEFAULT_REPLY_TOKENS))

    def _stats(self, tokens: int) -> dict[str, Any]:
        return {
            "model": self.model,
            "created_at": CREATED_AT,
            "done": True,
            "done_reason": "stop",
            "usage": {
                "prompt_tokens": _PROMPT_TOKENS,
                "completion_tokens": tokens,
                "total_tokens": _PROMPT_TOKENS + tokens,
            },
        }

    def _reply(self) -> ChatResponse:
        tokens = self._tokens()
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content="".join(tokens)),
            raw=self._stats(len(tokens)),
        )

    def _replies(self) -> ChatResponseGen:
        tokens = self._tokens()
        text = ""
        for token in tokens:
            text += token
            yield ChatResponse(
                message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=token
            )
        yield ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content=text),
            delta="",
            raw=self._stats(len(tokens)),
        )

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Return the canned reply."""
        return self._reply()

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """Stream the canned tokens."""
        return self._replies()

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Return the canned reply."""
        return self._reply()

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        """Stream the canned tokens."""

        async def generate() -> ChatResponseAsyncGen:
            for response in self._replies():
                yield response

        return generate()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Return the canned reply as a completion."""
        return CompletionResponse(text="".join(self._tokens()))

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        """Stream the canned tokens as completions."""

        def generate() -> CompletionResponseGen:
            text = ""
            for token in self._tokens():
                text += token
                yield CompletionResponse(text=text, delta=token)

        return generate()

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        """Return the canned reply as a completion."""
        return CompletionResponse(text="".join(self._tokens()))

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Stream the canned tokens as completions."""

        async def generate() -> CompletionResponseAsyncGen:
            for response in self.stream_complete(prompt, formatted=formatted, **kwargs):
                yield response

        return generate()
