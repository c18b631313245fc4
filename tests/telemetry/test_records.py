"""Performance records: what a call leaves in the ring and in JSON Lines files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from shared_ollama._errors import ServerBusyError
from shared_ollama.telemetry import (
    Instrumentation,
    JsonlSink,
    PerformanceRecord,
    PerformanceRecorder,
    read_records,
)
from shared_ollama.telemetry._records import options_hash

MakeInstrumentation = Callable[..., Instrumentation]


def record(**fields: Any) -> PerformanceRecord:
    base: dict[str, Any] = {
        "request_id": "r", "timestamp": 1.0, "project": "p", "model": "m", "operation": "chat",
        "stream": False, "server_address": "h", "server_port": 1, "outcome": "ok",
        "end_to_end_s": 0.5,
    }  # fmt: skip
    return PerformanceRecord(**{**base, **fields})


def test_streamed_call_record_has_client_and_server_timings(
    make_instrumentation: MakeInstrumentation,
    recorder: PerformanceRecorder,
    shapes: dict[str, Any],
) -> None:
    """A streamed chat leaves one record with TTFT, server timings, rates and overhead."""
    recorder.set_fingerprint(ollama_version="0.5.4", model_digests={"smollm2:135m": "6187"})
    observation = make_instrumentation(recorder=recorder).start(
        operation="chat", model="smollm2:135m", body=shapes["chat_body"], stream=True,
        server_address="127.0.0.1", server_port=11434,
    )  # fmt: skip
    for chunk in shapes["chat_chunks"]:
        observation.chunk(chunk)
    observation.finish(shapes["chat_chunks"][-1])

    (kept,) = recorder.records()
    assert kept.project == "billing"
    assert kept.outcome == "ok"
    assert kept.stream is True
    assert kept.cold_start is False
    assert kept.ttft_s is not None
    assert 0 <= kept.ttft_s <= kept.end_to_end_s
    assert kept.total_s == pytest.approx(0.085050152)
    assert kept.overhead_s == pytest.approx(kept.end_to_end_s - 0.085050152)
    assert kept.decode_tokens_per_s == pytest.approx(4 / 0.053)
    assert kept.prefill_tokens_per_s == pytest.approx(10 / 0.019)
    assert kept.input_tokens == 10
    assert kept.output_tokens == 4
    assert kept.chunks == 5
    assert kept.options_hash == options_hash(shapes["chat_body"])
    assert (kept.ollama_version, kept.model_digest) == ("0.5.4", "6187")
    assert len(kept.request_id) == 32


def test_failed_call_record_has_the_error_class(
    make_instrumentation: MakeInstrumentation, recorder: PerformanceRecorder
) -> None:
    """A failed call's record names the error class and has no server timings."""
    observation = make_instrumentation(recorder=recorder).start(
        operation="embeddings", model="m", body={}, stream=False,
        server_address="h", server_port=1,
    )  # fmt: skip
    observation.retry(1, ServerBusyError("busy", status_code=503, error="busy"))
    observation.fail(ServerBusyError("busy", status_code=503, error="busy"))

    (kept,) = recorder.records()
    assert (kept.outcome, kept.error_type, kept.retries) == ("error", "ServerBusyError", 1)
    assert kept.total_s is None
    assert kept.overhead_s is None


def test_options_hash_ignores_the_prompt_and_sees_options() -> None:
    """Same options, different prompt: same hash; different options: different hash."""
    one = options_hash({"prompt": "a", "options": {"seed": 1, "num_predict": 8}})
    assert one == options_hash({"prompt": "b", "options": {"num_predict": 8, "seed": 1}})
    assert one != options_hash({"prompt": "a", "options": {"seed": 2, "num_predict": 8}})


def test_ring_keeps_only_the_latest_records() -> None:
    """The ring is bounded: the oldest records go first."""
    ring = PerformanceRecorder(capacity=3)
    for index in range(5):
        ring.add(record(request_id=str(index)))
    assert [r.request_id for r in ring.records()] == ["2", "3", "4"]
    with pytest.raises(ValueError, match="capacity"):
        PerformanceRecorder(capacity=0)


