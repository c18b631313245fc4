"""The offline replay server: cassette reading, matching, and answering real clients on loopback."""

from __future__ import annotations

import argparse
import io
import json
import socket
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import ollama
import pytest
import vcr.serialize
from vcr.serializers import yamlserializer

from shared_ollama import SharedOllamaClient
from shared_ollama._replay import (
    DEFAULT_REPLAY_VERSION,
    REPLAY_HEADER,
    ReplayBook,
    ReplayReply,
    ReplayServer,
    _is_loopback,
    _read_chunked,
    configure_replay_parser,
    load_cassettes,
    run_replay,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cassettes"
MODEL = "smollm2:135m"
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "Say hi"}]}
OPTIONS = {"seed": 7, "num_predict": 8}


def _cassette(folder: Path, name: str, interactions: list[dict[str, Any]]) -> Path:
    """Write a vcrpy-format YAML cassette built from plain dictionaries."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}), encoding="utf-8")
    return path


def _exchange(
    method: str,
    uri: str,
    body: Any,
    reply: str,
    *,
    status: int = 200,
    content_type: str = "application/json; charset=utf-8",
) -> dict[str, Any]:
    return {
        "request": {"method": method, "uri": uri, "body": body, "headers": {}},
        "response": {
            "status": {"code": status, "message": "OK"},
            "headers": {"Content-Type": [content_type]},
            "body": {"string": reply},
        },
    }


def _book(tmp_path: Path, *interactions: dict[str, Any]) -> ReplayBook:
    _cassette(tmp_path, "c.yaml", list(interactions))
    return load_cassettes(tmp_path)


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
    client._client.close()


# --- reading cassettes -----------------------------------------------------------------------


def test_fixture_cassettes_load_with_vcrpy_itself() -> None:
    """The hand-written fixture cassettes are in vcrpy's own format: vcrpy reads every one."""
    files = sorted(FIXTURES.glob("*.yaml"))
    assert len(files) >= 4
    for path in files:
        requests, responses = vcr.serialize.deserialize(path.read_text("utf-8"), yamlserializer)
        assert requests
        assert len(requests) == len(responses)


def test_load_cassettes_counts_every_fixture_interaction() -> None:
    """Every interaction of every fixture cassette is loaded."""
    assert len(load_cassettes(FIXTURES)) == 9


def test_load_cassettes_reads_binary_bodies() -> None:
    """A ``!!binary`` request body matches the same JSON sent as text, and its reply is bytes."""
    book = load_cassettes(FIXTURES / "generate.yaml")
    sent = {"model": MODEL, "prompt": "Why is the sky blue?", "stream": True, "options": OPTIONS}
    reply = book.reply("POST", "/api/generate", json.dumps(sent).encode())
    assert reply.status == 200
    assert reply.streamed
    assert len(reply.chunks()) == 4
    assert json.loads(reply.chunks()[-1])["done"] is True


def test_load_cassettes_reads_json_cassettes(tmp_path: Path) -> None:
    """A cassette written by vcrpy's JSON serializer is read like a YAML one."""
    cassette = {"interactions": [_exchange("GET", "http://x/api/ps", "", '{"models":[]}')]}
    (tmp_path / "ps.json").write_text(json.dumps(cassette), encoding="utf-8")
    reply = load_cassettes(tmp_path).reply("GET", "/api/ps", b"")
    assert reply.body == b'{"models":[]}'


def test_load_cassettes_reads_python_string_tags(tmp_path: Path) -> None:
    """Old vcrpy cassettes tagged strings ``!!python/unicode``; they still load."""
    (tmp_path / "old.yaml").write_text(
        textwrap.dedent(
            """\
            interactions:
            - request:
                {method: GET, uri: 'http://h/api/tags', body: !!python/unicode '', headers: {}}
              response:
                status: {code: 200, message: OK}
                headers: {}
                body: {string: !!python/unicode '{"models":[]}'}
            """
        ),
        encoding="utf-8",
    )
    assert load_cassettes(tmp_path).reply("GET", "/api/tags", b"").body == b'{"models":[]}'


def test_load_cassettes_reads_base64_string_bodies(tmp_path: Path) -> None:
    """A body stored as ``{base64_string: ...}`` is decoded."""
    exchange = _exchange("GET", "http://h/api/ps", None, "")
    exchange["response"]["body"] = {"base64_string": "eyJtb2RlbHMiOltdfQ=="}
    assert _book(tmp_path, exchange).reply("GET", "/api/ps", b"").body == b'{"models":[]}'


def test_load_cassettes_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    """A folder that does not exist raises FileNotFoundError pointing at the recording script."""
    with pytest.raises(FileNotFoundError, match=r"record_cassettes\.py"):
        load_cassettes(tmp_path / "nowhere")


