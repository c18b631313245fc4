"""Typed request and response models of the Ollama REST API, and the library's type aliases.

Every model is a pydantic v2 model built on :class:`SubscriptableModel`, so a response reads both
as attributes (``resp.message.content``) and as a mapping (``resp["message"]["content"]``), the
way ``ollama`` responses do. Fields a newer server adds are kept (``extra="allow"``) rather than
dropped or rejected, and every field Ollama may omit defaults to ``None``.

Request side:
    :class:`Image`, :class:`ToolCall` (with ``ToolCall.Function``), :class:`Message`,
    :class:`Tool` (with ``Tool.Function``, ``Tool.Parameters``, ``Tool.Property``),
    :class:`Options`.

Response side:
    :class:`BaseGenerateResponse` (the generation statistics shared by chat and generate),
    :class:`ChatResponse`, :class:`GenerateResponse`, :class:`TokenLogprob`, :class:`Logprob`,
    :class:`EmbedResponse`, :class:`EmbeddingsResponse`, :class:`ModelDetails`,
    :class:`ListResponse`, :class:`ShowResponse`, :class:`ProcessResponse`,
    :class:`StatusResponse`, :class:`ProgressResponse`, :class:`VersionResponse`.

Type aliases:
    :data:`ThinkLevel`, :data:`KeepAlive`, :data:`Format`.

Durations are in nanoseconds, sizes in bytes, as Ollama sends them.
"""

from __future__ import annotations

import binascii
import json
import os
from base64 import b64decode, b64encode
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeAlias, TypeVar

