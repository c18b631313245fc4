"""The recording proxy: misses go to a real Ollama (here: another replay server) and are written.

The upstream is a :class:`ReplayServer` over the fixture cassettes, so these tests need no
daemon; ``tests/live`` records against the real dev Ollama.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import ollama
import pytest
import vcr.serialize
import yaml
from vcr.serializers import yamlserializer

from shared_ollama import CassetteMissError, RetryPolicy, SharedOllamaClient
from shared_ollama.testing._replay_book import load_cassettes
from shared_ollama.testing._replay_cli import configure_replay_parser, run_replay
from shared_ollama.testing._replay_server import ReplayServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cassettes"
MODEL = "smollm2:135m"
SAY_HI = [{"role": "user", "content": "Say hi"}]
OPTIONS = {"seed": 7, "num_predict": 8}


@pytest.fixture
def upstream() -> Iterator[ReplayServer]:
    """A stand-in for a real Ollama: the fixture cassettes, replayed."""
    with ReplayServer(FIXTURES) as server:
        yield server


def _chat_both_ways(url: str) -> tuple[str, list[str]]:
    with ollama.Client(host=url) as client:
        whole = client.chat(model=MODEL, messages=SAY_HI, options=OPTIONS)
        parts = [
            p.message.content for p in client.chat(MODEL, SAY_HI, options=OPTIONS, stream=True)
        ]
    return whole.message.content, parts


def test_recording_proxy_records_then_replays_offline(
    upstream: ReplayServer, tmp_path: Path
) -> None:
    """Recorded once through the proxy (streams included), the cassette replays offline.

    With no upstream left, the official client gets the same answers, chunk for chunk.
    """
    cassettes = tmp_path / "cassettes"
    with ReplayServer(cassettes, record="once", upstream=upstream.url) as proxy:
        recorded = _chat_both_ways(proxy.url)
    written = cassettes / "recorded.yaml"
    assert written.is_file()
    assert len(load_cassettes(cassettes)) == 2
    upstream.stop()
    with ReplayServer(cassettes) as replay:
        assert _chat_both_ways(replay.url) == recorded
    assert len(recorded[1]) > 2  # a stream stayed a stream


def test_recording_proxy_writes_what_vcrpy_reads(upstream: ReplayServer, tmp_path: Path) -> None:
    """Vcrpy's own deserializer loads the recorded cassette, streamed body included."""
    with ReplayServer(tmp_path, record="all", upstream=upstream.url) as proxy:
        _chat_both_ways(proxy.url)
    text = (tmp_path / "recorded.yaml").read_text(encoding="utf-8")
    requests, responses = vcr.serialize.deserialize(text, yamlserializer)
    assert [r.path for r in requests] == ["/api/chat", "/api/chat"]
    streamed = responses[1]["body"]["string"]
    assert streamed.count(b'"done":') >= 3
    headers = {name.lower(): value for name, value in responses[1]["headers"].items()}
    assert headers["content-type"] == ["application/x-ndjson"]


