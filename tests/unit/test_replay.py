"""The offline replay server answering real clients (official, ours, httpx) on loopback."""

from __future__ import annotations

import argparse
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import ollama
import pytest

from shared_ollama import SharedOllamaClient
from shared_ollama.testing._replay_cli import _is_loopback, configure_replay_parser, run_replay
from shared_ollama.testing._replay_http import REPLAY_HEADER
from shared_ollama.testing._replay_http import read_chunked as _read_chunked
from shared_ollama.testing._replay_server import ReplayServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cassettes"
MODEL = "smollm2:135m"
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "Say hi"}]}
OPTIONS = {"seed": 7, "num_predict": 8}


@pytest.fixture(scope="module")
def replay() -> Iterator[ReplayServer]:
    """One replay server over the fixture cassettes for the module's client tests."""
    with ReplayServer(FIXTURES) as server:
        yield server


@pytest.fixture
def official(replay: ReplayServer) -> Iterator[ollama.Client]:
    """The official ``ollama.Client`` pointed at the replay server, sequences rewound."""
    replay.rewind()
    client = ollama.Client(host=replay.url)
    yield client
    client.close()


def test_read_chunked_reassembles_a_chunked_request_body() -> None:
    """A chunked request body (with an extension and a trailer) is reassembled."""
    wire = io.BytesIO(b"4;ext=1\r\nabcd\r\n2\r\nef\r\n0\r\nX-Trailer: 1\r\n\r\n")
    assert _read_chunked(wire) == b"abcdef"


# --- the official ollama client --------------------------------------------------------------


def test_replay_server_answers_official_chat(official: ollama.Client) -> None:
    """``ollama.Client.chat`` gets the recorded reply, typed, with its statistics."""
    response = official.chat(model=MODEL, messages=CHAT["messages"], options=OPTIONS)
    assert response.message.role == "assistant"
    assert response.message.content == "Hi, hello. I'm here to"
    assert response.done_reason == "length"
    assert response.eval_count == 8


def test_replay_server_streams_official_chat(official: ollama.Client) -> None:
    """A streamed chat arrives as the recorded chunks, the last one done."""
    parts = list(
        official.chat(model=MODEL, messages=CHAT["messages"], options=OPTIONS, stream=True)
    )
    assert [part.message.content for part in parts] == ["Hi", ",", " hello", ""]
    assert [part.done for part in parts] == [False, False, False, True]


def test_replay_server_answers_official_generate(official: ollama.Client) -> None:
    """``generate`` replays both plain and streamed (the latter recorded as binary)."""
    prompt = "Why is the sky blue?"
    whole = official.generate(model=MODEL, prompt=prompt, options=OPTIONS)
    assert whole.response == "The answer to your question lies in the"
    assert whole.context is not None
    streamed = list(official.generate(model=MODEL, prompt=prompt, options=OPTIONS, stream=True))
    assert "".join(part.response for part in streamed) == "The answer to"
    assert streamed[-1].done


def test_replay_server_answers_official_embed(official: ollama.Client) -> None:
    """``embed`` returns one vector per input."""
    response = official.embed(model=MODEL, input=["hello", "world"])
    assert len(response.embeddings) == 2
    assert all(len(vector) == 4 for vector in response.embeddings)


def test_replay_server_answers_official_list_and_show(official: ollama.Client) -> None:
    """``list`` and ``show`` parse into the official types."""
    assert [model.model for model in official.list().models] == [MODEL]
    shown = official.show(MODEL)
    assert shown.modelinfo is not None
    assert shown.modelinfo["llama.context_length"] == 8192
    assert shown.details is not None
    assert shown.details.family == "llama"


def test_replay_server_answers_version_to_the_official_session(official: ollama.Client) -> None:
    """``ollama.Client`` has no ``version()``; its own HTTP session reads the recorded one."""
    response = official._client.get("/api/version")
    assert response.json() == {"version": "0.5.4-ipexllm-20250407"}


def test_replay_server_unmatched_raises_official_response_error(official: ollama.Client) -> None:
    """The official client raises ResponseError(501) carrying the cassette-miss text."""
    with pytest.raises(ollama.ResponseError) as caught:
        official.chat(model=MODEL, messages=[{"role": "user", "content": "unrecorded"}])
    assert caught.value.status_code == 501
    assert "Cassette miss: no recording matches POST /api/chat" in caught.value.error
    assert "shared-ollama replay --cassettes" in caught.value.error


def test_replay_server_replays_recorded_errors(official: ollama.Client) -> None:
    """A recorded 404 comes back as the official client's ResponseError(404)."""
    with pytest.raises(ollama.ResponseError) as caught:
        official.chat(model="missing:latest", messages=CHAT["messages"])
    assert caught.value.status_code == 404
    assert "not found" in caught.value.error


