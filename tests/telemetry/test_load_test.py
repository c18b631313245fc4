"""The load test, driven through the real async client over ``httpx.MockTransport``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_ollama import AsyncSharedOllamaClient
from shared_ollama._report._command import run_report
from shared_ollama._report._load_test import (
    LoadTestConfig,
    format_result,
    run_load_test,
    summary_json,
)
from shared_ollama.telemetry import Instrumentation, JsonlSink, read_records

DIGEST = "618798895493445d1b3e96e6f91464c0fa785e382c218cf598645978fbc56455"


def ollama(shapes: dict[str, Any], *, chat_status: int = 200) -> tuple[Any, list[dict[str, Any]]]:
    """A fake Ollama 0.5.4 answering with the captured shapes; returns it and the bodies seen."""
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/version":
            return httpx.Response(200, json={"version": "0.5.4"})
        if path == "/api/tags":
            return httpx.Response(200, json={"models": [{"name": "smollm2:135m",
                                  "model": "smollm2:135m", "digest": DIGEST}]})  # fmt: skip
        if path == "/api/ps":
            return httpx.Response(200, json={"models": [{"name": "smollm2:135m"}]})
        body = json.loads(request.content)
        bodies.append(body)
        if chat_status != 200:
            return httpx.Response(chat_status, json={"error": 'model "x" not found'})
        if path == "/api/embed":
            return httpx.Response(200, json=shapes["embed_reply"])
        if body.get("stream"):
            lines = "".join(json.dumps(chunk) + "\n" for chunk in shapes["chat_chunks"])
            return httpx.Response(200, content=lines.encode(),
                                  headers={"content-type": "application/x-ndjson"})  # fmt: skip
        return httpx.Response(200, json=shapes["chat_reply"])

    return handler, bodies


def client_for(handler: Any) -> Any:
    """A client factory sending through ``handler`` with the load test's instrumentation."""

    def make(instrumentation: Instrumentation) -> AsyncSharedOllamaClient:
        return AsyncSharedOllamaClient(
            "http://ollama.test:11434",
            transport=httpx.MockTransport(handler),
            instrumentation=instrumentation,
        )

    return make


async def test_load_test_sends_n_requests_and_records_them(
    tmp_path: Path, shapes: dict[str, Any]
) -> None:
    """N streamed chats after one warmup: N records with TTFT and the server's fingerprint."""
    handler, bodies = ollama(shapes)
    path = tmp_path / "run.jsonl"
    config = LoadTestConfig(model="smollm2:135m", requests=12, concurrency=3, warmup=1)
    result = await run_load_test(
        config, client_factory=client_for(handler), sink=JsonlSink(path, max_bytes=0)
    )

    assert len(bodies) == 13
    assert bodies[0]["options"] == {"num_predict": 32, "seed": 0, "temperature": 0.0}
    assert (result.requests, result.errors) == (12, 0)
    assert result.requests_per_s > 0
    assert result.latency is not None
    assert result.latency.n == 12
    assert result.ttft is not None
    records, skipped = read_records([path])
    assert (len(records), skipped) == (12, 0)
    assert {(r.ollama_version, r.model_digest, r.project) for r in records} == {
        ("0.5.4", DIGEST, "load-test")
    }
    assert all(r.ttft_s is not None and r.output_tokens == 4 for r in records)
    assert "requests: 12  errors: 0" in format_result(result, records_path=str(path))
    assert json.loads(summary_json(result, records_path=None))["requests"] == 12


async def test_load_test_records_feed_the_report(
    tmp_path: Path, shapes: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Two load-test runs compare with the report (same server: comparable, no regression)."""
    paths = []
    for name in ("base", "cand"):
        handler, _ = ollama(shapes)
        path = tmp_path / f"{name}.jsonl"
        config = LoadTestConfig(model="smollm2:135m", requests=10, concurrency=2, stream=False)
        await run_load_test(config, client_factory=client_for(handler), sink=JsonlSink(path))
        paths.append(str(path))
    code = run_report([paths[1], "--baseline", paths[0], "--format", "json", "--resamples", "100"])
    document = json.loads(capsys.readouterr().out)
    assert code in (0, 1)  # mock latencies are noise; the point is that they compare
    assert "NOT_COMPARABLE" not in {c["verdict"] for c in document["comparisons"]}
    assert document["candidate"][0]["key"]["start"] == "cold"  # 0.8 s load in the shape


async def test_load_test_counts_errors_by_type(shapes: dict[str, Any]) -> None:
    """Failed calls are counted by error class instead of stopping the run."""
    handler, _ = ollama(shapes, chat_status=404)
    config = LoadTestConfig(model="smollm2:135m", requests=4, concurrency=2, kind="embed")
    result = await run_load_test(config, client_factory=client_for(handler))
    assert (result.requests, result.errors) == (4, 4)
    assert result.error_types == {"ModelNotFoundError": 4}
    assert result.latency is None


def test_load_test_config_rejects_nonsense() -> None:
    """Zero requests or concurrency is a ValueError naming the values."""
    with pytest.raises(ValueError, match="concurrency"):
        LoadTestConfig(model="m", concurrency=0)


def test_load_test_command_prints_a_summary_and_writes_records(
    tmp_path: Path,
    shapes: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``shared-ollama load-test`` prints throughput and percentiles and writes the records."""
    import argparse

    from shared_ollama._report import _load_test

    handler, _ = ollama(shapes)
    monkeypatch.setattr(_load_test, "_default_client", lambda config: client_for(handler))
    parser = argparse.ArgumentParser()
    _load_test.configure_parser(parser)
    path = tmp_path / "run.jsonl"
    args = parser.parse_args(["-m", "smollm2:135m", "-n", "5", "-c", "2", "--records", str(path)])

    assert _load_test.run(args) == 0
    printed = capsys.readouterr().out
    assert "requests: 5  errors: 0" in printed
    assert "latency: p50" in printed
    assert len(read_records([path])[0]) == 5
    args.json = True
    assert _load_test.run(args) == 0
    assert json.loads(capsys.readouterr().out)["requests"] == 5
