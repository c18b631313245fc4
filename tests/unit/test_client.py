"""The sync and async clients over httpx.MockTransport: requests sent, results, errors, streams."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared_ollama import (
    CapabilityError,
    ChatResponse,
    EmbedResponse,
    GenerateResponse,
    InvalidRequestError,
    ModelNotFoundError,
    OllamaUnavailableError,
    RequestError,
    ServerBusyError,
    ServerError,
    StreamInterruptedError,
)

from .conftest import ApiRunner, ChunkedBody

MakeApi = Callable[..., ApiRunner]
FINAL = {
    "model": "m",
    "created_at": "2024-01-01T00:00:00Z",
    "done": True,
    "done_reason": "stop",
    "total_duration": 10,
    "load_duration": 1,
    "prompt_eval_count": 5,
    "prompt_eval_duration": 2,
    "eval_count": 3,
    "eval_duration": 4,
}


def chat_line(content: str, *, done: bool = False) -> bytes:
    data: dict[str, Any] = {
        "model": "m",
        "created_at": "2024-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": content},
        "done": done,
    }
    if done:
        data.update(FINAL)
    return json.dumps(data).encode() + b"\n"


def ndjson(*lines: bytes) -> bytes:
    return b"".join(lines)


def test_chat_sends_exact_body_and_returns_typed_response(make_api: MakeApi) -> None:
    """A non-streaming chat posts one JSON body and returns a ChatResponse readable both ways."""
    api = make_api(lambda request: httpx.Response(200, content=chat_line("hi", done=True)))
    response = api.run(
        "chat",
        "m",
        [{"role": "user", "content": "hello"}],
        options={"temperature": 0.2},
        keep_alive="5m",
    )
    assert isinstance(response, ChatResponse)
    assert response.message.content == "hi"
    assert response["message"]["content"] == "hi"
    assert response.eval_count == 3
    (request,) = api.requests
    assert (request.method, request.url.path) == ("POST", "/api/chat")
    assert json.loads(request.content) == {
        "model": "m",
        "messages": [{"role": "user", "content": "hello"}],
        "tools": [],
        "stream": False,
        "options": {"temperature": 0.2},
        "keep_alive": "5m",
    }


def test_chat_stream_reassembles_lines_split_across_chunks(make_api: MakeApi) -> None:
    """Lines split mid-JSON, blank lines and a last line without newline all decode."""
    body = ndjson(chat_line("Hel"), b"\n", chat_line("lo"), chat_line("", done=True)).rstrip(b"\n")
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": []})
        return httpx.Response(200, stream=ChunkedBody(pieces))

    chunks = make_api(handler).run("chat", "m", [{"role": "user", "content": "x"}], stream=True)
    assert [chunk.message.content for chunk in chunks] == ["Hel", "lo", ""]
    assert chunks[-1].done is True
    assert chunks[-1].eval_count == 3


def test_generate_stream_error_line_keeps_partial_text(make_api: MakeApi) -> None:
    """An {"error"} line after chunks raises StreamInterruptedError with the text so far."""
    lines = [
        json.dumps({"model": "m", "response": "foo", "done": False}).encode() + b"\n",
        json.dumps({"model": "m", "response": "bar", "done": False}).encode() + b"\n",
        b'{"error":"runner crashed"}\n',
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": [{"model": "m"}]})
        return httpx.Response(200, stream=ChunkedBody(lines))

    api = make_api(handler)
    with pytest.raises(StreamInterruptedError) as caught:
        api.run("generate", "m", "prompt", stream=True)
    assert caught.value.partial == "foobar"
    assert caught.value.chunks_received == 2
    assert caught.value.error == "runner crashed"
    assert sum(r.url.path == "/api/generate" for r in api.requests) == 1


def test_chat_stream_disconnect_after_first_chunk_is_not_retried(make_api: MakeApi) -> None:
    """A dropped connection mid-stream raises StreamInterruptedError, and nothing is resent."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": []})
        body = ChunkedBody([chat_line("part")], then_raise=httpx.ReadError("connection reset"))
        return httpx.Response(200, stream=body)

    api = make_api(handler)
    with pytest.raises(StreamInterruptedError) as caught:
        api.run("chat", "m", [{"role": "user", "content": "x"}], stream=True)
    assert caught.value.partial == "part"
    assert sum(r.url.path == "/api/chat" for r in api.requests) == 1


