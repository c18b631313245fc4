"""The one matching rule: the same answers from vcrpy (as a registered matcher) and the replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import yaml
from vcr.request import Request

from shared_ollama.testing._matching import (
    MATCHER_NAME,
    body_digest,
    match_key,
    register_matcher,
    scrub_request_headers,
    vcr_config,
    vcr_matcher,
)
from shared_ollama.testing._replay_book import load_cassettes

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False}

# (recorded body, sent body, whether they match): the rule's specification.
BODIES: list[tuple[Any, Any, bool]] = [
    (CHAT, CHAT, True),
    (CHAT, dict(reversed(list(CHAT.items()))), True),  # key order
    (CHAT, {**CHAT, "tools": []}, True),  # [] is absent
    (CHAT, {**CHAT, "format": None}, True),  # null is absent
    (CHAT, {**CHAT, "options": {}}, True),  # {} is absent
    ({**CHAT, "options": {"temperature": 0.0}}, {**CHAT, "options": {"temperature": 0}}, True),
    (CHAT, {**CHAT, "stream": True}, False),
    (CHAT, {**CHAT, "model": "other"}, False),
    (CHAT, {**CHAT, "messages": [{"role": "user", "content": "hello"}]}, False),
    (CHAT, {**CHAT, "options": {"seed": 0}}, False),  # 0 is a value, not absence
    (CHAT, {**CHAT, "system": ""}, False),  # so is the empty string
    (CHAT, {**CHAT, "think": False}, False),  # and false
    ({**CHAT, "options": {"temperature": 0.5}}, {**CHAT, "options": {"temperature": 0}}, False),
]


def _encode(body: Any, *, spaced: bool = False) -> bytes:
    return json.dumps(body, indent=2 if spaced else None).encode()


def _vcr_request(method: str, uri: str, body: bytes) -> Request:
    return Request(method, uri, body, {})


def _vcr_matches(one: Request, two: Request) -> bool:
    try:
        vcr_matcher(one, two)
    except AssertionError:
        return False
    return True


def _cassette(folder: Path, body: bytes) -> Path:
    path = folder / "c.yaml"
    interaction = {
        "request": {"method": "POST", "uri": "http://10.0.0.1:1/api/chat", "body": body.decode(),
                    "headers": {}},
        "response": {"status": {"code": 200, "message": "OK"},
                     "headers": {"Content-Type": ["application/json"]},
                     "body": {"string": '{"done": true}'}},
    }  # fmt: skip
    path.write_text(yaml.safe_dump({"interactions": [interaction], "version": 1}), "utf-8")
    return path


@pytest.mark.parametrize(("recorded", "sent", "expected"), BODIES)
def test_matching_rule_is_the_same_for_vcrpy_and_the_replay(
    recorded: Any, sent: Any, expected: bool, tmp_path: Path
) -> None:
    """Vcrpy's matcher and the replay book agree on every case of the rule's table."""
    recorded_bytes, sent_bytes = _encode(recorded, spaced=True), _encode(sent)
    one = _vcr_request("POST", "http://10.0.0.1:1/api/chat", recorded_bytes)
    two = _vcr_request("POST", "http://127.0.0.1:5/api/chat", sent_bytes)
    assert _vcr_matches(one, two) is expected
    book = load_cassettes(_cassette(tmp_path, recorded_bytes))
    assert (book.lookup("POST", "/api/chat", sent_bytes) is not None) is expected


def test_match_key_ignores_scheme_host_port_and_query_order() -> None:
    """Only the path and the sorted query are kept from a URI."""
    one = match_key("get", "https://a.example:1/api/x?b=2&a=1", b"")
    two = match_key("GET", "http://127.0.0.1:9/api/x?a=1&b=2", b"")
    assert one == two
    assert one.target == "/api/x?a=1&b=2"
    assert match_key("GET", "/api/x", b"") != match_key("POST", "/api/x", b"")
    assert match_key("GET", "/api/x", b"") != match_key("GET", "/api/y", b"")


def test_match_key_compares_non_json_bodies_byte_for_byte() -> None:
    """A body that is not JSON matches only the same bytes."""
    assert match_key("POST", "/b", b"raw\x00") == match_key("POST", "/b", b"raw\x00")
    assert match_key("POST", "/b", b"raw") != match_key("POST", "/b", b"raw ")


def test_vcr_matcher_names_what_differs() -> None:
    """The AssertionError vcrpy shows on a miss says which part or JSON key differs."""
    one = _vcr_request("POST", "http://h/api/chat", _encode(CHAT))
    with pytest.raises(AssertionError, match="body differs in model"):
        vcr_matcher(one, _vcr_request("POST", "http://h/api/chat", _encode({**CHAT, "model": "x"})))
    with pytest.raises(AssertionError, match="path /api/chat != /api/generate"):
        vcr_matcher(one, _vcr_request("POST", "http://h/api/generate", _encode(CHAT)))
    with pytest.raises(AssertionError, match="method POST != GET"):
        vcr_matcher(one, _vcr_request("GET", "http://h/api/chat", _encode(CHAT)))


def test_body_digest_is_equal_for_matching_bodies_and_short() -> None:
    """The digest in miss messages follows the rule, so equal requests show equal digests."""
    assert body_digest(_encode(CHAT)) == body_digest(_encode({**CHAT, "tools": []}, spaced=True))
    assert body_digest(_encode(CHAT)) != body_digest(_encode({**CHAT, "model": "x"}))
    assert len(body_digest(b"")) == len("sha256:") + 12


def test_vcr_config_replays_with_the_registered_rule(tmp_path: Path) -> None:
    """With vcr_config() and the matcher, vcrpy replays what differs only in ignored ways."""
    cassette = _cassette(tmp_path, _encode(CHAT, spaced=True))
    recorder = vcr.VCR(**vcr_config(record_mode="none"))
    register_matcher(recorder)
    assert recorder.match_on == (MATCHER_NAME,) or MATCHER_NAME in recorder.match_on
    sent = {**CHAT, "tools": [], "format": None}
    with recorder.use_cassette(str(cassette)), httpx.Client() as client:
        reply = client.post("http://127.0.0.1:1/api/chat", content=_encode(sent))
    assert reply.json() == {"done": True}


def test_vcr_config_keeps_secrets_out_of_what_vcrpy_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recording through vcr_config() keeps secrets and per-exchange headers out.

    Authorization and any header carrying the OLLAMA_API_KEY value are dropped.
    """
    monkeypatch.setenv("OLLAMA_API_KEY", "sk-secret-123")

    def ollama(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"done": True}, headers={"Date": "now", "X-Kept": "1"})

    recorder = vcr.VCR(**vcr_config(record_mode="all"))
    register_matcher(recorder)
    cassette = tmp_path / "rec.yaml"
    headers = {"Authorization": "Bearer sk-secret-123", "X-Key": "key=sk-secret-123", "X-Ok": "1"}
    with (
        recorder.use_cassette(str(cassette)),
        httpx.Client(transport=httpx.MockTransport(ollama)) as client,
    ):
        client.post("http://127.0.0.1:1/api/chat", content=_encode(CHAT), headers=headers)
    text = cassette.read_text(encoding="utf-8")
    assert "sk-secret-123" not in text
    saved = yaml.safe_load(text)["interactions"][0]
    assert {k.lower() for k in saved["request"]["headers"]} >= {"x-ok"}
    assert "date" not in {k.lower() for k in saved["response"]["headers"]}


def test_scrub_request_headers_drops_secrets_and_volatile_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Authorization, cookies, user agents and any header holding the API key are dropped."""
    monkeypatch.setenv("OLLAMA_API_KEY", "k-42")
    kept = scrub_request_headers(
        [
            ("Authorization", "Bearer x"),
            ("Cookie", "a=b"),
            ("User-Agent", "ollama-python/0.6"),
            ("X-Api", "k-42"),
            ("X-Token", "extra-secret"),
            ("Content-Type", "application/json"),
        ],
        secrets=["extra-secret"],
    )
    assert kept == [("Content-Type", "application/json")]
