"""Typed request models of the Ollama REST API, their base, and the library's type aliases.

Every model is a pydantic v2 model built on :class:`SubscriptableModel`, so a response reads both
as attributes (``resp.message.content``) and as a mapping (``resp["message"]["content"]``), the
way ``ollama`` responses do. Fields a newer server adds are kept (``extra="allow"``) rather than
dropped or rejected, and every field Ollama may omit defaults to ``None``.

Request side:
    :class:`Image`, :class:`ToolCall` (with ``ToolCall.Function``), :class:`Message`,
    :class:`Tool` (with ``Tool.Function``, ``Tool.Parameters``, ``Tool.Property``),
    :class:`Options`.

Response side: :mod:`shared_ollama._responses` (built on :class:`SubscriptableModel`).

Type aliases:
    :data:`ThinkLevel`, :data:`KeepAlive`, :data:`Format`.

Durations are in nanoseconds, sizes in bytes, as Ollama sends them.
"""

from __future__ import annotations

import binascii
import json
import os
from base64 import b64decode, b64encode
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_serializer,
    model_validator,
)

__all__ = [
    "Format",
    "Image",
    "KeepAlive",
    "Message",
    "Options",
    "SubscriptableModel",
    "ThinkLevel",
    "Tool",
    "ToolCall",
]

ThinkLevel: TypeAlias = bool | str
"""``think=``: ``True``/``False``, or an effort level (``"low"``, ``"high"``, ``"xhigh"``...)
for models that support one; the server judges the level."""

KeepAlive: TypeAlias = float | str
"""``keep_alive=``: seconds as a number, or a Go duration string such as ``"5m"`` or ``"1h30m"``."""

Format: TypeAlias = Literal["", "json"] | dict[str, Any] | type[BaseModel]
"""``format=``: ``"json"``, a JSON schema, or a pydantic model class whose schema is sent."""

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