def test_chat_stream_ending_without_done_is_interrupted(make_api: MakeApi) -> None:
    """A truncated body (no done chunk) is reported, not silently accepted."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": []})
        return httpx.Response(200, stream=ChunkedBody([chat_line("a"), chat_line("b")]))

    with pytest.raises(StreamInterruptedError, match="without its final `done`") as caught:
        make_api(handler).run("chat", "m", [], stream=True)
    assert caught.value.partial == "ab"


def test_chat_stream_malformed_line_is_interrupted(make_api: MakeApi) -> None:
    """A line that is not JSON after the first chunk raises StreamInterruptedError."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": []})
        return httpx.Response(200, stream=ChunkedBody([chat_line("a"), b"<html>oops\n"]))

    with pytest.raises(StreamInterruptedError, match="not JSON"):
        make_api(handler).run("chat", "m", [], stream=True)


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (404, 'model "nope" not found, try pulling it first', ModelNotFoundError),
        (400, "registry.ollama.ai/library/smollm2:135m does not support tools", CapabilityError),
        (400, "invalid options: num_ctx", InvalidRequestError),
        (500, "llama runner process has terminated: exit status 2", ServerError),
        (503, "server busy, please try again.  maximum pending requests exceeded", ServerBusyError),
    ],
)
def test_error_status_maps_to_its_class_stream_or_not(
    make_api: MakeApi, status: int, error: str, expected: type[Exception]
) -> None:
    """Each Ollama error status raises its own class, the same for streaming and not."""
    for stream in (False, True):
        api = make_api(
            lambda request: (
                httpx.Response(200, json={"models": []})
                if request.url.path == "/api/ps"
                else httpx.Response(status, json={"error": error})
            )
        )
        with pytest.raises(expected) as caught:
            api.run("chat", "nope", [{"role": "user", "content": "x"}], stream=stream)
        assert caught.value.status_code == status  # type: ignore[attr-defined]
        assert caught.value.error == error  # type: ignore[attr-defined]


def test_model_not_found_names_the_pull_command(make_api: MakeApi) -> None:
    """The 404 message tells the user exactly how to fetch the model."""
    api = make_api(
        lambda r: httpx.Response(
            404, json={"error": 'model "qwen3" not found, try pulling it first'}
        )
    )
    with pytest.raises(ModelNotFoundError) as caught:
        api.run("show", "qwen3")
    assert caught.value.model == "qwen3"
    assert "ollama pull qwen3" in str(caught.value)


def test_server_busy_is_retried_once_then_raised(make_api: MakeApi) -> None:
    """A queue-full 503 is retried at most once (waits are zero in tests) before it surfaces."""
    busy = {"error": "server busy, please try again.  maximum pending requests exceeded"}
    api = make_api(lambda r: httpx.Response(503, json=busy))
    with pytest.raises(ServerBusyError):
        api.run("embed", "m", ["a"])
    assert len(api.requests) == 2


def test_connection_refused_is_retried_then_unavailable(make_api: MakeApi) -> None:
    """A refused connection is retried up to 3 attempts in all, then OllamaUnavailableError."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    api = make_api(handler)
    with pytest.raises(OllamaUnavailableError, match="shared-ollama start"):
        api.run("list")
    assert len(api.requests) == 3


def test_transient_server_fault_recovers_on_retry(make_api: MakeApi) -> None:
    """A 500 followed by success returns the success: one retry for a server fault."""
    replies = [
        httpx.Response(500, json={"error": "no slots"}),
        httpx.Response(200, json={"version": "0.5.4"}),
    ]
    api = make_api(lambda r: replies.pop(0))
    assert api.run("version").version == "0.5.4"
    assert len(api.requests) == 2


def test_caller_error_is_never_retried(make_api: MakeApi) -> None:
    """A 400 is the caller's mistake: exactly one request."""
    api = make_api(lambda r: httpx.Response(400, json={"error": "invalid input"}))
    with pytest.raises(InvalidRequestError):
        api.run("generate", "m", "x")
    assert len(api.requests) == 1


