"""``SharedOllamaEmbedding``: LlamaIndex embeddings through ``/api/embed`` on the core client.

Every batch is one ``/api/embed`` request. Sync batching is LlamaIndex's own (one request per
``embed_batch_size`` texts); async batching runs at most ``num_workers`` (default
:data:`DEFAULT_MAX_CONCURRENT_BATCHES`) requests at once instead of gathering them all.
"""

from __future__ import annotations

from functools import cached_property, partial
from typing import Any, Literal

from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.bridge.pydantic import Field
from llama_index.core.callbacks import CBEventType, EventPayload
from llama_index.core.callbacks.base import CallbackManager
from llama_index.core.constants import DEFAULT_EMBED_BATCH_SIZE
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.events.embedding import EmbeddingEndEvent, EmbeddingStartEvent

from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient, SharedOllamaError
from shared_ollama.plugins import SharedClients, client_recipe

from ._batches import DEFAULT_MAX_CONCURRENT_BATCHES, run_bounded, split_batches
from ._input import instructed

__all__ = ["DEFAULT_KEEP_ALIVE", "SharedOllamaEmbedding"]

dispatcher = get_dispatcher(__name__)

DEFAULT_KEEP_ALIVE = "5m"
"""How long Ollama keeps the model loaded after a call: its documented default, sent explicitly."""


class _State:
    """What a ``SharedOllamaEmbedding`` holds besides its fields: where its clients come from."""

    __slots__ = ("client_kwargs", "clients")

    def __init__(self) -> None:
        self.clients: SharedClients | None = None
        self.client_kwargs: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"_State(clients={self.clients!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> _State:
        # A copied model keeps talking through the same clients.
        copied = _State()
        copied.clients = self.clients
        copied.client_kwargs = dict(self.client_kwargs)
        return copied

    def __reduce__(self) -> tuple[type[_State], tuple[()]]:
        # Clients do not pickle; an unpickled model makes its own on first use (client_kwargs
        # may hold unpicklable values such as transports, so they are not kept either).
        return (_State, ())


