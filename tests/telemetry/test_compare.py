"""Verdicts on synthetic runs whose answer is known."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from shared_ollama._report._compare import CompareSettings, MetricComparison, Verdict, compare_runs
from shared_ollama.telemetry import PerformanceRecord

FAST = CompareSettings(resamples=400)


def run(
    n: int,
    *,
    seed: int,
    scale: float = 1.0,
    median_s: float = 0.5,
    spread: float = 0.08,
    **fields: Any,
) -> list[PerformanceRecord]:
    """``n`` successful streamed chat records with log-normal latencies around ``median_s``."""
    rng = random.Random(seed)
    records = []
    for index in range(n):
        end_to_end = scale * median_s * math.exp(rng.gauss(0, spread))
        decode = 80.0 / scale * math.exp(rng.gauss(0, spread))
        values: dict[str, Any] = {
            "request_id": f"{seed}-{index}", "timestamp": float(index), "project": "p",
            "model": "smollm2:135m", "operation": "chat", "stream": True,
            "server_address": "127.0.0.1", "server_port": 11434, "outcome": "ok",
            "end_to_end_s": end_to_end, "ttft_s": end_to_end * 0.5, "cold_start": False,
            "decode_tokens_per_s": decode, "time_per_output_token_s": 1 / decode,
            "ollama_version": "0.5.4", "model_digest": "6187", "options_hash": "abc",
        }  # fmt: skip
        values.update(fields)
        records.append(PerformanceRecord(**values))
    return records


def verdicts(results: list[MetricComparison]) -> dict[str, Verdict]:
    return {item.metric: item.verdict for item in results}


def test_a_real_20_percent_slowdown_is_a_regression() -> None:
    """Every latency 20% slower and throughput 1/1.2 is REGRESSION on each metric."""
    results = compare_runs(run(30, seed=1), run(30, seed=2, scale=1.2), settings=FAST)
    assert verdicts(results) == {
        "end_to_end_s": Verdict.REGRESSION,
        "ttft_s": Verdict.REGRESSION,
        "time_per_output_token_s": Verdict.REGRESSION,
        "decode_tokens_per_s": Verdict.REGRESSION,
    }
    end_to_end = results[0]
    assert end_to_end.ratio == pytest.approx(1.2, rel=0.1)
    assert end_to_end.ci_low is not None
    assert end_to_end.ci_low > 1
    assert end_to_end.p_worse is not None
    assert end_to_end.p_worse < 0.01


def test_a_real_20_percent_speedup_is_an_improvement() -> None:
    """The mirror image of a regression is an IMPROVEMENT."""
    results = compare_runs(run(30, seed=1), run(30, seed=2, scale=1 / 1.2), settings=FAST)
    assert set(verdicts(results).values()) == {Verdict.IMPROVEMENT}


@pytest.mark.parametrize("seed", [2, 3, 4, 5, 6])
def test_pure_noise_is_not_a_regression(seed: int) -> None:
    """Two runs from the same distribution never give a REGRESSION or IMPROVEMENT."""
    results = compare_runs(run(40, seed=1), run(40, seed=seed, spread=0.3), settings=FAST)
    assert set(verdicts(results).values()) == {Verdict.NO_CHANGE}


def test_five_samples_a_side_is_inconclusive() -> None:
    """Fewer than 10 samples a side cannot be judged, however large the change."""
    results = compare_runs(run(5, seed=1), run(5, seed=2, scale=2.0), settings=FAST)
    assert set(verdicts(results).values()) == {Verdict.INCONCLUSIVE}
    assert results[0].reason == "fewer than 10 samples on a side"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("ollama_version", "0.6.0", "Ollama version 0.5.4 -> 0.6.0"),
        ("model_digest", "ffff", "model digest 6187 -> ffff"),
        ("options_hash", "def", "options abc -> def"),
    ],
)
def test_fingerprint_mismatch_is_not_comparable(field: str, value: str, reason: str) -> None:
    """A different server version, model digest or options hash makes runs incomparable."""
    results = compare_runs(
        run(30, seed=1), run(30, seed=2, scale=1.5, **{field: value}), settings=FAST
    )
    assert set(verdicts(results).values()) == {Verdict.NOT_COMPARABLE}
    assert reason in results[0].reason


def test_tiny_absolute_change_stays_below_the_floor() -> None:
    """A 20% slowdown of a 100 ms call (20 ms) is under the 50 ms end-to-end floor."""
    results = compare_runs(
        run(40, seed=1, median_s=0.1), run(40, seed=2, median_s=0.1, scale=1.2), settings=FAST
    )
    found = verdicts(results)
    assert found["end_to_end_s"] is Verdict.NO_CHANGE
    assert found["ttft_s"] is Verdict.NO_CHANGE  # 10 ms, under the 25 ms floor
    assert found["time_per_output_token_s"] is Verdict.REGRESSION  # no floor


def test_a_move_below_the_threshold_is_no_change() -> None:
    """A significant but 5% shift is under the 10% latency threshold."""
    results = compare_runs(
        run(200, seed=1, spread=0.02), run(200, seed=2, spread=0.02, scale=1.05), settings=FAST
    )
    end_to_end = results[0]
    assert end_to_end.verdict is Verdict.NO_CHANGE
    assert "within" in end_to_end.reason


def test_group_missing_from_the_baseline_is_not_comparable() -> None:
    """A group only the candidate has cannot be compared."""
    results = compare_runs(run(20, seed=1), run(20, seed=2, model="other"), settings=FAST)
    reasons = {(item.group.model, item.reason) for item in results}
    assert ("other", "only in the candidate") in reasons
    assert ("smollm2:135m", "only in the baseline") in reasons


def test_errors_and_cold_starts_are_kept_apart() -> None:
    """Failed calls give no latency samples, and cold calls form their own group."""
    baseline = run(20, seed=1) + run(5, seed=3, cold_start=True, scale=5)
    candidate = run(20, seed=2) + run(15, seed=4, outcome="error", error_type="ServerError")
    results = compare_runs(baseline, candidate, settings=FAST)
    warm = [item for item in results if item.group.start == "warm"]
    assert {item.n_candidate for item in warm if item.metric == "end_to_end_s"} == {20}
    assert any(item.group.start == "cold" for item in results)
