"""Building the calls of the Ollama API without I/O: one function per endpoint.

Each builder checks and normalizes the drop-in arguments (the same ones ``ollama.Client`` takes)
into the JSON ollama-python 0.6.3 sends for them, key for key and in its key order (pinned by
``tests/unit/test_ollama_parity.py``), and returns an :class:`ApiCall`: method, path, encoded body, whether the reply streams, and how
to turn decoded JSON into the typed response. The sync and async clients send these unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel

from shared_ollama._core._normalize import (
    normalize_create_messages,
    normalize_format,
    normalize_images,
    normalize_keep_alive,
    normalize_messages,
    normalize_options,
    normalize_think,
    normalize_tools,
)
from shared_ollama._errors import RequestError
from shared_ollama._json import dumps
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

__all__ = [
    "ApiCall",
    "Operation",
    "chat_call",
    "copy_call",
    "create_call",
    "delete_call",
    "embed_call",
    "embeddings_call",
    "file_digest",
    "generate_call",
    "list_call",
    "ps_call",
    "pull_call",
    "push_call",
    "show_call",
    "version_call",
]

T = TypeVar("T")
_M = TypeVar("_M", bound=BaseModel)
Operation = Literal["chat", "text_completion", "embeddings"]
PartialKind = Literal["chat", "generate"]


@dataclass(frozen=True, slots=True)
class ApiCall(Generic[T]):
    """One request to send and how to read its reply.

    Attributes:
        method: HTTP method.
        path: Path under the base URL, e.g. ``/api/chat``.
        payload: The JSON body as a dict (kept for telemetry), or ``None``.
        body: The encoded body.
        stream: Whether the reply is NDJSON, one typed value per line.
        parse: Turns one decoded JSON value into the typed result.
        parse_line: Turns one raw NDJSON line straight into the typed result, in one pass
            (pydantic's JSON validation), for stream calls; ``None`` decodes, then ``parse``.
        operation: The GenAI operation name for telemetry, or ``None`` for admin calls.
        model: The model named by the call, if any.
        partial: Which text to accumulate for a broken stream's ``partial``.
        empty_ok: A 2xx reply with an empty body means success (``delete``, ``copy``).
    """

    method: str
    path: str
    payload: dict[str, Any] | None
    body: bytes | None
    stream: bool
    parse: Callable[[Any], T]
    operation: Operation | None = None
    model: str | None = None
    partial: PartialKind | None = None
    empty_ok: bool = False
    parse_line: Callable[[bytes], T] | None = None


def _line_parser(model: type[_M]) -> Callable[[bytes], _M]:
    """``model.model_validate_json`` without its wrapper: one Python frame less per line.

    Looked up per call, not at import: the models build their validators on first use
    (``defer_build``), and this lookup is what builds it.
    """
    return cast("Callable[[bytes], _M]", model.__pydantic_validator__.validate_json)


def _require_model(model: str, method: str) -> None:
    if not model or not isinstance(model, str):
        raise RequestError(
            f"{method}() needs a model name, e.g. client.{method}(model='llama3.2', ...); "
            f"got {model!r}."
        )


def _json_call(
    method: str,
    path: str,
    payload: dict[str, Any] | None,
    parse: Callable[[Any], T],
    *,
    stream: bool = False,
    operation: Operation | None = None,
    model: str | None = None,
    partial: PartialKind | None = None,
    empty_ok: bool = False,
    parse_line: Callable[[bytes], T] | None = None,
) -> ApiCall[T]:
    if payload is not None:
        payload = {key: value for key, value in payload.items() if value is not None}
    return ApiCall(
        method,
        path,
        payload,
        None if payload is None else dumps(payload),
        stream,
        parse,
        operation,
        model,
        partial,
        empty_ok,
        parse_line=parse_line if stream else None,
    )


def chat_call(
    model: str,
    messages: Sequence[Any] | None,
    *,
    tools: Sequence[Any] | None,
    stream: bool,
    think: Any,
    format: Any,
    options: Any,
    keep_alive: Any,
    logprobs: bool | None = None,
    top_logprobs: int | None = None,
) -> ApiCall[ChatResponse]:
    """``POST /api/chat``."""
    _require_model(model, "chat")
    payload = {
        "model": model,
        "stream": stream,
        "options": normalize_options(options),
        "format": normalize_format(format),
        "keep_alive": normalize_keep_alive(keep_alive),
        "messages": normalize_messages(messages),
        "tools": normalize_tools(tools),
        "think": normalize_think(think),
        "logprobs": logprobs,
        "top_logprobs": top_logprobs,
    }
    return _json_call(
        "POST",
        "/api/chat",
        payload,
        ChatResponse.model_validate,
        stream=stream,
        operation="chat",
        model=model,
        partial="chat",
        parse_line=_line_parser(ChatResponse) if stream else None,
    )


def generate_call(
    model: str,
    prompt: str | None,
    suffix: str | None,
    *,
    system: str | None,
    template: str | None,
    context: Sequence[int] | None,
    stream: bool,
    think: Any,
    raw: bool | None,
    format: Any,
    images: Sequence[Any] | None,
    options: Any,
    keep_alive: Any,
    logprobs: bool | None = None,
    top_logprobs: int | None = None,
    width: int | None = None,
    height: int | None = None,
    steps: int | None = None,
) -> ApiCall[GenerateResponse]:
    """``POST /api/generate``."""
    _require_model(model, "generate")
    payload = {
        "model": model,
        "stream": stream,
        "options": normalize_options(options),
        "format": normalize_format(format),
        "keep_alive": normalize_keep_alive(keep_alive),
        "prompt": prompt,
        "suffix": suffix,
        "system": system,
        "template": template,
        "context": list(context) if context is not None else None,
        "raw": raw,
        "images": normalize_images(images),
        "think": normalize_think(think),
        "logprobs": logprobs,
        "top_logprobs": top_logprobs,
        "width": width,
        "height": height,
        "steps": steps,
    }
    return _json_call(
        "POST",
        "/api/generate",
        payload,
        GenerateResponse.model_validate,
        stream=stream,
        operation="text_completion",
        model=model,
        partial="generate",
        parse_line=_line_parser(GenerateResponse) if stream else None,
    )


def embed_call(
    model: str,
    input: str | Sequence[str],
    *,
    truncate: bool | None,
    options: Any,
    keep_alive: Any,
    dimensions: int | None,
) -> ApiCall[EmbedResponse]:
    """``POST /api/embed``."""
    _require_model(model, "embed")
    if not isinstance(input, str) and not isinstance(input, list):
        input = list(input)
    if dimensions is not None and (isinstance(dimensions, bool) or dimensions <= 0):
        raise ValueError(f"dimensions={dimensions!r} must be a positive integer or None.")
    payload = {
        "model": model,
        "input": input,
        "truncate": truncate,
        "options": normalize_options(options),
        "keep_alive": normalize_keep_alive(keep_alive),
        "dimensions": dimensions,
    }
    return _json_call(
        "POST",
        "/api/embed",
        payload,
        EmbedResponse.from_trusted,
        operation="embeddings",
        model=model,
    )


def embeddings_call(
    model: str, prompt: str | None, *, options: Any, keep_alive: Any
) -> ApiCall[EmbeddingsResponse]:
    """``POST /api/embeddings`` (the legacy single-vector endpoint)."""
    _require_model(model, "embeddings")
    payload = {
        "model": model,
        "prompt": prompt,
        "options": normalize_options(options),
        "keep_alive": normalize_keep_alive(keep_alive),
    }
    return _json_call(
        "POST",
        "/api/embeddings",
        payload,
        EmbeddingsResponse.from_trusted,
        operation="embeddings",
        model=model,
    )


def _progress_call(
    path: str, payload: dict[str, Any], *, stream: bool, model: str
) -> ApiCall[ProgressResponse]:
    return _json_call(
        "POST",
        path,
        payload,
        ProgressResponse.model_validate,
        stream=stream,
        model=model,
        parse_line=_line_parser(ProgressResponse) if stream else None,
    )


def pull_call(model: str, *, insecure: bool, stream: bool) -> ApiCall[ProgressResponse]:
    """``POST /api/pull``."""
    _require_model(model, "pull")
    payload = {"model": model, "stream": stream, "insecure": insecure}
    return _progress_call("/api/pull", payload, stream=stream, model=model)


def push_call(model: str, *, insecure: bool, stream: bool) -> ApiCall[ProgressResponse]:
    """``POST /api/push``."""
    _require_model(model, "push")
    payload = {"model": model, "stream": stream, "insecure": insecure}
    return _progress_call("/api/push", payload, stream=stream, model=model)


def create_call(
    model: str,
    *,
    quantize: str | None,
    from_: str | None,
    files: Mapping[str, str] | None,
    adapters: Mapping[str, str] | None,
    template: str | None,
    license: str | Sequence[str] | None,
    system: str | None,
    parameters: Any,
    messages: Sequence[Any] | None,
    stream: bool,
) -> ApiCall[ProgressResponse]:
    """``POST /api/create``."""
    _require_model(model, "create")
    payload = {
        "model": model,
        "stream": stream,
        "quantize": quantize,
        "files": dict(files) if files is not None else None,
        "adapters": dict(adapters) if adapters is not None else None,
        "template": template,
        "license": license if isinstance(license, str | None) else list(license),
        "system": system,
        "parameters": normalize_options(parameters),
        "messages": normalize_create_messages(messages),
        "from": from_,  # last, where ollama-python's serializer puts it
    }
    return _progress_call("/api/create", payload, stream=stream, model=model)


def _status_ok(_: Any) -> StatusResponse:
    return StatusResponse(status="success")


def copy_call(source: str, destination: str) -> ApiCall[StatusResponse]:
    """``POST /api/copy``."""
    _require_model(source, "copy")
    _require_model(destination, "copy")
    payload = {"source": source, "destination": destination}
    return _json_call("POST", "/api/copy", payload, _status_ok, model=source, empty_ok=True)


def delete_call(model: str) -> ApiCall[StatusResponse]:
    """``DELETE /api/delete``."""
    _require_model(model, "delete")
    return _json_call(
        "DELETE", "/api/delete", {"model": model}, _status_ok, model=model, empty_ok=True
    )


def list_call() -> ApiCall[ListResponse]:
    """``GET /api/tags``."""
    return _json_call("GET", "/api/tags", None, ListResponse.model_validate)


def show_call(model: str) -> ApiCall[ShowResponse]:
    """``POST /api/show``."""
    _require_model(model, "show")
    return _json_call(
        "POST", "/api/show", {"model": model}, ShowResponse.model_validate, model=model
    )


def ps_call() -> ApiCall[ProcessResponse]:
    """``GET /api/ps``."""
    return _json_call("GET", "/api/ps", None, ProcessResponse.model_validate)


def file_digest(path: Path) -> str:
    """The ``sha256:<hex>`` digest Ollama names a blob by."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return f"sha256:{sha.hexdigest()}"


def version_call() -> ApiCall[VersionResponse]:
    """``GET /api/version``."""
    return _json_call("GET", "/api/version", None, VersionResponse.model_validate)
