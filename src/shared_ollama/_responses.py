"""Typed response models of the Ollama REST API (requests and the shared base: ``_types``).

:class:`BaseGenerateResponse` (the generation statistics shared by chat and generate),
:class:`ChatResponse`, :class:`GenerateResponse`, :class:`TokenLogprob`, :class:`Logprob`,
:class:`EmbedResponse`, :class:`EmbeddingsResponse`, :class:`ModelDetails`,
:class:`ListResponse`, :class:`ShowResponse`, :class:`ProcessResponse`,
:class:`StatusResponse`, :class:`ProgressResponse`, :class:`VersionResponse`. Like every model
they read as attributes and as mappings, keep unknown fields, and default what Ollama may omit
to ``None``. Durations are in nanoseconds, sizes in bytes, as Ollama sends them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ByteSize, Field

from shared_ollama._types import Message, SubscriptableModel

__all__ = [
    "BaseGenerateResponse",
    "ChatResponse",
    "EmbedResponse",
    "EmbeddingsResponse",
    "GenerateResponse",
    "ListResponse",
    "Logprob",
    "ModelDetails",
    "ProcessResponse",
    "ProgressResponse",
    "ShowResponse",
    "StatusResponse",
    "TokenLogprob",
    "VersionResponse",
]

_VectorsT = TypeVar("_VectorsT", bound=BaseModel)


class BaseGenerateResponse(SubscriptableModel):
    """The statistics every chat and generate response (or final stream chunk) carries.

    ``created_at`` stays the server's string: parsing a datetime on every streamed chunk would
    cost more than the rest of the chunk. Durations are nanoseconds.
    """

    model: str | None = None
    created_at: str | None = None
    done: bool | None = None
    done_reason: str | None = None
    total_duration: int | None = None
    load_duration: int | None = None
    prompt_eval_count: int | None = None
    prompt_eval_duration: int | None = None
    eval_count: int | None = None
    eval_duration: int | None = None


class TokenLogprob(SubscriptableModel):
    """A token and its log probability."""

    token: str
    logprob: float


class Logprob(TokenLogprob):
    """A generated token's log probability, with the most likely alternatives when asked for."""

    top_logprobs: list[TokenLogprob] | None = None


class ChatResponse(BaseGenerateResponse):
    """The answer of ``/api/chat``, or one chunk of it when streaming."""

    message: Message
    logprobs: list[Logprob] | None = None


class GenerateResponse(BaseGenerateResponse):
    """The answer of ``/api/generate``, or one chunk of it when streaming.

    ``image``, ``completed`` and ``total`` are only sent by image-generation models.
    """

    response: str = ""
    thinking: str | None = None
    context: list[int] | None = None
    logprobs: list[Logprob] | None = None
    image: str | None = None
    completed: int | None = None
    total: int | None = None


def _with_trusted_vectors(cls: type[_VectorsT], data: dict[str, Any], key: str) -> _VectorsT:
    """Validate everything in ``data`` except the vectors under ``key``, which are kept as given."""
    vectors = data.get(key)
    if not isinstance(vectors, list):
        return cls.model_validate(data)
    result = cls.model_validate({**data, key: []})
    # Plain attribute assignment: no validate_assignment, so the decoded list is stored as is.
    setattr(result, key, vectors)
    return result


class EmbedResponse(BaseGenerateResponse):
    """The answer of ``/api/embed``: one vector per input."""

    embeddings: list[list[float]]

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> EmbedResponse:
        """Build the response from decoded server JSON without checking every float.

        ``model_validate`` would visit each number of each vector (768 x batch size of them)
        and copy every list, which costs more CPU than decoding the JSON. The server's JSON
        decoder already produced lists of numbers, so this validates only the small fields and
        stores the ``embeddings`` lists exactly as decoded (an exact ``0`` may stay an ``int``).
        Data with an unexpected shape falls back to full validation.

        Args:
            data: The decoded JSON body of an ``/api/embed`` response.

        Returns:
            The typed response sharing the decoded lists.
        """
        embeddings = data.get("embeddings")
        if isinstance(embeddings, list) and all(type(row) is list for row in embeddings):
            return _with_trusted_vectors(cls, data, "embeddings")
        return cls.model_validate(data)