async def test_replay_server_streams_to_official_async_client(replay: ReplayServer) -> None:
    """``ollama.AsyncClient`` streams the recorded chat too."""
    replay.rewind()
    client = ollama.AsyncClient(host=replay.url)
    stream = await client.chat(model=MODEL, messages=CHAT["messages"], options=OPTIONS, stream=True)
    contents = [part.message.content async for part in stream]
    await client.close()
    assert contents == ["Hi", ",", " hello", ""]


# --- our client and plain httpx --------------------------------------------------------------


def test_replay_server_answers_shared_ollama_client(replay: ReplayServer) -> None:
    """Our client replays what the official client recorded (it leaves out ``"tools": []``)."""
    replay.rewind()
    messages = CHAT["messages"]
    with SharedOllamaClient(replay.url) as client:
        assert client.version().version == "0.5.4-ipexllm-20250407"
        assert [model.model for model in client.list().models] == [MODEL]
        assert client.show(MODEL).details.family == "llama"
        reply = client.chat(model=MODEL, messages=messages, options=OPTIONS)
        assert reply.message.content == "Hi, hello. I'm here to"
        parts = list(client.chat(model=MODEL, messages=messages, options=OPTIONS, stream=True))
        assert [part.message.content for part in parts] == ["Hi", ",", " hello", ""]
        prompt = "Why is the sky blue?"
        assert client.generate(model=MODEL, prompt=prompt, options=OPTIONS).done
        assert len(client.embed(model=MODEL, input=["hello", "world"]).embeddings) == 2


def test_replay_server_answers_plain_httpx(replay: ReplayServer) -> None:
    """Plain httpx gets JSON, the replay header, and Ollama's root text."""
    with httpx.Client(base_url=replay.url) as client:
        root = client.get("/")
        assert root.text == "Ollama is running"
        body = {**CHAT, "stream": False, "options": OPTIONS, "tools": []}
        chat = client.post("/api/chat", json=body)
        assert chat.json()["message"]["role"] == "assistant"
        assert chat.headers[REPLAY_HEADER] == "1"


def test_replay_server_streams_plain_httpx_lines(replay: ReplayServer) -> None:
    """A streamed reply is chunked NDJSON that httpx reads line by line."""
    body = {**CHAT, "stream": True, "options": OPTIONS, "tools": []}
    with (
        httpx.Client(base_url=replay.url) as client,
        client.stream("POST", "/api/chat", json=body) as response,
    ):
        assert response.headers["transfer-encoding"] == "chunked"
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert len(lines) == 4
    assert lines[-1]["done"] is True