from pydantic import (
    BaseModel,
    ByteSize,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

__all__ = [
    "BaseGenerateResponse",
    "ChatResponse",
    "EmbedResponse",
    "EmbeddingsResponse",
    "Format",
    "GenerateResponse",
    "Image",
    "KeepAlive",
    "ListResponse",
    "Logprob",
    "Message",
    "ModelDetails",
    "Options",
    "ProcessResponse",
    "ProgressResponse",
    "ShowResponse",
    "StatusResponse",
    "SubscriptableModel",
    "ThinkLevel",
    "TokenLogprob",
    "Tool",
    "ToolCall",
    "VersionResponse",
]

ThinkLevel: TypeAlias = bool | str
"""``think=``: ``True``/``False``, or an effort level (``"low"``, ``"high"``, ``"xhigh"``...)
for models that support one; the server judges the level."""

KeepAlive: TypeAlias = float | str
"""``keep_alive=``: seconds as a number, or a Go duration string such as ``"5m"`` or ``"1h30m"``."""

Format: TypeAlias = Literal["", "json"] | dict[str, Any] | type[BaseModel]
"""``format=``: ``"json"``, a JSON schema, or a pydantic model class whose schema is sent."""

_VectorsT = TypeVar("_VectorsT", bound=BaseModel)

_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")
# Longer strings cannot be file names on any common OS; they are only tried as base64.
_MAX_PATH_LENGTH = 4096


class SubscriptableModel(BaseModel):
    """Base of every model: attribute access, mapping access, and unknown fields kept.

    ``model["key"]``, ``"key" in model`` and ``model.get("key", default)`` behave like the
    ``ollama`` package's models: a key is *in* a model when it was set (by the server or the
    caller) or when its value is not ``None``. Fields a newer server sends that this version
    does not declare are kept and readable both ways.
    """

    # defer_build: a model's validator is built on its first use, not at import; a first chat
    # needs a handful of the 20-odd models here, and `import shared_ollama` pays for none.
    model_config = ConfigDict(extra="allow", protected_namespaces=(), defer_build=True)

    def __getitem__(self, key: str) -> Any:
        if key in self.__pydantic_fields_set__ or key in self:
            return getattr(self, key)
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        if key in self.__pydantic_fields_set__:
            return True
        if key in type(self).model_fields:
            return getattr(self, key) is not None
        return False

    def get(self, key: str, default: Any = None) -> Any:
        """Return the value under ``key`` when it is in the model, else ``default``.

        Args:
            key: A field name, or the name of an unknown field the server sent.
            default: What to return when the key is not in the model.

        Returns:
            The field's value or ``default``.
        """
        return getattr(self, key) if key in self else default


# ----------------------------------------------------------------------------- request side


def _encode_image(value: object) -> str:
    """Return ``value`` (bytes, a path to an image file, or base64 text) as base64 text.

    Another library's image model holding its data in ``value`` (``ollama.Image``) is read
    through that field, so images built for ``ollama`` need not be converted.
    """
    if isinstance(value, BaseModel) and not isinstance(value, Image):
        inner = getattr(value, "value", None)
        if isinstance(inner, (str, bytes, bytearray, memoryview, os.PathLike)):
            return _encode_image(inner)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b64encode(value).decode("ascii")
    if isinstance(value, os.PathLike):
        return _read_image_file(Path(os.fspath(value)))
    if not isinstance(value, str):
        raise TypeError(
            f"an image must be bytes, a path to an image file or a base64 string, "
            f"not {type(value).__name__}"
        )
    text = value.strip()
    if not text:
        raise ValueError("an image is an empty string: pass bytes, a file path or base64 text")
    if len(text) <= _MAX_PATH_LENGTH and "\n" not in text:
        path = Path(text)
        try:
            is_file = path.is_file()
        except (OSError, ValueError):  # names the OS rejects, e.g. embedded NUL bytes
            is_file = False
        if is_file:
            return _read_image_file(path)
        if text.lower().endswith(_IMAGE_SUFFIXES):
            raise ValueError(
                f"image file {text!r} does not exist: pass an existing file path, raw bytes "
                f"or base64 text"
            )
    if text.startswith("data:") and ";base64," in text:
        text = text.split(";base64,", 1)[1]
    try:
        b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise ValueError(
            f"image {shown!r} is neither a readable file nor valid base64: pass an existing "
            f"file path, raw bytes or base64 text"
        ) from None
    return text


def _read_image_file(path: Path) -> str:
    """Read an image file and return its bytes as base64 text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(
            f"image file {str(path)!r} cannot be read ({exc.strerror or exc}): pass an existing, "
            f"readable file, raw bytes or base64 text"
        ) from exc
    return b64encode(data).decode("ascii")


class Image(SubscriptableModel):
    """An image for a multimodal model, held as base64 text.

    Build it from raw bytes, a path to an image file (``str`` or path-like), or base64 text:
    ``Image(value=b"...")``, ``Image(value="cat.png")``. Inside a :class:`Message` a bare value
    is accepted too (``images=["cat.png"]``). It serializes to its base64 string.

    Raises:
        ValueError: A string that is neither a readable file nor valid base64, or a missing file.
        TypeError: A value of another type.
    """

    value: str

    @model_validator(mode="before")
    @classmethod
    def _wrap_bare_value(cls, data: Any) -> Any:
        if isinstance(data, (str, bytes, bytearray, memoryview, os.PathLike)) or (
            isinstance(data, BaseModel) and not isinstance(data, Image)  # e.g. ollama.Image
        ):
            return {"value": data}
        return data

    @field_validator("value", mode="plain")
    @classmethod
    def _to_base64(cls, value: object) -> str:
        return _encode_image(value)

    @model_serializer
    def _serialize(self) -> str:
        return self.value

    @staticmethod
    def encode(value: Image | str | bytes | os.PathLike[str]) -> str:
        """Return any accepted image value (or an :class:`Image`) as base64 text.

        Args:
            value: An :class:`Image`, raw bytes, a path to an image file, or base64 text.

        Returns:
            The base64 text Ollama expects.
        """
        if isinstance(value, Image):
            return value.value
        return _encode_image(value)


class ToolCall(SubscriptableModel):
    """A function call the model asked for, as found in ``Message.tool_calls``."""

    class Function(SubscriptableModel):
        """The function to call and its arguments."""

        name: str
        arguments: dict[str, Any] = Field(default_factory=dict)
        index: int | None = None

        @field_validator("arguments", mode="before")
        @classmethod
        def _decode_json_arguments(cls, value: Any) -> Any:
            """Accept OpenAI-style arguments given as a JSON object string."""
            if isinstance(value, str):
                try:
                    return json.loads(value) if value.strip() else {}
                except json.JSONDecodeError as exc:
                    raise ValueError(
                        f"tool call arguments are a string that is not JSON ({exc.msg}): pass "
                        f"a dict or a JSON object string"
                    ) from None
            return value

    function: Function


_ToolCall: TypeAlias = ToolCall  # lets Message name its field type beside Message.ToolCall


class Message(SubscriptableModel):
    """One chat message, sent in ``messages`` or received as ``ChatResponse.message``.

    Attributes:
        role: ``system``, ``user``, ``assistant`` or ``tool``.
        content: The text; a fragment of it in a streamed chunk.
        thinking: The model's reasoning, when thinking was enabled.
        images: Images for multimodal models (bytes, file paths or base64 are accepted).
        tool_calls: Function calls the model asked for.
        tool_name: For a ``tool`` message, the name of the tool whose result it carries.
    """

    ToolCall: ClassVar[type[ToolCall]] = ToolCall

    role: str
    content: str | None = None
    thinking: str | None = None
    images: list[Image] | None = None
    tool_calls: list[_ToolCall] | None = None
    tool_name: str | None = None


class Tool(SubscriptableModel):
    """A function the model may call, in the JSON-schema shape Ollama and OpenAI use.

    JSON-schema keywords not modelled here (``$defs``, ``anyOf``, ``additionalProperties``...)
    are kept as unknown fields and sent unchanged.
    """

    class Property(SubscriptableModel):
        """The schema of one parameter."""

        type: str | list[str] | None = None
        description: str | None = None
        enum: list[Any] | None = None
        items: Any | None = None

    class Parameters(SubscriptableModel):
        """The schema of the function's parameters object."""

        model_config = ConfigDict(populate_by_name=True)

        type: str | None = "object"
        required: list[str] | None = None
        properties: dict[str, Tool.Property] | None = None
        defs: Any | None = Field(default=None, alias="$defs")

    class Function(SubscriptableModel):
        """The function's name, description and parameter schema."""

        name: str | None = None
        description: str | None = None
        parameters: Tool.Parameters | None = None

    type: str | None = "function"
    function: Function | None = None


class Options(SubscriptableModel):
    """Runtime options of the model (``options=``); unknown keys are kept and sent as given."""

    # Load-time options: changing them reloads the model.
    numa: bool | None = None
    num_ctx: int | None = None
    num_batch: int | None = None
    num_gpu: int | None = None
    main_gpu: int | None = None
    low_vram: bool | None = None
    f16_kv: bool | None = None
    logits_all: bool | None = None
    vocab_only: bool | None = None
    use_mmap: bool | None = None
    use_mlock: bool | None = None
    embedding_only: bool | None = None
    num_thread: int | None = None

    # Sampling options, per request.
    num_keep: int | None = None
    seed: int | None = None
    num_predict: int | None = None
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None
    tfs_z: float | None = None
    typical_p: float | None = None
    repeat_last_n: int | None = None
    temperature: float | None = None
    repeat_penalty: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    mirostat: int | None = None
    mirostat_tau: float | None = None
    mirostat_eta: float | None = None
    penalize_newline: bool | None = None
    stop: list[str] | None = None


# ---------------------------------------------------------------------------- response side


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