def test_load_cassettes_rejects_a_file_without_interactions(tmp_path: Path) -> None:
    """A YAML file that is no cassette raises ValueError naming the file."""
    (tmp_path / "notes.yaml").write_text("just: notes\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"notes\.yaml is not a vcrpy cassette"):
        load_cassettes(tmp_path)


def test_load_cassettes_names_the_malformed_interaction(tmp_path: Path) -> None:
    """An interaction missing its request names the file and the interaction's index."""
    good = _exchange("GET", "http://h/", "", "ok")
    _cassette(tmp_path, "bad.yaml", [good, {"response": good["response"]}])
    with pytest.raises(ValueError, match=r"bad\.yaml: interaction 1 "):
        load_cassettes(tmp_path)


def test_load_cassettes_rejects_invalid_yaml(tmp_path: Path) -> None:
    """A file that is not YAML at all raises ValueError naming it."""
    (tmp_path / "broken.yaml").write_text("interactions: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.yaml is not valid YAML"):
        load_cassettes(tmp_path)


# --- matching (no network) -------------------------------------------------------------------


def test_replay_book_matches_json_bodies_regardless_of_layout(tmp_path: Path) -> None:
    """Key order and spacing of a JSON body do not matter, and 1.0 equals 1."""
    recorded = '{"model": "m", "options": {"temperature": 1.0, "seed": 3}}'
    book = _book(tmp_path, _exchange("POST", "http://h:1/api/generate", recorded, '{"ok":1}'))
    sent = b'{"options":{"seed":3,"temperature":1},"model":"m"}'
    assert book.reply("POST", "/api/generate", sent).body == b'{"ok":1}'


def test_replay_book_tells_json_values_apart(tmp_path: Path) -> None:
    """A body differing in one value does not match, and true is not 1."""
    book = _book(tmp_path, _exchange("POST", "http://h/api/chat", '{"stream": true}', "{}"))
    assert book.reply("POST", "/api/chat", b'{"stream": 1}').status == 501
    assert book.reply("POST", "/api/chat", b'{"stream": false}').status == 501


def test_replay_book_falls_back_to_byte_equality(tmp_path: Path) -> None:
    """Bodies that are not JSON match byte for byte."""
    book = _book(tmp_path, _exchange("POST", "http://h/api/blobs/sha256:0", "raw bytes", ""))
    assert book.reply("POST", "/api/blobs/sha256:0", b"raw bytes").status == 200
    assert book.reply("POST", "/api/blobs/sha256:0", b"raw  bytes").status == 501


def test_replay_book_ignores_scheme_host_and_port(tmp_path: Path) -> None:
    """Recorded at one address, replayed at any: only the path (and query) matter."""
    book = _book(tmp_path, _exchange("GET", "https://remote.example:8443/api/tags", "", "tags"))
    assert book.reply("GET", "http://127.0.0.1:5/api/tags", b"").body == b"tags"
    assert book.reply("GET", "/api/tags", b"").body == b"tags"


def test_replay_book_matches_query_in_any_order(tmp_path: Path) -> None:
    """Query parameters are compared sorted."""
    book = _book(tmp_path, _exchange("GET", "http://h/api/x?b=2&a=1", "", "x"))
    assert book.reply("GET", "/api/x?a=1&b=2", b"").body == b"x"
    assert book.reply("GET", "/api/x", b"").status == 501


def test_replay_book_matches_method(tmp_path: Path) -> None:
    """The same path under another method does not match."""
    book = _book(tmp_path, _exchange("DELETE", "http://h/api/delete", '{"model":"m"}', ""))
    assert book.reply("POST", "/api/delete", b'{"model":"m"}').status == 501
    assert book.reply("delete", "/api/delete", b'{"model":"m"}').status == 200


def test_replay_book_serves_repeats_in_order_then_the_last_again(tmp_path: Path) -> None:
    """Several recordings of one request are served in order, then the last one repeats."""
    body = '{"model":"m"}'
    book = _book(
        tmp_path,
        _exchange("POST", "http://h/api/show", body, "first", status=503),
        _exchange("POST", "http://h/api/show", body, "second"),
    )
    served = [book.reply("POST", "/api/show", body.encode()) for _ in range(3)]
    assert [(r.status, r.body) for r in served] == [
        (503, b"first"),
        (200, b"second"),
        (200, b"second"),
    ]


def test_replay_book_rewind_restarts_sequences(tmp_path: Path) -> None:
    """After rewind() the first recording is served again."""
    book = _book(
        tmp_path,
        _exchange("GET", "http://h/api/ps", "", "one"),
        _exchange("GET", "http://h/api/ps", "", "two"),
    )
    assert book.reply("GET", "/api/ps", b"").body == b"one"
    book.rewind()
    assert book.reply("GET", "/api/ps", b"").body == b"one"


def test_replay_book_answers_root_and_version_when_not_recorded(tmp_path: Path) -> None:
    """``GET /`` and ``GET /api/version`` have built-in answers."""
    book = _book(tmp_path)
    assert book.reply("GET", "/", b"").body == b"Ollama is running"
    assert book.reply("HEAD", "/", b"").status == 200
    version = book.reply("GET", "/api/version", b"")
    assert json.loads(version.body) == {"version": DEFAULT_REPLAY_VERSION}


def test_replay_book_prefers_a_recorded_version(tmp_path: Path) -> None:
    """A recorded ``/api/version`` wins over the built-in answer."""
    book = _book(tmp_path, _exchange("GET", "http://h/api/version", None, '{"version":"0.5.4"}'))
    assert json.loads(book.reply("GET", "/api/version", b"").body) == {"version": "0.5.4"}


def test_replay_book_unmatched_is_501_naming_the_request(tmp_path: Path) -> None:
    """An unmatched request gets 501 with an error naming method, path, body and the fix."""
    book = _book(tmp_path)
    reply = book.reply("POST", "/api/chat", b'{"model":"m"}')
    assert reply.status == 501
    error = json.loads(reply.body)["error"]
    assert error == (
        'replay: no recorded interaction for POST /api/chat with body {"model":"m"}; '
        "record one with scripts/record_cassettes.py"
    )


def test_replay_book_unmatched_names_the_closest_difference(tmp_path: Path) -> None:
    """When the path was recorded with other bodies, the error names the differing keys."""
    recorded = '{"model": "m", "options": {"seed": 1}, "stream": false}'
    book = _book(tmp_path, _exchange("POST", "http://h/api/chat", recorded, "{}"))
    reply = book.reply("POST", "/api/chat", b'{"model": "m", "options": {"seed": 2}}')
    error = json.loads(reply.body)["error"]
    assert "closest of 1 recorded for POST /api/chat differs in options, stream" in error


def test_replay_book_unmatched_shortens_long_bodies(tmp_path: Path) -> None:
    """A huge unmatched body is cut in the error message."""
    reply = _book(tmp_path).reply("POST", "/api/embed", b'{"input":"' + b"x" * 5000 + b'"}')
    error = json.loads(reply.body)["error"]
    assert len(error) < 500
    assert "..." in error


def test_replay_reply_chunks_splits_ndjson_lines() -> None:
    """A streamed reply is sent one NDJSON line per chunk, blank lines dropped."""
    reply = ReplayReply(200, "", (), b'{"a":1}\n\n{"b":2}\n', streamed=True)
    assert reply.chunks() == [b'{"a":1}\n', b'{"b":2}\n']
    assert ReplayReply(200, "", (), b"whole\nbody").chunks() == [b"whole\nbody"]


def test_read_chunked_reassembles_a_chunked_request_body() -> None:
    """A chunked request body (with an extension and a trailer) is reassembled."""
    wire = io.BytesIO(b"4;ext=1\r\nabcd\r\n2\r\nef\r\n0\r\nX-Trailer: 1\r\n\r\n")
    assert _read_chunked(wire) == b"abcdef"


# --- the official ollama client --------------------------------------------------------------


def test_replay_server_answers_official_chat(official: ollama.Client) -> None:
    """``ollama.Client.chat`` gets the recorded reply, typed, with its statistics."""
    response = official.chat(model=MODEL, messages=CHAT["messages"], options=OPTIONS)
    assert response.message.role == "assistant"
    assert response.message.content == "-,的.--'s,"
    assert response.done_reason == "length"
    assert response.eval_count == 8


def test_replay_server_streams_official_chat(official: ollama.Client) -> None:
    """A streamed chat arrives as the recorded chunks, the last one done."""
    parts = list(
        official.chat(model=MODEL, messages=CHAT["messages"], options=OPTIONS, stream=True)
    )
    assert [part.message.content for part in parts] == ["-", ",", "的", ""]
    assert [part.done for part in parts] == [False, False, False, True]


def test_replay_server_answers_official_generate(official: ollama.Client) -> None:
    """``generate`` replays both plain and streamed (the latter recorded as binary)."""
    prompt = "Why is the sky blue?"
    whole = official.generate(model=MODEL, prompt=prompt, options=OPTIONS)
    assert whole.response == "-, many_'s,-."
    assert whole.context is not None
    streamed = list(official.generate(model=MODEL, prompt=prompt, options=OPTIONS, stream=True))
    assert "".join(part.response for part in streamed) == "-, many"
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
    """The official client raises ResponseError(501) carrying the replay's explanation."""
    with pytest.raises(ollama.ResponseError) as caught:
        official.chat(model=MODEL, messages=[{"role": "user", "content": "unrecorded"}])
    assert caught.value.status_code == 501
    assert "replay: no recorded interaction for POST /api/chat" in caught.value.error


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
    await client._client.aclose()
    assert contents == ["-", ",", "的", ""]


# --- our client and plain httpx --------------------------------------------------------------


def test_replay_server_answers_shared_ollama_client(replay: ReplayServer) -> None:
    """Our client reads version, tags and show from the replay (bodies without options)."""
    with SharedOllamaClient(replay.url) as client:
        assert client.version().version == "0.5.4-ipexllm-20250407"
        assert [model.model for model in client.list().models] == [MODEL]


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
    """Recorded, built-in and unmatched replies all carry ``X-Shared-Ollama-Replay: 1``."""
    with httpx.Client(base_url=replay.url) as client:
        replies = [
            client.get("/api/tags"),
            client.get("/"),
            client.head("/"),
            client.post("/api/nothing", json={}),
        ]
    assert [reply.headers.get(REPLAY_HEADER) for reply in replies] == ["1"] * 4
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