class EmbeddingsResponse(SubscriptableModel):
    """The answer of the legacy ``/api/embeddings``: one vector."""

    embedding: list[float]

    @classmethod
    def from_trusted(cls, data: dict[str, Any]) -> EmbeddingsResponse:
        """Build the response from decoded server JSON without checking every float.

        See :meth:`EmbedResponse.from_trusted` for why.

        Args:
            data: The decoded JSON body of an ``/api/embeddings`` response.

        Returns:
            The typed response sharing the decoded list.
        """
        return _with_trusted_vectors(cls, data, "embedding")


class ModelDetails(SubscriptableModel):
    """What a model is: format, family, size class and quantization."""

    parent_model: str | None = None
    format: str | None = None
    family: str | None = None
    families: list[str] | None = None
    parameter_size: str | None = None
    quantization_level: str | None = None


class ListResponse(SubscriptableModel):
    """The answer of ``/api/tags``: the models present on the server."""

    class Model(SubscriptableModel):
        """One local model."""

        model: str | None = None
        name: str | None = None
        modified_at: datetime | None = None
        digest: str | None = None
        size: ByteSize | None = None
        details: ModelDetails | None = None

    models: list[Model] = Field(default_factory=list)


_SHOW_KEY_ALIASES = {"modelinfo": "model_info"}


class ShowResponse(SubscriptableModel):
    """The answer of ``/api/show``: a model's template, parameters, metadata and capabilities.

    ``model_info`` is also readable as ``modelinfo``, the name the ``ollama`` package uses.
    Servers before about 0.6 send no ``capabilities``.
    """

    modified_at: datetime | None = None
    template: str | None = None
    modelfile: str | None = None
    license: str | None = None
    system: str | None = None
    details: ModelDetails | None = None
    model_info: dict[str, Any] | None = None
    parameters: str | None = None
    capabilities: list[str] | None = None
    projector_info: dict[str, Any] | None = None
    tensors: list[dict[str, Any]] | None = None

    @property
    def modelinfo(self) -> dict[str, Any] | None:
        """The ``model_info`` mapping, under the name the ``ollama`` package uses."""
        return self.model_info

    def __getitem__(self, key: str) -> Any:
        return super().__getitem__(_SHOW_KEY_ALIASES.get(key, key))

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(_SHOW_KEY_ALIASES.get(key, key), value)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            key = _SHOW_KEY_ALIASES.get(key, key)
        return super().__contains__(key)

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value under ``key`` (``modelinfo`` reads ``model_info``), else ``default``.

        Args:
            key: A field name, or the name of an unknown field the server sent.
            default: What to return when the key is not in the model.

        Returns:
            The field's value or ``default``.
        """
        return super().get(_SHOW_KEY_ALIASES.get(key, key), default)


class ProcessResponse(SubscriptableModel):
    """The answer of ``/api/ps``: the models loaded in memory now."""

    class Model(SubscriptableModel):
        """One loaded model and the memory it holds."""

        model: str | None = None
        name: str | None = None
        digest: str | None = None
        expires_at: datetime | None = None
        size: ByteSize | None = None
        size_vram: ByteSize | None = None
        details: ModelDetails | None = None
        context_length: int | None = None

    models: list[Model] = Field(default_factory=list)


class StatusResponse(SubscriptableModel):
    """A bare status answer, e.g. of ``copy``, ``delete`` or ``create_blob``."""

    status: str | None = None


class ProgressResponse(StatusResponse):
    """A progress line of ``pull``, ``push`` or ``create``."""

    completed: int | None = None
    total: int | None = None
    digest: str | None = None


class VersionResponse(SubscriptableModel):
    """The answer of ``/api/version``; forks append a suffix (``0.5.4-ipexllm-20250407``)."""

    version: str
