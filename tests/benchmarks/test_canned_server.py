"""The canned benchmark server answers with Ollama 0.5.4's shapes; the harness runs end to end.

The server and the harness run as subprocesses, exactly as ``python benchmarks/run.py`` starts
them; the tests talk to the server over loopback only. Nothing here asserts on timings.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
STATS = (
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
)
CASES = ("chat", "stream", "embed", "chat_concurrent")
RATIO_FIELDS = {
    "key",
    "label",
    "case",
    "contender",
    "reference",
    "metric",
    "value",
    "limit",
    "verdict",
    "note",
}


def _start(*extra: str) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen(
        [sys.executable, str(BENCHMARKS / "canned_server.py"), *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def _stop(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.wait(timeout=10)
    if server.stdout is not None:
        server.stdout.close()


@pytest.fixture(scope="module")
def canned_url() -> Iterator[str]:
    """Start the canned server in its own process and yield its base URL."""
    server, url = _start()
    try:
        assert url.startswith("http://127.0.0.1:"), f"server did not start: {url!r}"
        yield url
    finally:
        _stop(server)


@pytest.fixture
def client(canned_url: str) -> Iterator[httpx.Client]:
    """An httpx client on the canned server."""
    with httpx.Client(base_url=canned_url, timeout=30) as http:
        yield http


def _raw_exchange(url: str, request: bytes, *, responses: int = 1) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        while received.count(b"HTTP/1.1 ") < responses or not _complete(received):
            data = connection.recv(65536)
            if not data:
                break
            received += data
    return received


def _complete(received: bytes) -> bool:
    head, _, body = received.rpartition(b"HTTP/1.1 ")[2].partition(b"\r\n\r\n")
    if b"Transfer-Encoding: chunked" in head:
        return body.endswith(b"0\r\n\r\n")
    match = re.search(rb"Content-Length: (\d+)", head)
    return match is not None and len(body) >= int(match.group(1))


def _post(path: str, body: dict[str, Any], url: str) -> bytes:
    payload = json.dumps(body).encode()
    host = url.removeprefix("http://")
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload


def _chunks(body: bytes) -> list[bytes]:
    chunks: list[bytes] = []
    while True:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return chunks
        chunks.append(rest[:size])
        assert rest[size : size + 2] == b"\r\n"
        body = rest[size + 2 :]


def test_canned_server_chat_reply_has_ollama_fields_in_order(client: httpx.Client) -> None:
    """A non-streamed chat has Ollama 0.5.4's fields, in its order, with the default 32 tokens."""
    response = client.post(
        "/api/chat",
        json={"model": "m1", "messages": [{"role": "user", "content": "hi"}], "stream": False},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    reply = response.json()
    assert list(reply) == ["model", "created_at", "message", "done_reason", "done", *STATS]
    assert reply["model"] == "m1"
    assert reply["message"]["role"] == "assistant"
    assert reply["message"]["content"]
    assert reply["done"] is True
    assert reply["eval_count"] == 32
    assert all(isinstance(reply[name], int) for name in STATS)


def test_canned_server_chat_stream_sends_one_chunk_per_ndjson_line(canned_url: str) -> None:
    """A streamed chat is chunked NDJSON: num_predict content chunks, then done with stats."""
    request = _post(
        "/api/chat",
        {
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "options": {"num_predict": 5},
        },
        canned_url,
    )
    head, _, body = _raw_exchange(canned_url, request).partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert b"Content-Type: application/x-ndjson" in head
    chunks = _chunks(body)
    assert len(chunks) == 6
    assert all(chunk.endswith(b"\n") and chunk.count(b"\n") == 1 for chunk in chunks)
    lines = [json.loads(chunk) for chunk in chunks]
    assert [line["done"] for line in lines] == [False] * 5 + [True]
    assert all(line["message"]["content"] for line in lines[:5])
    assert lines[-1]["message"] == {"role": "assistant", "content": ""}
    assert lines[-1]["done_reason"] == "stop"
    assert lines[-1]["eval_count"] == 5
    assert set(STATS) <= set(lines[-1])


def test_canned_server_stream_text_matches_whole_reply(client: httpx.Client) -> None:
    """The chunks of a streamed chat concatenate to the non-streamed reply of the same length."""
    body = {"model": "m", "messages": [], "options": {"num_predict": 40}}
    with client.stream("POST", "/api/chat", json=body) as response:
        lines = [json.loads(line) for line in response.iter_lines() if line]
    whole = client.post("/api/chat", json={**body, "stream": False}).json()
    assert len(lines) == 41
    assert "".join(line["message"]["content"] for line in lines) == whole["message"]["content"]


def test_canned_server_generate_has_response_and_context(client: httpx.Client) -> None:
    """Generate replies carry response text, and the final one carries the context."""
    body = {"model": "m", "prompt": "hi", "options": {"num_predict": 3}}
    whole = client.post("/api/generate", json={**body, "stream": False}).json()
    assert list(whole)[:6] == ["model", "created_at", "response", "done", "done_reason", "context"]
    assert whole["response"]
    assert all(isinstance(token, int) for token in whole["context"])
    with client.stream("POST", "/api/generate", json=body) as response:
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert [line["done"] for line in lines] == [False, False, False, True]
    assert "".join(line["response"] for line in lines) == whole["response"]
    assert lines[-1]["context"] == whole["context"]


def test_canned_server_embed_returns_one_row_of_768_per_input(client: httpx.Client) -> None:
    """Embed returns a 768-float row per input, written like Ollama's float text."""
    response = client.post("/api/embed", json={"model": "m", "input": ["a", "b", "c"]})
    reply = response.json()
    assert list(reply) == [
        "model",
        "embeddings",
        "total_duration",
        "load_duration",
        "prompt_eval_count",
    ]
    assert [len(row) for row in reply["embeddings"]] == [768, 768, 768]
    assert all(isinstance(value, float) for value in reply["embeddings"][0])
    assert re.search(rb"\[-?0\.\d{10},-?0\.\d{10},", response.content)
    single = client.post("/api/embed", json={"model": "m", "input": "one text"}).json()
    assert len(single["embeddings"]) == 1


def test_canned_server_embeddings_returns_one_vector(client: httpx.Client) -> None:
    """The legacy embeddings route returns one 768-float vector."""
    reply = client.post("/api/embeddings", json={"model": "m", "prompt": "a"}).json()
    assert list(reply) == ["embedding"]
    assert len(reply["embedding"]) == 768


def test_canned_server_metadata_routes_have_ollama_shapes(client: httpx.Client) -> None:
    """Tags, show, ps and version answer with Ollama's fields."""
    tags = client.get("/api/tags").json()
    assert set(tags["models"][0]) == {"name", "model", "modified_at", "size", "digest", "details"}
    show = client.post("/api/show", json={"model": "smollm2:135m"}).json()
    assert {"modelfile", "parameters", "template", "details", "model_info"} <= set(show)
    assert show["model_info"]["llama.context_length"] == 8192
    ps = client.get("/api/ps").json()
    assert {"name", "model", "size", "digest", "details", "expires_at", "size_vram"} == set(
        ps["models"][0]
    )
    assert client.get("/api/version").json() == {"version": "0.5.4"}
    assert client.get("/").text == "Ollama is running"


def test_canned_server_unknown_route_answers_404_with_error(client: httpx.Client) -> None:
    """An unknown route answers 404 with an Ollama-style error body."""
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert "error" in response.json()


def test_canned_server_keeps_the_connection_alive(canned_url: str) -> None:
    """Two pipelined requests on one connection get two replies, in order."""
    host = canned_url.removeprefix("http://")
    request = f"GET /api/version HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    tags = f"GET /api/tags HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    received = _raw_exchange(canned_url, request + tags, responses=2)
    assert received.count(b"HTTP/1.1 200 OK") == 2
    assert received.index(b'"version"') < received.index(b'"models"')


def test_canned_server_paced_mode_sends_the_same_stream() -> None:
    """With --paced the stream has the same chunks, written one loop turn at a time."""
    server, url = _start("--paced")
    try:
        request = _post("/api/chat", {"model": "m", "options": {"num_predict": 7}}, url)
        _, _, body = _raw_exchange(url, request).partition(b"\r\n\r\n")
    finally:
        _stop(server)
    chunks = _chunks(body)
    assert len(chunks) == 8
    assert json.loads(chunks[-1])["done"] is True


def test_harness_quick_run_writes_every_case_and_ratio(tmp_path: Path) -> None:
    """`run.py --quick` runs end to end and writes JSON with every case and ratio field."""
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["cases"]) == {*CASES, "import", "contention"}
    for case in CASES:
        raw = results["cases"][case]["contenders"]["raw-httpx"]
        assert raw["status"] == "ok", raw
        assert {"cpu_ms", "wall_ms", "cpu_min_ms", "cpu_max_ms", "calls", "rounds"} <= set(raw)
    assert results["cases"]["import"]["modules"]["ollama"]["cpu_s"] is not None
    assert results["cases"]["contention"]["status"] == "skipped"
    keys = {row["key"] for row in results["ratios"]}
    assert {
        "shared_ollama_chat_vs_raw_httpx",
        "shared_ollama_stream_vs_raw_httpx",
        "shared_ollama_embed_vs_raw_httpx",
        "langchain_shared_ollama_chat_vs_raw_plus_floor",
        "langchain_shared_ollama_stream_vs_raw_plus_floor",
        "langchain_shared_ollama_embed_vs_langchain_ollama",
        "llama_index_shared_ollama_chat_vs_raw_plus_floor",
        "llama_index_shared_ollama_stream_vs_raw_plus_floor",
        "llama_index_shared_ollama_embed_vs_llama_index_ollama",
        "import_shared_ollama_vs_ollama",
        "contention_shared_ollama_errors",
        "contention_shared_ollama_total_vs_serial",
    } <= keys
    for row in results["ratios"]:
        assert set(row) == RATIO_FIELDS
        assert row["verdict"] in {"PASS", "FAIL", "INFO", "SKIP"}
        assert (row["value"] is None) == (row["verdict"] == "SKIP")
    assert "| Comparison |" in (tmp_path / "results.md").read_text()
    assert (tmp_path / "results.svg").read_text().startswith("<svg")
    assert "target <=" in completed.stdout
