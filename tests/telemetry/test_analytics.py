"""Usage analytics per project, model and operation over a window."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from shared_ollama.telemetry import (
    PerformanceRecord,
    summarize_usage,
    usage_to_csv,
    usage_to_json,
)


def record(timestamp: float, **fields: Any) -> PerformanceRecord:
    values: dict[str, Any] = {
        "request_id": str(timestamp), "timestamp": timestamp, "project": "billing",
        "model": "smollm2:135m", "operation": "chat", "stream": False,
        "server_address": "127.0.0.1", "server_port": 11434, "outcome": "ok",
        "end_to_end_s": timestamp / 100, "input_tokens": 10, "output_tokens": 5,
    }  # fmt: skip
    values.update(fields)
    return PerformanceRecord(**values)


RECORDS = [
    *(record(float(t)) for t in range(1, 101)),
    record(150.0, outcome="error", error_type="ServerError", input_tokens=None, output_tokens=None),
    record(160.0, outcome="abandoned", output_tokens=2),
    record(170.0, project="search", operation="embeddings"),
    record(500.0, project="search", operation="embeddings"),
]


def test_summaries_group_by_project_model_and_operation() -> None:
    """Counts, success rate (abandoned streams excluded), percentiles and tokens per group."""
    billing, search = summarize_usage(RECORDS)
    assert (billing.project, billing.operation, billing.count) == ("billing", "chat", 102)
    assert (billing.ok, billing.errors, billing.abandoned) == (100, 1, 1)
    assert billing.success_rate == pytest.approx(100 / 101)
    assert billing.p50_s == pytest.approx(0.505)
    assert billing.p95_s == pytest.approx(0.9505)
    assert billing.p99_s == pytest.approx(0.9901)
    assert billing.input_tokens == 101 * 10
    assert billing.output_tokens == 100 * 5 + 2
    assert (search.project, search.operation, search.count) == ("search", "embeddings", 2)


def test_window_keeps_records_that_started_inside_it() -> None:
    """``since`` is inclusive, ``until`` exclusive."""
    (only,) = summarize_usage(RECORDS, since=170.0, until=500.0)
    assert (only.project, only.count, only.first_timestamp) == ("search", 1, 170.0)
    assert summarize_usage(RECORDS, since=1000.0) == []


def test_group_by_model_only_merges_projects() -> None:
    """Grouping by model alone counts every project together and leaves the rest ``None``."""
    (merged,) = summarize_usage(RECORDS, group_by=("model",))
    assert merged.count == len(RECORDS)
    assert merged.project is None


def test_json_and_csv_exports_carry_every_field() -> None:
    """JSON is a list of objects; CSV has a header and one row per group."""
    summaries = summarize_usage(RECORDS)
    rows = json.loads(usage_to_json(summaries))
    assert [row["project"] for row in rows] == ["billing", "search"]
    table = list(csv.DictReader(io.StringIO(usage_to_csv(summaries))))
    assert len(table) == 2
    assert table[0]["count"] == "102"
    assert set(table[0]) == set(rows[0])


def test_group_without_success_has_no_percentiles() -> None:
    """Only failures: success rate 0 and no latency percentiles."""
    (summary,) = summarize_usage([record(1.0, outcome="error", error_type="X")])
    assert summary.success_rate == 0
    assert summary.p50_s is None