def test_jsonl_sink_round_trips_records(tmp_path: Path) -> None:
    """Records appended to a file read back equal, folder created on demand."""
    path = tmp_path / "logs" / "performance.jsonl"
    recorder = PerformanceRecorder(sink=JsonlSink(path))
    recorder.add(record(request_id="a", ttft_s=0.1))
    recorder.add(record(request_id="b", outcome="error", error_type="ServerError"))

    records, skipped = read_records([path])
    assert records == recorder.records()
    assert skipped == 0


def test_jsonl_sink_rotates_at_the_size_cap(tmp_path: Path) -> None:
    """Past max_bytes the file rotates to .1, .2, and the oldest past ``backups`` is gone."""
    path = tmp_path / "performance.jsonl"
    line_size = len(orjson.dumps(record().to_dict())) + 1
    sink = JsonlSink(path, max_bytes=line_size * 2, backups=2)
    for index in range(7):
        sink.write(record(request_id=str(index)).to_dict())

    assert sorted(p.name for p in tmp_path.glob("performance.jsonl*") if p.suffix != ".lock") == [
        "performance.jsonl", "performance.jsonl.1", "performance.jsonl.2",
    ]  # fmt: skip
    current, _ = read_records([path])
    everything, _ = read_records([path], include_rotated=True)
    assert [r.request_id for r in current] == ["6"]
    assert [r.request_id for r in everything] == ["2", "3", "4", "5", "6"]


def test_read_records_skips_broken_lines_and_unknown_keys(tmp_path: Path) -> None:
    """A truncated line is skipped and counted; unknown keys from newer writers are ignored."""
    path = tmp_path / "r.jsonl"
    good = {**record().to_dict(), "added_later": 1}
    path.write_bytes(orjson.dumps(good) + b'\n\n{"request_id": \n' + b'{"x": 1}\n')
    records, skipped = read_records([path])
    assert records == [record()]
    assert skipped == 2


def test_read_records_names_a_missing_file(tmp_path: Path) -> None:
    """A missing file raises with its path in the message."""
    with pytest.raises(FileNotFoundError, match=r"nope\.jsonl"):
        read_records([tmp_path / "nope.jsonl"])


class BrokenSink:
    def write(self, record: Any) -> None:
        raise OSError("disk full")


def test_a_failing_sink_never_breaks_the_call(
    make_instrumentation: MakeInstrumentation, shapes: dict[str, Any]
) -> None:
    """A sink that raises is logged; the record still reaches the ring."""
    recorder = PerformanceRecorder(sink=BrokenSink())
    make_instrumentation(recorder=recorder).start(
        operation="chat", model="m", body=shapes["chat_body"], stream=False,
        server_address="h", server_port=1,
    ).finish(shapes["chat_reply"])  # fmt: skip
    assert len(recorder) == 1


def test_project_comes_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch, recorder: PerformanceRecorder
) -> None:
    """Without ``project``, SHARED_OLLAMA_PROJECT names the project."""
    monkeypatch.setenv("SHARED_OLLAMA_PROJECT", "search")
    instrumentation = Instrumentation(recorder=recorder)
    instrumentation.start(
        operation="chat", model="m", body={}, stream=False, server_address="h", server_port=1
    ).finish({})
    assert recorder.records()[0].project == "search"


def test_performance_log_variable_sends_every_client_to_one_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With SHARED_OLLAMA_PERFORMANCE_LOG set, clients without a recorder share one file."""
    path = tmp_path / "logs" / "performance.jsonl"
    monkeypatch.setenv("SHARED_OLLAMA_PERFORMANCE_LOG", str(path))
    first, second = Instrumentation(project="a"), Instrumentation(project="b")
    assert first.recorder is second.recorder
    for instrumentation in (first, second):
        instrumentation.start(
            operation="chat", model="m", body={}, stream=False, server_address="h", server_port=1
        ).finish({"total_duration": 1_000})
    records, _ = read_records([path])
    assert [r.project for r in records] == ["a", "b"]


def test_no_performance_log_variable_means_no_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the variable or a recorder, nothing is recorded."""
    monkeypatch.delenv("SHARED_OLLAMA_PERFORMANCE_LOG", raising=False)
    assert Instrumentation().recorder is None