def test_recording_proxy_keeps_secrets_out_of_cassettes(
    upstream: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Authorization, the OLLAMA_API_KEY value and the upstream's user-info are not written."""
    monkeypatch.setenv("OLLAMA_API_KEY", "key-123-secret")
    with_password = upstream.url.replace("http://", "http://user:pw-secret@")
    with ReplayServer(tmp_path, record="all", upstream=with_password) as proxy:
        httpx.get(
            f"{proxy.url}/api/tags",
            headers={"Authorization": "Bearer key-123-secret", "X-Other": "key-123-secret"},
        )
    text = (tmp_path / "recorded.yaml").read_text(encoding="utf-8")
    assert "key-123-secret" not in text
    assert "pw-secret" not in text
    assert "/api/tags" in text


def test_recording_proxy_new_episodes_replays_known_and_records_new(
    upstream: ReplayServer, tmp_path: Path
) -> None:
    """new_episodes appends only what was not recorded; the known request is replayed."""
    with ReplayServer(tmp_path, record="once", upstream=upstream.url) as proxy:
        httpx.get(f"{proxy.url}/api/tags")
    with ReplayServer(tmp_path, record="new_episodes", upstream=upstream.url) as proxy:
        httpx.get(f"{proxy.url}/api/tags")
        httpx.post(f"{proxy.url}/api/show", json={"model": MODEL})
    saved = yaml.safe_load((tmp_path / "recorded.yaml").read_text(encoding="utf-8"))
    assert [i["request"]["uri"].rsplit("/", 1)[1] for i in saved["interactions"]] == [
        "tags",
        "show",
    ]


def test_recording_proxy_all_rewrites_the_cassette(upstream: ReplayServer, tmp_path: Path) -> None:
    """All forwards every request, recorded or not, and the cassette holds only this run."""
    with ReplayServer(tmp_path, record="once", upstream=upstream.url) as proxy:
        httpx.get(f"{proxy.url}/api/tags")
    with ReplayServer(tmp_path, record="all", upstream=upstream.url) as proxy:
        httpx.post(f"{proxy.url}/api/show", json={"model": MODEL})
    saved = yaml.safe_load((tmp_path / "recorded.yaml").read_text(encoding="utf-8"))
    assert [i["request"]["uri"].rsplit("/", 1)[1] for i in saved["interactions"]] == ["show"]


def test_recording_proxy_once_replays_an_existing_cassette(
    upstream: ReplayServer, tmp_path: Path
) -> None:
    """Once records only a cassette that does not exist yet; afterwards a new request misses."""
    with ReplayServer(tmp_path, record="once", upstream=upstream.url) as proxy:
        httpx.get(f"{proxy.url}/api/tags")
    with ReplayServer(tmp_path, record="once", upstream=upstream.url) as proxy:
        assert httpx.get(f"{proxy.url}/api/tags").status_code == 200
        missed = httpx.post(f"{proxy.url}/api/show", json={"model": MODEL})
    assert missed.status_code == 501
    assert "cassette_miss" in missed.json()


def test_recording_proxy_upstream_down_is_a_clear_502(tmp_path: Path) -> None:
    """With no upstream answering, the client gets a 502 saying so, and nothing is written."""
    with ReplayServer(tmp_path, record="all", upstream="http://me:pw-secret@127.0.0.1:9") as proxy:
        reply = httpx.get(f"{proxy.url}/api/tags")
    assert reply.status_code == 502
    assert "did not answer" in reply.json()["error"]
    assert "pw-secret" not in reply.text
    assert not (tmp_path / "recorded.yaml").exists()


def test_recording_needs_an_upstream(tmp_path: Path) -> None:
    """Recording without an upstream, or with an unknown mode, fails before listening."""
    with pytest.raises(ValueError, match="upstream"):
        ReplayServer(tmp_path, record="once")
    with pytest.raises(ValueError, match="none, once, new_episodes, all"):
        ReplayServer(tmp_path, record="rewrite", upstream="http://127.0.0.1:9")


def test_miss_is_its_own_error_naming_request_folder_and_command(tmp_path: Path) -> None:
    """Our client raises CassetteMissError, never retried, naming request, folder and command.

    The official client shows the same text.
    """
    unrecorded = [{"role": "user", "content": "a prompt never recorded"}]
    with ReplayServer(FIXTURES) as replay:
        with (
            SharedOllamaClient(replay.url, retry=RetryPolicy(attempts=3)) as client,
            pytest.raises(CassetteMissError) as caught,
        ):
            client.chat(MODEL, unrecorded)
        with (
            ollama.Client(host=replay.url) as official,
            pytest.raises(ollama.ResponseError) as theirs,
        ):
            official.chat(MODEL, unrecorded)
    miss = caught.value
    assert (miss.method, miss.path, miss.model) == ("POST", "/api/chat", MODEL)
    assert miss.body_digest.startswith("sha256:")
    assert miss.cassettes == str(FIXTURES)
    assert miss.command.startswith(f"shared-ollama replay --cassettes {FIXTURES} --record ")
    assert miss.command in str(miss)
    assert "model runner" not in str(miss)
    assert "differs in messages" in str(miss)
    assert theirs.value.status_code == 501
    assert theirs.value.error == str(miss)


def test_miss_body_is_json_for_any_client(tmp_path: Path) -> None:
    """A plain HTTP client reads the miss's fields from the JSON body."""
    with ReplayServer(FIXTURES) as replay:
        reply = httpx.post(f"{replay.url}/api/generate", json={"model": "x", "prompt": "p"})
    body = reply.json()
    assert reply.status_code == 501
    assert body["cassette_miss"]["model"] == "x"
    assert body["cassette_miss"]["path"] == "/api/generate"
    assert body["error"].startswith("Cassette miss: no recording matches POST /api/generate")
    assert json.loads(reply.content)["cassette_miss"]["command"] in body["error"]


def _cli_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure_replay_parser(parser)
    return parser.parse_args(list(argv))


def test_run_replay_record_without_upstream_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``shared-ollama replay --record once`` without ``--upstream`` exits 2 and says why."""
    code = run_replay(_cli_args("--cassettes", str(tmp_path), "--record", "once", "--port", "0"))
    assert code == 2
    assert "needs an upstream" in capsys.readouterr().err


def test_run_replay_records_through_the_command(
    upstream: ReplayServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command announces that it records, from where (password hidden), and records."""
    stop = threading.Event()
    stop.set()
    with_password = upstream.url.replace("http://", "http://me:pw-secret@")
    args = _cli_args(
        "--cassettes", str(tmp_path / "new"), "--record", "all", "--upstream", with_password,
        "--port", "0", "--record-to", str(tmp_path / "new" / "mine.yaml"),
    )  # fmt: skip
    assert run_replay(args, stop=stop) == 0
    out = capsys.readouterr().out
    assert "recording (all) from http://***@127.0.0.1:" in out
    assert "pw-secret" not in out