def test_replay_server_sends_one_http_chunk_per_line(replay: ReplayServer) -> None:
    """On the wire, each NDJSON line is its own HTTP chunk."""
    body = json.dumps({**CHAT, "stream": True, "options": OPTIONS, "tools": []}).encode()
    request = (
        b"POST /api/chat HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    with socket.create_connection(("127.0.0.1", replay.port)) as sock:
        sock.sendall(request)
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    sizes = []
    while payload:
        size_line, _, payload = payload.partition(b"\r\n")
        size = int(size_line, 16)
        sizes.append(size)
        chunk, payload = payload[:size], payload[size + 2 :]
        if size:
            assert chunk.endswith(b"\n")
            json.loads(chunk)
    assert len(sizes) == 5
    assert sizes[-1] == 0


def test_replay_server_marks_every_reply(replay: ReplayServer) -> None:
    """Recorded and built-in replies carry ``X-Shared-Ollama-Replay: 1``, a miss ``miss``."""
    with httpx.Client(base_url=replay.url) as client:
        replies = [
            client.get("/api/tags"),
            client.get("/"),
            client.head("/"),
            client.post("/api/nothing", json={}),
        ]
    assert [reply.headers.get(REPLAY_HEADER) for reply in replies] == ["1", "1", "1", "miss"]
    assert [reply.status_code for reply in replies] == [200, 200, 200, 501]


def test_replay_server_reads_chunked_request_bodies(replay: ReplayServer) -> None:
    """A request body sent with chunked transfer encoding is matched like any other."""
    body = json.dumps({"model": MODEL}).encode()
    with httpx.Client(base_url=replay.url) as client:
        response = client.post("/api/show", content=iter([body[:5], body[5:]]))
    assert response.status_code == 200
    assert response.json()["details"]["family"] == "llama"


def test_replay_server_does_not_replay_recorded_framing_headers(replay: ReplayServer) -> None:
    """Recorded Content-Length and Transfer-Encoding are replaced by the real framing."""
    with httpx.Client(base_url=replay.url) as client:
        response = client.post("/api/embed", json={"model": MODEL, "input": ["hello", "world"]})
    assert "transfer-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content)


# --- lifecycle -------------------------------------------------------------------------------


def test_replay_server_url_requires_a_running_server() -> None:
    """Reading the URL before start() raises RuntimeError saying what to do."""
    server = ReplayServer(FIXTURES)
    with pytest.raises(RuntimeError, match=r"call start\(\)"):
        _ = server.url
    assert "not running" in repr(server)


def test_replay_server_context_manager_starts_and_stops() -> None:
    """The context manager listens inside the block and stops after it."""
    with ReplayServer(FIXTURES) as server:
        assert server.running
        assert server.interaction_count == 9
        url = server.url
        assert httpx.get(url + "/").status_code == 200
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/")


def test_replay_server_stop_closes_kept_alive_connections() -> None:
    """A connection kept alive by a client does not outlive stop()."""
    server = ReplayServer(FIXTURES).start()
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/api/tags").status_code == 200
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/api/tags")


def test_replay_server_start_and_stop_are_idempotent() -> None:
    """Starting twice keeps one server; stopping twice is harmless."""
    server = ReplayServer(FIXTURES)
    assert server.start() is server.start()
    port = server.port
    assert port > 0
    server.stop()
    server.stop()
    assert not server.running


def test_replay_server_taken_port_says_what_to_do() -> None:
    """A port in use raises OSError suggesting another port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = ReplayServer(FIXTURES, port=taken.getsockname()[1])
        with pytest.raises(OSError, match="choose another port"):
            server.start()
    assert not server.running


def test_replay_server_serves_concurrent_clients(replay: ReplayServer) -> None:
    """Several threads replaying at once through one pool each get a whole, correct answer."""
    results: list[int] = []
    with httpx.Client(base_url=replay.url) as client:

        def fetch() -> None:
            results.append(len(client.get("/api/tags").json()["models"]))

        threads = [threading.Thread(target=fetch) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == [1] * 8


# --- the command -----------------------------------------------------------------------------


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure_replay_parser(parser)
    return parser.parse_args(list(argv))


def test_configure_replay_parser_defaults_to_ollamas_port() -> None:
    """``shared-ollama replay`` listens on loopback at Ollama's port unless told otherwise."""
    args = _args("--cassettes", "c")
    assert (args.cassettes, args.host, args.port, args.json) == ("c", "127.0.0.1", 11434, False)


def test_run_replay_announces_the_replay_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    """The command prints where it serves, labelled as a replay, and stops when told to."""
    stop = threading.Event()
    stop.set()
    code = run_replay(_args("--cassettes", str(FIXTURES), "--port", "0"), stop=stop)
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Replaying 9 recorded interactions from ")
    assert "(a replay, not a live Ollama)" in out


def test_run_replay_json_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """With --json the command prints one JSON object with the URL."""
    stop = threading.Event()
    stop.set()
    code = run_replay(_args("--cassettes", str(FIXTURES), "--port", "0", "--json"), stop=stop)
    line = json.loads(capsys.readouterr().out)
    assert code == 0
    assert line["interactions"] == 9
    assert line["replay"] is True
    assert line["url"].startswith("http://127.0.0.1:")


class _Announced(io.StringIO):
    """Captured stdout that tells when something was written."""

    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Event()

    def write(self, text: str) -> int:
        count = super().write(text)
        self.written.set()
        return count


def test_run_replay_serves_until_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the command runs, clients get recorded answers at the printed URL."""
    out = _Announced()
    monkeypatch.setattr("sys.stdout", out)
    stop = threading.Event()
    codes: list[int] = []
    args = _args("--cassettes", str(FIXTURES), "--port", "0", "--json")
    runner = threading.Thread(target=lambda: codes.append(run_replay(args, stop=stop)))
    runner.start()
    try:
        assert out.written.wait(timeout=30)
        url = json.loads(out.getvalue())["url"]
        assert httpx.get(url + "/api/tags").json()["models"][0]["model"] == MODEL
    finally:
        stop.set()
        runner.join()
    assert codes == [0]


def test_run_replay_missing_cassettes_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cassettes folder that does not exist exits 2 with the reason on stderr."""
    code = run_replay(_args("--cassettes", str(tmp_path / "none"), "--port", "0"))
    assert code == 2
    assert "No cassettes at" in capsys.readouterr().err


def test_run_replay_taken_port_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    """A port in use exits 1 and says to choose another."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code = run_replay(_args("--cassettes", str(FIXTURES), "--port", port))
    assert code == 1
    assert "choose another port" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.4", False),
        ("example.com", False),
    ],
)
def test_is_loopback_table(host: str, loopback: bool) -> None:
    """Only loopback addresses pass without the command's loud warning."""
    assert _is_loopback(host) is loopback


@pytest.fixture
def cli() -> Any:
    """``shared_ollama._cli._app``: the command table and its ``main``."""
    from shared_ollama._cli import _app

    return _app


def test_replay_is_a_shared_ollama_command(
    cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``shared-ollama replay`` reaches run_replay through the command table."""
    assert cli.main(["replay", "--cassettes", str(tmp_path / "none"), "--port", "0"]) == 2
    assert "No cassettes at" in capsys.readouterr().err


def test_plugins_is_a_shared_ollama_command(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """``shared-ollama --json plugins`` prints the discovery report."""
    assert cli.main(["--json", "plugins"]) == 0
    assert json.loads(capsys.readouterr().out)["group"] == "shared_ollama.integrations"
