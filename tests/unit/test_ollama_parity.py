"""Request parity with ollama-python 0.6.3: the same arguments send the same request.

Every method of ``ollama.Client`` / ``ollama.AsyncClient`` is called with a table of argument
sets, on ollama's client and on ours, each through an ``httpx.MockTransport`` in this process.
The requests must agree on method, path and JSON body, key for key and in the same key order,
so a user's tests that match request bodies (pytest-httpserver, respx, vcrpy) keep passing after
the switch. The differences we make on purpose are pinned separately below and listed, with
their reasons, in docs/migration.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import ollama
import pytest
from pydantic import BaseModel

from shared_ollama import AsyncSharedOllamaClient, BreakerPolicy, RetryPolicy, SharedOllamaClient

REFERENCE_VERSION = "0.6.3"
BASE = "http://127.0.0.1:11434"
PNG = b"\x89PNG\r\n\x1a\n-not-really-a-png"
HI = [{"role": "user", "content": "Hi"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {
            "type": "object",
            "required": ["city"],
            "properties": {
                "city": {"type": "string", "description": "The city"},
                "unit": {"type": ["string", "null"], "enum": ["c", "f"]},
            },
        },
    },
}
TOOL_CALL = {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}

# The JSON each endpoint answers with: valid for ollama's response models and ours.
REPLIES: dict[str, Any] = {
    "/api/chat": {"model": "m", "message": {"role": "assistant", "content": "x"}, "done": True},
    "/api/generate": {"model": "m", "response": "x", "done": True},
    "/api/embed": {"model": "m", "embeddings": [[0.5, 0.25]]},
    "/api/embeddings": {"embedding": [0.5, 0.25]},
    "/api/pull": {"status": "success"},
    "/api/push": {"status": "success"},
    "/api/create": {"status": "success"},
    "/api/show": {"modelfile": "FROM m", "model_info": {}},
    "/api/tags": {"models": []},
    "/api/ps": {"models": []},
}


class Answer(BaseModel):
    city: str
    degrees: float


def _png(tmp_path: Path) -> str:
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    return str(path)


# (id, method, args, kwargs); a callable value is called with tmp_path first (image files).
Case = tuple[str, str, tuple[Any, ...], dict[str, Any]]
CASES: list[Case] = [
    ("chat-plain", "chat", ("m", HI), {}),
    ("chat-no-messages", "chat", ("m",), {}),
    ("chat-keywords", "chat", (), {"model": "m", "messages": HI}),
    ("chat-stream", "chat", ("m", HI), {"stream": True}),
    ("chat-tool-dict", "chat", ("m", HI), {"tools": [WEATHER]}),
    ("chat-tool-model", "chat", ("m", HI), {"tools": [ollama.Tool.model_validate(WEATHER)]}),
    ("chat-tools-empty", "chat", ("m", HI), {"tools": []}),
    ("chat-think-true", "chat", ("m", HI), {"think": True}),
    ("chat-think-false", "chat", ("m", HI), {"think": False}),
    ("chat-think-high", "chat", ("m", HI), {"think": "high"}),
    ("chat-think-xhigh", "chat", ("m", HI), {"think": "xhigh"}),
    ("chat-think-max", "chat", ("m", HI), {"think": "max"}),
    ("chat-format-json", "chat", ("m", HI), {"format": "json"}),
    ("chat-format-empty", "chat", ("m", HI), {"format": ""}),
    ("chat-format-schema", "chat", ("m", HI), {"format": Answer.model_json_schema()}),
    ("chat-options", "chat", ("m", HI), {"options": {"temperature": 0, "num_ctx": 2048}}),
    ("chat-options-empty", "chat", ("m", HI), {"options": {}}),
    ("chat-options-none", "chat", ("m", HI), {"options": {"temperature": None, "seed": 1}}),
    ("chat-options-model", "chat", ("m", HI), {"options": ollama.Options(temperature=0.5)}),
    ("chat-keep-alive-str", "chat", ("m", HI), {"keep_alive": "5m"}),
    ("chat-keep-alive-zero", "chat", ("m", HI), {"keep_alive": 0}),
    ("chat-keep-alive-forever", "chat", ("m", HI), {"keep_alive": -1}),
    ("chat-keep-alive-float", "chat", ("m", HI), {"keep_alive": 2.5}),
    ("chat-logprobs", "chat", ("m", HI), {"logprobs": True, "top_logprobs": 3}),
    ("chat-empty-content", "chat", ("m", [{"role": "user", "content": ""}]), {}),
    ("chat-role-only", "chat", ("m", [{"role": "user"}]), {}),
    ("chat-any-role", "chat", ("m", [{"role": "somerandomrole", "content": "ok"}]), {}),
    (
        "chat-tool-round-trip",
        "chat",
        (
            "m",
            [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Weather?"},
                {"role": "assistant", "content": "", "tool_calls": [TOOL_CALL]},
                {"role": "tool", "content": "21 C", "tool_name": "get_weather"},
            ],
        ),
        {"tools": [WEATHER]},
    ),
    (
        "chat-none-fields",
        "chat",
        ("m", [{"role": "user", "content": "hi", "thinking": None, "images": None}]),
        {},
    ),
    ("chat-thinking", "chat", ("m", [{"role": "assistant", "content": "a", "thinking": "t"}]), {}),
    ("chat-images-empty", "chat", ("m", [{"role": "user", "content": "hi", "images": []}]), {}),
    ("chat-images-bytes", "chat", ("m", [{"role": "user", "content": "?", "images": [PNG]}]), {}),
    (
        "chat-images-path",
        "chat",
        (lambda tmp: ("m", [{"role": "user", "content": "?", "images": [_png(tmp)]}]),),
        {},
    ),
    (
        "chat-ollama-message-image",
        "chat",
        ("m", [ollama.Message(role="user", content="?", images=[ollama.Image(value=PNG)])]),
        {},
    ),
    (
        "chat-ollama-message-image-path",
        "chat",
        (
            lambda tmp: (
                "m",
                [ollama.Message(role="user", content="?", images=[ollama.Image(value=_png(tmp))])],
            ),
        ),
        {},
    ),
    (
        "chat-ollama-message-tool-calls",
        "chat",
        (
            "m",
            [
                ollama.Message(
                    role="assistant",
                    content="",
                    tool_calls=[ollama.Message.ToolCall.model_validate(TOOL_CALL)],
                )
            ],
        ),
        {},
    ),
    ("generate-plain", "generate", ("m", "Hi"), {}),
    ("generate-no-prompt", "generate", ("m",), {}),
    ("generate-stream", "generate", ("m", "Hi"), {"stream": True}),
    (
        "generate-all-text",
        "generate",
        ("m", "Hi", "and then"),
        {"system": "s", "template": "{{ .Prompt }}", "context": [1, 2, 3], "raw": True},
    ),
    ("generate-images-bytes", "generate", ("m", "?"), {"images": [PNG]}),
    ("generate-images-base64", "generate", ("m", "?"), {"images": ["aGVsbG8="]}),
    ("generate-images-ollama", "generate", ("m", "?"), {"images": [ollama.Image(value=PNG)]}),
    ("generate-images-path", "generate", (lambda tmp: ("m", "?"),), {"images": "path"}),
    ("generate-images-empty", "generate", ("m", "?"), {"images": []}),
    (
        "generate-options",
        "generate",
        ("m", "Hi"),
        {"think": "low", "format": "json", "options": {"seed": 1}, "keep_alive": "1h"},
    ),
    ("generate-format-empty", "generate", ("m", "Hi"), {"format": ""}),
    ("generate-logprobs", "generate", ("m", "Hi"), {"logprobs": True, "top_logprobs": 2}),
    ("generate-image-model", "generate", ("m", "sunset"), {"width": 64, "height": 32, "steps": 4}),
    ("embed-one", "embed", ("m", "a"), {}),
    ("embed-many", "embed", ("m", ["a", "b"]), {}),
    ("embed-tuple", "embed", ("m", ("a", "b")), {}),
    (
        "embed-all",
        "embed",
        ("m", ["a"]),
        {"truncate": False, "dimensions": 8, "options": {"num_ctx": 512}, "keep_alive": 60},
    ),
    ("embeddings-plain", "embeddings", ("m", "a"), {}),
    ("embeddings-no-prompt", "embeddings", ("m",), {}),
    ("embeddings-all", "embeddings", ("m", "a"), {"options": {"seed": 1}, "keep_alive": "2m"}),
    ("pull-plain", "pull", ("m",), {}),
    ("pull-all", "pull", ("m",), {"insecure": True, "stream": True}),
    ("push-plain", "push", ("m",), {}),
    ("push-all", "push", ("m",), {"insecure": True, "stream": True}),
    ("create-from", "create", ("m",), {"from_": "base"}),
    (
        "create-all",
        "create",
        ("m",),
        {
            "from_": "base",
            "quantize": "q4_K_M",
            "files": {"a.gguf": "sha256:1"},
            "adapters": {"b.gguf": "sha256:2"},
            "template": "t",
            "license": ["MIT", "other"],
            "system": "s",
            "parameters": {"stop": ["x"], "temperature": 0.1},
            "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": ""}],
        },
    ),
    ("create-license-str", "create", ("m",), {"from_": "base", "license": "MIT"}),
    (
        "create-options-model",
        "create",
        ("m",),
        {"from_": "b", "parameters": ollama.Options(seed=1)},
    ),
    ("create-stream", "create", ("m",), {"from_": "base", "stream": True}),
    ("copy", "copy", ("a", "b"), {}),
    ("delete", "delete", ("a",), {}),
    ("show", "show", ("a",), {}),
    ("list", "list", (), {}),
    ("ps", "ps", (), {}),
]


def _reply(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path in ("/api/copy", "/api/delete"):
        return httpx.Response(200)
    if path.startswith("/api/blobs/"):
        return httpx.Response(201)
    body = json.loads(request.content) if request.content else {}
    if body.get("stream"):
        line = json.dumps(REPLIES[path]).encode() + b"\n"
        return httpx.Response(200, content=line * 2)
    return httpx.Response(200, json=REPLIES[path])


Sent = list[tuple[str, str, Any]]


def _sent(requests: list[httpx.Request]) -> Sent:
    """Method, path and body of each request: decoded JSON (key order kept), else the bytes."""
    sent: Sent = []
    for request in requests:
        try:
            body = json.loads(request.content) if request.content else None
        except ValueError:
            body = request.content
        sent.append((request.method, request.url.path, body))
    return sent


def _resolve(case: Case, tmp_path: Path) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    _, method, args, kwargs = case
    if args and callable(args[0]):
        args = args[0](tmp_path)
    if kwargs.get("images") == "path":
        kwargs = {**kwargs, "images": [_png(tmp_path)]}
    return method, args, kwargs


# Ours, with nothing retried or remembered between calls (one request per call, as ollama).
_PLAIN = {"retry": RetryPolicy(attempts=1), "breaker": BreakerPolicy(enabled=False)}


def _ours_sync(transport: httpx.BaseTransport) -> SharedOllamaClient:
    return SharedOllamaClient(BASE, transport=transport, **_PLAIN)


def _ours_async(transport: httpx.AsyncBaseTransport) -> AsyncSharedOllamaClient:
    return AsyncSharedOllamaClient(BASE, transport=transport, **_PLAIN)


def _run_sync(
    make: Callable[[httpx.BaseTransport], Any], method: str, args: Any, kwargs: Any
) -> Sent:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        requests.append(request)
        return _reply(request)

    client = make(httpx.MockTransport(handler))
    try:
        result = getattr(client, method)(*args, **kwargs)
        if kwargs.get("stream"):
            list(result)
    finally:
        client.close()
    return _sent(requests)


def _run_async(
    make: Callable[[httpx.AsyncBaseTransport], Any], method: str, args: Any, kwargs: Any
) -> Sent:
    requests: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        await request.aread()
        requests.append(request)
        return _reply(request)

    async def go() -> None:
        client = make(httpx.MockTransport(handler))
        try:
            result = await getattr(client, method)(*args, **kwargs)
            if kwargs.get("stream"):
                [chunk async for chunk in result]
        finally:
            await client.close()

    asyncio.run(go())
    return _sent(requests)


def _keys_in_order(sent: Sent) -> list[list[str]]:
    return [list(body) if isinstance(body, dict) else [] for _, _, body in sent]


def test_parity_reference_is_ollama_0_6_3() -> None:
    """The parity tables compare with the ollama-python release the drop-in promise names."""
    assert version("ollama") == REFERENCE_VERSION


FLAVOURS = {
    "sync": (lambda t: ollama.Client(BASE, transport=t), _ours_sync, _run_sync),
    "async": (
        lambda t: ollama.AsyncClient(BASE, transport=t),
        _ours_async,
        _run_async,
    ),
}


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_parity_request_equals_ollama(case: Case, flavour: str, tmp_path: Path) -> None:
    """Our client sends what ollama's (sync or async) sends for the same arguments."""
    make_theirs, make_ours, run = FLAVOURS[flavour]
    method, args, kwargs = _resolve(case, tmp_path)
    theirs = run(make_theirs, method, args, kwargs)
    ours = run(make_ours, method, args, kwargs)
    assert ours == theirs
    assert _keys_in_order(ours) == _keys_in_order(theirs)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_parity_create_blob_sends_only_the_upload(flavour: str, tmp_path: Path) -> None:
    """``create_blob`` posts the file to the same URL, with the same bytes, and nothing else."""
    blob = tmp_path / "model.gguf"
    blob.write_bytes(b"weights")
    make_theirs, make_ours, run = FLAVOURS[flavour]
    theirs = run(make_theirs, "create_blob", (blob,), {})
    ours = run(make_ours, "create_blob", (blob,), {})
    assert ours == theirs
    assert ours[0][1] == "/api/blobs/sha256:" + hashlib.sha256(b"weights").hexdigest()