class SharedOllamaEmbedding(BaseEmbedding):
    """LlamaIndex embedding model for Ollama through shared-ollama's resilient core client.

    A drop-in for ``llama_index.embeddings.ollama.OllamaEmbedding`` with the same fields and
    meaning, plus an injectable core client. ``base_url=None`` resolves the server like every
    shared-ollama client (``SHARED_OLLAMA_URL``, ``OLLAMA_BASE_URL``, ``OLLAMA_HOST``, then
    ``http://127.0.0.1:11434``) and ``keep_alive`` really defaults to ``"5m"``. Nothing touches
    the network until the first embedding.

    Example:
        >>> from llama_index.core import Settings
        >>> Settings.embed_model = SharedOllamaEmbedding(model_name="nomic-embed-text")
    """

    base_url: str | None = Field(
        default=None,
        description=(
            "Ollama server URL; None resolves SHARED_OLLAMA_URL, OLLAMA_BASE_URL, OLLAMA_HOST, "
            "then http://127.0.0.1:11434."
        ),
    )
    model_name: str = Field(description="The Ollama embedding model, e.g. 'nomic-embed-text'.")
    embed_batch_size: int = Field(
        default=DEFAULT_EMBED_BATCH_SIZE,
        description="Texts per /api/embed request.",
        gt=0,
        le=2048,
    )
    ollama_additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Ollama options for every request (e.g. num_ctx)."
    )
    query_instruction: str | None = Field(
        default=None, description="Instruction put before every query, e.g. 'search_query:'."
    )
    text_instruction: str | None = Field(
        default=None, description="Instruction put before every document, e.g. 'search_document:'."
    )
    keep_alive: float | str | None = Field(
        default=DEFAULT_KEEP_ALIVE,
        description=(
            "How long the model stays loaded after a call (default '5m', Ollama's documented "
            "value); None leaves it to the server."
        ),
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
            "'normal'; embedding a corpus is usually 'batch')."
        ),
    )

    def __init__(
        self,
        model_name: str,
        *,
        base_url: str | None = None,
        embed_batch_size: int = DEFAULT_EMBED_BATCH_SIZE,
        ollama_additional_kwargs: dict[str, Any] | None = None,
        query_instruction: str | None = None,
        text_instruction: str | None = None,
        callback_manager: CallbackManager | None = None,
        client_kwargs: dict[str, Any] | None = None,
        keep_alive: float | str | None = DEFAULT_KEEP_ALIVE,
        project: str | None = None,
        priority: Literal["interactive", "normal", "batch"] | None = None,
        client: SharedOllamaClient | None = None,
        async_client: AsyncSharedOllamaClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            model_name=model_name,
            base_url=base_url,
            embed_batch_size=embed_batch_size,
            ollama_additional_kwargs=ollama_additional_kwargs or {},
            query_instruction=query_instruction,
            text_instruction=text_instruction,
            callback_manager=callback_manager,
            keep_alive=keep_alive,
            project=project,
            priority=priority,
            **kwargs,
        )
        state = self._state
        scheduling = {"project": project, "priority": priority}
        state.client_kwargs = {
            **dict(client_kwargs or {}),
            **{name: value for name, value in scheduling.items() if value is not None},
        }
        if client is not None or async_client is not None:
            state.clients = SharedClients(
                client_recipe(self.base_url, state.client_kwargs),
                sync_client=client,
                async_client=async_client,
            )

    @classmethod
    def class_name(cls) -> str:
        """The name LlamaIndex serializes this class under."""
        return "SharedOllamaEmbedding"

    @cached_property
    def _state(self) -> _State:
        # Lives in the instance __dict__: cheaper to read than pydantic private attributes.
        return _State()

    def _clients(self) -> SharedClients:
        state = self._state
        if state.clients is None:
            state.clients = SharedClients(client_recipe(self.base_url, state.client_kwargs))
        return state.clients

    @property
    def client(self) -> SharedOllamaClient:
        """The sync core client: the injected one, else the one shared by equal settings.

        Models with equal plain ``base_url`` and ``client_kwargs`` share one client per
        process (see :class:`shared_ollama.plugins.SharedClients`).
        """
        return self._clients().sync()

    @property
    def async_client(self) -> AsyncSharedOllamaClient:
        """The async core client of the running event loop: injected, else shared per loop."""
        return self._clients().async_()

    # -- one request per batch -----------------------------------------------------------

    def _embed_arguments(self, texts: list[str]) -> dict[str, Any]:
        return {
            "model": self.model_name,
            "input": texts,
            "options": self.ollama_additional_kwargs or None,
            "keep_alive": self.keep_alive,
        }

    def _checked(self, vectors: list[list[float]], sent: int) -> list[Embedding]:
        if len(vectors) != sent:
            raise SharedOllamaError(
                f"Ollama returned {len(vectors)} embeddings for {sent} texts from "
                f"{self.model_name!r}: the reply cannot be matched to the texts; retry, and "
                "report it if it persists"
            )
        return vectors

    def get_general_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        """Embed texts as given (no instruction, no stripping) in one request."""
        if not texts:
            return []
        reply = self.client.embed(**self._embed_arguments(texts))
        return self._checked(reply.embeddings, len(texts))

    async def aget_general_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        """Async :meth:`get_general_text_embeddings`."""
        if not texts:
            return []
        reply = await self.async_client.embed(**self._embed_arguments(texts))
        return self._checked(reply.embeddings, len(texts))

    def get_general_text_embedding(self, text: str) -> Embedding:
        """Embed one text as given."""
        return self.get_general_text_embeddings([text])[0]

    async def aget_general_text_embedding(self, text: str) -> Embedding:
        """Async :meth:`get_general_text_embedding`."""
        return (await self.aget_general_text_embeddings([text]))[0]

    # -- LlamaIndex's hooks ----------------------------------------------------------------

    def _get_query_embedding(self, query: str) -> Embedding:
        return self.get_general_text_embedding(instructed(query, self.query_instruction))

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return await self.aget_general_text_embedding(instructed(query, self.query_instruction))

    def _get_text_embedding(self, text: str) -> Embedding:
        return self.get_general_text_embedding(instructed(text, self.text_instruction))

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return await self.aget_general_text_embedding(instructed(text, self.text_instruction))

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self.get_general_text_embeddings(
            [instructed(text, self.text_instruction) for text in texts]
        )

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await self.aget_general_text_embeddings(
            [instructed(text, self.text_instruction) for text in texts]
        )

    async def _aembed_batch(self, batch: list[str], model_dict: dict[str, Any]) -> list[Embedding]:
        dispatcher.event(EmbeddingStartEvent(model_dict=model_dict))
        with self.callback_manager.event(
            CBEventType.EMBEDDING, payload={EventPayload.SERIALIZED: model_dict}
        ) as event:
            if self.embeddings_cache is None:
                vectors = await self._aget_text_embeddings_rate_limited(batch)
            else:
                vectors = await self._aget_text_embeddings_cached(batch)
            event.on_end(payload={EventPayload.CHUNKS: batch, EventPayload.EMBEDDINGS: vectors})
        dispatcher.event(EmbeddingEndEvent(chunks=batch, embeddings=vectors))
        return vectors

    @dispatcher.span
    async def aget_text_embedding_batch(
        self, texts: list[str], show_progress: bool = False, **kwargs: Any
    ) -> list[Embedding]:
        """Embed texts in batches, at most ``num_workers`` batches in flight, in input order.

        ``show_progress`` is accepted and ignored.
        """
        model_dict = self.to_payload()
        jobs = [
            partial(self._aembed_batch, batch, model_dict)
            for batch in split_batches(texts, self.embed_batch_size)
        ]
        limit = self.num_workers or DEFAULT_MAX_CONCURRENT_BATCHES
        nested = await run_bounded(jobs, limit=limit)
        return [vector for vectors in nested for vector in vectors]