def test_embed_returns_vectors_in_input_order(make_api: MakeApi) -> None:
    """embed() sends the batch once and returns one vector per input."""
    vectors = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]
    api = make_api(lambda r: httpx.Response(200, json={"model": "e", "embeddings": vectors}))
    response = api.run("embed", "e", ["a", "b", "c"], dimensions=2, truncate=True)
    assert isinstance(response, EmbedResponse)
    assert response.embeddings == vectors
    assert json.loads(api.requests[0].content) == {
        "model": "e",
        "input": ["a", "b", "c"],
        "truncate": True,
        "dimensions": 2,
    }


def test_generate_sends_every_documented_field(make_api: MakeApi) -> None:
    """generate() forwards suffix, system, template, context, raw, images and think."""
    api = make_api(
        lambda r: httpx.Response(200, json={"model": "m", "response": "ok", "done": True})
    )
    result = api.run(
        "generate",
        "m",
        "p",
        "s",
        system="sys",
        template="{{ .Prompt }}",
        context=[1, 2],
        raw=True,
        images=[b"\x89PNG"],
        think="high",
        format="json",
    )
    assert isinstance(result, GenerateResponse)
    sent = json.loads(api.requests[0].content)
    assert sent["suffix"] == "s"
    assert sent["context"] == [1, 2]
    assert sent["think"] == "high"
    assert sent["format"] == "json"
    assert sent["images"] == ["iVBORw=="]
    assert sent["raw"] is True


