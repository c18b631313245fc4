"""The replay's pure core: reading vcrpy cassettes and matching requests to recordings."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import vcr.serialize
import yaml
from vcr.serializers import yamlserializer

from shared_ollama.testing._replay_book import (
    DEFAULT_REPLAY_VERSION,
    ReplayBook,
    ReplayReply,
    load_cassettes,
    same_body,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cassettes"
MODEL = "smollm2:135m"
OPTIONS = {"seed": 7, "num_predict": 8}


def _cassette(folder: Path, name: str, interactions: list[dict[str, Any]]) -> Path:
    """Write a vcrpy-format YAML cassette built from plain dictionaries."""
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
    """A folder that does not exist raises FileNotFoundError with the command that records."""
    with pytest.raises(FileNotFoundError, match=r"shared-ollama replay --cassettes .*nowhere"):
        load_cassettes(tmp_path / "nowhere")
    assert len(load_cassettes(tmp_path / "nowhere", missing_ok=True)) == 0


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


def test_replay_book_treats_null_and_empty_values_as_absent(tmp_path: Path) -> None:
    """``null``, ``[]`` and ``{}`` values count as absent, at any depth, as Ollama reads them."""
    recorded = '{"model": "m", "messages": [{"role": "user", "content": "x"}]}'
    book = _book(tmp_path, _exchange("POST", "http://h/api/chat", recorded, "{}"))
    sent = {
        "model": "m",
        "messages": [{"role": "user", "content": "x", "images": []}],
        "tools": [],
        "options": {},
        "think": None,
    }
    assert book.reply("POST", "/api/chat", json.dumps(sent).encode()).status == 200


@pytest.mark.parametrize("extra", ['"stream": false', '"seed": 0', '"system": ""'])
def test_replay_book_keeps_false_zero_and_empty_text(tmp_path: Path, extra: str) -> None:
    """False, 0 and "" are values, not absences: a body adding one does not match."""
    book = _book(tmp_path, _exchange("POST", "http://h/api/generate", '{"model": "m"}', "{}"))
    sent = ('{"model": "m", ' + extra + "}").encode()
    assert book.reply("POST", "/api/generate", sent).status == 501


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


def test_replay_book_answers_root_version_and_ps_when_not_recorded(tmp_path: Path) -> None:
    """``GET /``, ``GET /api/version`` and ``GET /api/ps`` have built-in answers."""
    book = _book(tmp_path)
    assert book.reply("GET", "/", b"").body == b"Ollama is running"
    assert book.reply("HEAD", "/", b"").status == 200
    version = book.reply("GET", "/api/version", b"")
    assert json.loads(version.body) == {"version": DEFAULT_REPLAY_VERSION}
    assert json.loads(book.reply("GET", "/api/ps", b"").body) == {"models": []}


def test_replay_book_prefers_a_recorded_version(tmp_path: Path) -> None:
    """A recorded ``/api/version`` wins over the built-in answer."""
    book = _book(tmp_path, _exchange("GET", "http://h/api/version", None, '{"version":"0.5.4"}'))
    assert json.loads(book.reply("GET", "/api/version", b"").body) == {"version": "0.5.4"}


def test_replay_book_unmatched_is_501_naming_the_request(tmp_path: Path) -> None:
    """An unmatched request gets 501 and the cassette-miss text and fields.

    They name method, path, model, body digest, the folder searched and the recording command.
    """
    book = _book(tmp_path)
    reply = book.reply(
        "POST", "/api/chat", b'{"model":"m"}', cassettes="tests/cassettes", command="rec now"
    )
    assert reply.status == 501
    body = json.loads(reply.body)
    digest = body["cassette_miss"]["body_digest"]
    assert body["error"] == (
        f"Cassette miss: no recording matches POST /api/chat (model 'm', body {digest}) in "
        "tests/cassettes. The request changed since it was recorded, or was never recorded. "
        "Record it against a real Ollama with: rec now"
    )
    assert body["cassette_miss"] == {
        "method": "POST",
        "path": "/api/chat",
        "model": "m",
        "body_digest": digest,
        "cassettes": "tests/cassettes",
        "command": "rec now",
        "nearest": "",
    }


def test_replay_book_unmatched_names_the_closest_difference(tmp_path: Path) -> None:
    """When the path was recorded with other bodies, the error names the differing keys."""
    recorded = '{"model": "m", "options": {"seed": 1}, "stream": false}'
    book = _book(tmp_path, _exchange("POST", "http://h/api/chat", recorded, "{}"))
    reply = book.reply("POST", "/api/chat", b'{"model": "m", "options": {"seed": 2}}')
    error = json.loads(reply.body)["error"]
    assert "closest of 1 recorded for POST /api/chat differs in options, stream" in error


def test_replay_book_unmatched_shows_a_digest_not_the_body(tmp_path: Path) -> None:
    """A huge (or private) unmatched body is never quoted: the message shows its digest."""
    reply = _book(tmp_path).reply("POST", "/api/embed", b'{"input":"' + b"x" * 5000 + b'"}')
    error = json.loads(reply.body)["error"]
    assert len(error) < 500
    assert "xxxx" not in error
    assert "body sha256:" in error


def test_replay_reply_chunks_splits_ndjson_lines() -> None:
    """A streamed reply is sent one NDJSON line per chunk, blank lines dropped."""
    reply = ReplayReply(200, "", (), b'{"a":1}\n\n{"b":2}\n', streamed=True)
    assert reply.chunks() == [b'{"a":1}\n', b'{"b":2}\n']
    assert ReplayReply(200, "", (), b"whole\nbody").chunks() == [b"whole\nbody"]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (b'{"model":"m","tools":[]}', b'{"model": "m"}', True),
        (b'{"a":1,"b":{"c":null}}', b'{"b":{},"a":1.0}', True),
        (b'{"model":"m","think":false}', b'{"model":"m"}', False),
        (b'{"model":"m"}', b'{"model":"n"}', False),
        (b"raw bytes", b"raw bytes", True),
        (b"raw bytes", b"other", False),
        (None, b"", True),
    ],
)
def test_same_body_compares_json_as_ollama_reads_it(first: Any, second: Any, same: bool) -> None:
    """Empty values equal absent keys and key order is ignored; other bodies compare as bytes."""
    assert same_body(first, second) is same