def test_parity_client_attribute_is_the_httpx_client_with_ollama_headers() -> None:
    """``client._client`` is the httpx client; JSON headers are forced as ollama forces them."""
    headers = {"X-Custom": "value", "Content-Type": "text/plain"}
    theirs = ollama.Client(BASE, headers=headers)
    ours = SharedOllamaClient(BASE, headers=headers)
    assert isinstance(ours._client, httpx.Client)
    for name in ("content-type", "accept", "x-custom"):
        assert ours._client.headers[name] == theirs._client.headers[name]
    assert ours._client.headers["user-agent"].startswith("ollama-python/")
    ours.close()
    theirs.close()
    assert ours._client.is_closed


# --- the differences we make on purpose (docs/migration.md says why) -------------------------

TOOL_WITH_MORE_SCHEMA = {
    "type": "function",
    "function": {
        "name": "f",
        "parameters": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"n": {"type": "integer", "minimum": 1, "default": 3}},
        },
    },
}


def _body_of(run: Sent) -> Any:
    ((_, _, body),) = run
    return body


# (id, args, kwargs, field, what ollama-python sends, what we send)
DIFFERENCES = [
    (
        "tool-schema-keywords-kept",
        ("m", HI),
        {"tools": [TOOL_WITH_MORE_SCHEMA]},
        "tools",
        [
            {
                "type": "function",
                "function": {
                    "name": "f",
                    "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}},
                },
            }
        ],
        [TOOL_WITH_MORE_SCHEMA],
    ),
    (
        "unknown-message-keys-kept",
        ("m", [{"role": "user", "content": "Hi", "name": "ann"}]),
        {},
        "messages",
        [{"role": "user", "content": "Hi"}],
        [{"role": "user", "content": "Hi", "name": "ann"}],
    ),
    (
        "bare-number-keep-alive-is-seconds",
        ("m", HI),
        {"keep_alive": "300"},
        "keep_alive",
        "300",
        300,
    ),
]


@pytest.mark.parametrize(
    ("args", "kwargs", "field", "theirs", "ours"),
    [case[1:] for case in DIFFERENCES],
    ids=[case[0] for case in DIFFERENCES],
)
def test_parity_deliberate_differences(
    args: Any, kwargs: Any, field: str, theirs: Any, ours: Any
) -> None:
    """Where we send more than ollama-python on purpose (docs/migration.md says why)."""
    sent_by_ollama = _run_sync(lambda t: ollama.Client(BASE, transport=t), "chat", args, kwargs)
    sent_by_us = _run_sync(_ours_sync, "chat", args, kwargs)
    assert _body_of(sent_by_ollama)[field] == theirs
    assert _body_of(sent_by_us)[field] == ours
