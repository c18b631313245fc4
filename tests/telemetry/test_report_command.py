"""``performance_report`` / ``shared-ollama report`` end to end on record files."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from shared_ollama._report._chart import Series, render_svg, write_chart
from shared_ollama._report._command import run_report
from shared_ollama.telemetry import JsonlSink, PerformanceRecord


def write_run(path: Path, n: int, *, seed: int, scale: float = 1.0, **fields: Any) -> Path:
    rng = random.Random(seed)
    sink = JsonlSink(path, max_bytes=0, interprocess=False)
    for index in range(n):
        e2e = scale * 0.6 * math.exp(rng.gauss(0, 0.05))
        values: dict[str, Any] = {
            "request_id": f"{seed}-{index}", "timestamp": float(index), "project": "p",
            "model": "smollm2:135m", "operation": "chat", "stream": True,
            "server_address": "127.0.0.1", "server_port": 11434, "outcome": "ok",
            "end_to_end_s": e2e, "ttft_s": e2e / 2, "cold_start": False,
            "ollama_version": "0.5.4", "model_digest": "6187", "options_hash": "abc",
        }  # fmt: skip
        values.update(fields)
        sink.write(PerformanceRecord(**values).to_dict())
    return path


def test_report_flags_a_regression_with_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 25% slower candidate exits 1 and says REGRESSION; JSON, Markdown and SVG are written."""
    base = write_run(tmp_path / "base.jsonl", 20, seed=1)
    cand = write_run(tmp_path / "cand.jsonl", 20, seed=2, scale=1.25)
    argv = [str(cand), "--baseline", str(base), "--resamples", "300",
            "--write-json", str(tmp_path / "r.json"), "--write-markdown", str(tmp_path / "r.md"),
            "--chart", str(tmp_path / "latency.svg")]  # fmt: skip

    assert run_report(argv) == 1

    printed = capsys.readouterr().out
    assert "**Verdict: REGRESSION**" in printed
    assert printed == (tmp_path / "r.md").read_text()
    document = json.loads((tmp_path / "r.json").read_text())
    assert document["exit_code"] == 1
    assert {c["verdict"] for c in document["comparisons"]} == {"REGRESSION"}
    assert document["comparisons"][0]["group"]["label"] == "smollm2:135m chat stream warm"
    ElementTree.fromstring((tmp_path / "latency.svg").read_text())  # well-formed SVG
    assert "![end-to-end latency]" in printed


def test_report_on_noise_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two runs of the same distribution exit 0 with no regression."""
    base = write_run(tmp_path / "base.jsonl", 20, seed=1)
    cand = write_run(tmp_path / "cand.jsonl", 20, seed=2)
    assert run_report([str(cand), "--baseline", str(base), "--resamples", "300"]) == 0
    assert "**Verdict: no regression**" in capsys.readouterr().out


def test_report_without_baseline_prints_the_table_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a baseline the report summarizes; ``--json`` prints JSON."""
    cand = write_run(tmp_path / "cand.jsonl", 12, seed=2)
    assert run_report([str(cand), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    (row,) = document["candidate"]
    assert row["calls"] == 12
    assert row["end_to_end"]["n"] == 12
    assert document["comparisons"] is None


def test_report_on_a_missing_file_exits_1_not_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing input is nothing to report (1), not a usage error (2); it names the file."""
    assert run_report([str(tmp_path / "missing.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "nothing to report" in err
    assert "missing.jsonl" in err


def test_report_with_no_matching_record_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records that the filters leave empty are nothing to report: exit 1, no table printed."""
    records = write_run(tmp_path / "run.jsonl", 5, seed=1)
    assert run_report([str(records), "--model", "other"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "nothing to report" in err
    assert "--project/--model" in err


def test_report_reads_the_performance_log_variable_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without file arguments the report reads SHARED_OLLAMA_PERFORMANCE_LOG, not logs/."""
    monkeypatch.chdir(tmp_path)
    log = write_run(tmp_path / "elsewhere.jsonl", 7, seed=3)
    monkeypatch.setenv("SHARED_OLLAMA_PERFORMANCE_LOG", str(log))
    assert run_report(["--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["candidate_source"]["paths"] == [str(log)]
    monkeypatch.delenv("SHARED_OLLAMA_PERFORMANCE_LOG")
    assert run_report([]) == 1
    assert "logs/performance.jsonl" in capsys.readouterr().err


def test_report_fingerprint_mismatch_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Runs against different Ollama versions are NOT_COMPARABLE, exit 0."""
    base = write_run(tmp_path / "base.jsonl", 20, seed=1)
    cand = write_run(tmp_path / "cand.jsonl", 20, seed=2, scale=2, ollama_version="0.6.0")
    assert run_report([str(cand), "--baseline", str(base), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {c["verdict"] for c in document["comparisons"]} == {"NOT_COMPARABLE"}


def test_svg_chart_has_a_box_per_run_and_group() -> None:
    """The hand-drawn SVG has one box per run of each group and escapes labels."""
    svg = render_svg([Series("a <b>", [0.1, 0.2, 0.3], [0.1, 0.15]), Series("c", [1.0, 2.0], None)])
    root = ElementTree.fromstring(svg)
    boxes = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill-opacity")]
    assert len(boxes) == 3
    assert "a &lt;b&gt;" in svg


def test_write_chart_rejects_unknown_formats(tmp_path: Path) -> None:
    """Only .svg and .png are drawn."""
    with pytest.raises(ValueError, match=r"use \.svg or \.png"):
        write_chart(tmp_path / "chart.gif", [Series("a", [1.0])])


def test_report_is_a_shared_ollama_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``shared-ollama report`` runs the same report as the script."""
    from shared_ollama._cli._app import main

    cand = write_run(tmp_path / "cand.jsonl", 3, seed=2)
    assert main(["report", str(cand), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["candidate"][0]["calls"] == 3


def test_write_chart_draws_a_png_with_matplotlib(tmp_path: Path) -> None:
    """With matplotlib installed, a .png path gives a PNG image."""
    pytest.importorskip("matplotlib")
    path = tmp_path / "chart.png"
    write_chart(path, [Series("a", [0.1, 0.2, 0.3], [0.2, 0.3])])
    assert path.read_bytes().startswith(b"\x89PNG")