@pytest.mark.parametrize(
    ("method", "args", "http_method", "path"),
    [
        ("list", (), "GET", "/api/tags"),
        ("ps", (), "GET", "/api/ps"),
        ("version", (), "GET", "/api/version"),
        ("show", ("m",), "POST", "/api/show"),
        ("copy", ("a", "b"), "POST", "/api/copy"),
        ("delete", ("m",), "DELETE", "/api/delete"),
        ("pull", ("m",), "POST", "/api/pull"),
        ("push", ("m",), "POST", "/api/push"),
        ("create", ("m",), "POST", "/api/create"),
        ("embeddings", ("m", "p"), "POST", "/api/embeddings"),
    ],
)
def test_admin_endpoints_use_ollama_routes(
    make_api: MakeApi, method: str, args: tuple[Any, ...], http_method: str, path: str
) -> None:
    """Every endpoint hits Ollama's documented method and path and parses the reply."""
    replies = {
        "/api/tags": {"models": [{"name": "m:latest", "model": "m:latest", "size": 1}]},
        "/api/ps": {"models": []},
        "/api/version": {"version": "0.5.4"},
        "/api/show": {"modelfile": "FROM x", "model_info": {"general.architecture": "llama"}},
        "/api/pull": {"status": "success"},
        "/api/push": {"status": "success"},
        "/api/create": {"status": "success"},
        "/api/embeddings": {"embedding": [0.5]},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        reply = replies.get(request.url.path)
        return httpx.Response(200, json=reply) if reply is not None else httpx.Response(200)

    api = make_api(handler)
    result = api.run(method, *args)
    assert (api.requests[0].method, api.requests[0].url.path) == (http_method, path)
    if method in ("copy", "delete"):
        assert result.status == "success"


def test_missing_model_is_rejected_before_sending(make_api: MakeApi) -> None:
    """chat() without a model raises RequestError (a ValueError) and sends nothing."""
    api = make_api(lambda r: httpx.Response(200))
    with pytest.raises(RequestError, match="needs a model name"):
        api.run("chat", "", [])
    with pytest.raises(ValueError, match="needs a model name"):
        api.run("embed", "")
    assert api.requests == []


def test_client_resolves_host_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no host argument the client follows OLLAMA_HOST by Ollama's rules."""
    from shared_ollama import SharedOllamaClient

    for name in ("SHARED_OLLAMA_URL", "OLLAMA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:4321")
    with SharedOllamaClient() as client:
        assert client.base_url == "http://127.0.0.1:4321"


def test_client_sends_bearer_token_and_basic_auth(
    make_api: MakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OLLAMA_API_KEY becomes a bearer token; custom headers are kept."""
    monkeypatch.setenv("OLLAMA_API_KEY", "sekrit")
    api = make_api(lambda r: httpx.Response(200, json={"version": "1"}), headers={"X-Team": "a"})
    api.run("version")
    request = api.requests[0]
    assert request.headers["authorization"] == "Bearer sekrit"
    assert request.headers["x-team"] == "a"
    assert request.headers["user-agent"].startswith(
        "ollama-python/0.6.3 (compatible; shared-ollama/"
    )


def test_health_gate_fails_fast_with_reason_when_server_is_down() -> None:
    """With health_gate=True a down server is reported before the call is attempted."""
    import httpx as _httpx

    from shared_ollama import HealthGate, ServiceHealth, SharedOllamaClient

    probes: list[str] = []

    def probe() -> ServiceHealth:
        probes.append("probe")
        return ServiceHealth(up=False, base_url="http://h:1", error="connection refused")

    sent: list[_httpx.Request] = []
    gate = HealthGate("http://h:1", probe=probe)
    client = SharedOllamaClient(
        "http://h:1",
        transport=_httpx.MockTransport(lambda r: sent.append(r) or _httpx.Response(200)),
        health_gate=gate,
    )
    for _ in range(3):
        with pytest.raises(OllamaUnavailableError, match="connection refused"):
            client.version()
    assert sent == []
    assert probes == ["probe"]


def test_reply_with_wrong_shape_is_a_server_error(make_api: MakeApi) -> None:
    """A 200 whose JSON breaks the documented shape raises ServerError, not a pydantic error."""
    bad = {
        "model": "m",
        "message": {
            "role": "assistant",
            "tool_calls": [{"function": {"name": "f", "arguments": "{not json"}}],
        },
        "done": True,
    }
    api = make_api(lambda r: httpx.Response(200, json=bad))
    with pytest.raises(ServerError, match="does not match its API"):
        api.run("chat", "m", [])


def test_stall_before_headers_is_a_first_byte_timeout(make_api: MakeApi) -> None:
    """No reply in time: RequestTimeoutError(phase="first_byte"), retried once as a server fault."""
    from shared_ollama import RequestTimeoutError

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    api = make_api(handler)
    with pytest.raises(RequestTimeoutError) as caught:
        api.run("generate", "m", "x")
    assert caught.value.phase == "first_byte"
    assert "may still be loading" in str(caught.value)
    assert len(api.requests) == 2


def test_stall_mid_stream_is_a_between_chunks_timeout(make_api: MakeApi) -> None:
    """A stream that stops sending after a chunk times out between chunks and is not resent."""
    from shared_ollama import RequestTimeoutError

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": []})
        body = ChunkedBody([chat_line("a")], then_raise=httpx.ReadTimeout("stalled"))
        return httpx.Response(200, stream=body)

    api = make_api(handler)
    with pytest.raises(RequestTimeoutError) as caught:
        api.run("chat", "m", [], stream=True)
    assert caught.value.phase == "between_chunks"
    assert sum(r.url.path == "/api/chat" for r in api.requests) == 1


def test_total_failure_costs_about_one_attempt_per_request() -> None:
    """Against a dead server the retry budget keeps attempts near one per request (<= 1.2)."""
    from shared_ollama import BreakerPolicy, SharedOllamaClient

    attempts = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("refused", request=request)

    client = SharedOllamaClient(
        "http://dead.test:1",
        transport=httpx.MockTransport(refuse),
        breaker=BreakerPolicy(enabled=False),
    )
    for _ in range(500):
        with pytest.raises(OllamaUnavailableError):
            client.version()
    assert attempts / 500 <= 1.2


def test_stream_line_that_is_not_an_object_is_a_server_error(make_api: MakeApi) -> None:
    """A stream line that is JSON but not an object raises ServerError, not AttributeError."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/ps":
            return httpx.Response(200, json={"models": []})
        return httpx.Response(200, stream=ChunkedBody([b'"proxy says hi"\n']))

    with pytest.raises(ServerError, match="not an object"):
        make_api(handler).run("chat", "m", [], stream=True)


def test_waiting_for_our_own_slot_never_opens_the_breaker() -> None:
    """Pool timeouts in our own queue are not the server's fault: the breaker stays closed."""
    import threading

    from shared_ollama import (
        BreakerState,
        RequestTimeoutError,
        RetryPolicy,
        SharedOllamaClient,
        TimeoutPolicy,
    )
    from shared_ollama._resilience._breaker_registry import breaker_for

    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/generate":
            release.wait(10)
        return httpx.Response(
            200, json={"version": "1", "model": "m", "response": "", "done": True}
        )

    client = SharedOllamaClient(
        "http://queue.test:1",
        transport=httpx.MockTransport(handler),
        max_in_flight=1,
        retry=RetryPolicy(attempts=1),
        timeout=TimeoutPolicy(pool=0.01),
    )
    slow = threading.Thread(target=lambda: client.generate("m", "x"))
    slow.start()
    try:
        for _ in range(6):
            with pytest.raises(RequestTimeoutError) as caught:
                client.version()
            assert caught.value.phase == "pool"
        assert breaker_for("http://queue.test:1").state is BreakerState.CLOSED
    finally:
        release.set()
        slow.join(10)
    assert client.version().version == "1"


def test_async_slot_survives_cancellation_while_handing_it_back() -> None:
    """A call cancelled while it waits to hand its slot back still hands it back."""
    import asyncio

    from shared_ollama import AsyncSharedOllamaClient

    base = "http://cancel.test:1"
    held: list[asyncio.Condition] = []

    async def run() -> int:
        async def handler(request: httpx.Request) -> httpx.Response:
            if held:
                await held[0].acquire()  # the slot's lock is now taken when the reply returns
            return httpx.Response(200, json={"version": "1"})

        async with AsyncSharedOllamaClient(
            base, transport=httpx.MockTransport(handler), max_in_flight=1
        ) as client:
            await client.version()
            limit, condition = client._limits.current()[base]
            held.append(condition)
            task = asyncio.ensure_future(client.version())
            for _ in range(10):
                await asyncio.sleep(0)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            held.clear()
            condition.release()
            for _ in range(10):
                await asyncio.sleep(0)
            assert (await client.version()).version == "1"
            return limit.in_flight

    assert asyncio.run(run()) == 0


def test_write_timeout_reports_the_write_limit(make_api: MakeApi) -> None:
    """A write stall names the write limit, not the connect one."""
    from shared_ollama import RequestTimeoutError, TimeoutPolicy

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.WriteTimeout("stalled", request=request)

    api = make_api(handler, timeout=TimeoutPolicy(connect=3, write=7))
    with pytest.raises(RequestTimeoutError) as caught:
        api.run("version")
    assert caught.value.phase == "write"
    assert caught.value.timeout == 7


def test_error_body_with_status_200_is_classified_by_its_text(make_api: MakeApi) -> None:
    """{"error": "model ... not found"} sent with 200 is still a ModelNotFoundError, not retried."""
    api = make_api(
        lambda r: httpx.Response(200, json={"error": 'model "x" not found, try pulling it first'})
    )
    with pytest.raises(ModelNotFoundError):
        api.run("show", "x")
    assert len(api.requests) == 1
