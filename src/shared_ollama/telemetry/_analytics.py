"""Usage analytics: per project, model and operation over a time window, from performance records.

For each group: how many calls, how many succeeded, failed or were abandoned, the success rate
(``ok / (ok + error)``: an abandoned stream is the caller's choice, not a failure), the
end-to-end latency percentiles of successful calls, and the tokens used. Exported as JSON or CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import orjson

from shared_ollama._report._stats import quantile
from shared_ollama.telemetry._records import PerformanceRecord

__all__ = [
    "DEFAULT_GROUP_BY",
    "GroupField",
    "UsageSummary",
    "summarize_usage",
    "usage_to_csv",
    "usage_to_json",
]

GroupField = Literal["project", "model", "operation", "server_address"]
DEFAULT_GROUP_BY: tuple[GroupField, ...] = ("project", "model", "operation")


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """Usage of one (project, model, operation) group over a window.

    Fields a grouping leaves out are ``None``; latency percentiles are ``None`` without a
    successful call.
    """

    project: str | None
    model: str | None
    operation: str | None
    server_address: str | None
    count: int
    ok: int
    errors: int
    abandoned: int
    success_rate: float | None
    p50_s: float | None
    p95_s: float | None
    p99_s: float | None
    input_tokens: int
    output_tokens: int
    first_timestamp: float
    last_timestamp: float


def _summary(key: dict[str, str | None], records: Sequence[PerformanceRecord]) -> UsageSummary:
    ok = [r for r in records if r.outcome == "ok"]
    errors = sum(1 for r in records if r.outcome == "error")
    latencies = sorted(r.end_to_end_s for r in ok)
    judged = len(ok) + errors

    def pick(q: float) -> float | None:
        return quantile(latencies, q, presorted=True) if latencies else None

    return UsageSummary(
        project=key.get("project"),
        model=key.get("model"),
        operation=key.get("operation"),
        server_address=key.get("server_address"),
        count=len(records),
        ok=len(ok),
        errors=errors,
        abandoned=len(records) - judged,
        success_rate=len(ok) / judged if judged else None,
        p50_s=pick(0.50),
        p95_s=pick(0.95),
        p99_s=pick(0.99),
        input_tokens=sum(r.input_tokens or 0 for r in records),
        output_tokens=sum(r.output_tokens or 0 for r in records),
        first_timestamp=min(r.timestamp for r in records),
        last_timestamp=max(r.timestamp for r in records),
    )


def summarize_usage(
    records: Iterable[PerformanceRecord],
    *,
    since: float | None = None,
    until: float | None = None,
    group_by: Sequence[GroupField] = DEFAULT_GROUP_BY,
) -> list[UsageSummary]:
    """Summarize records per group over ``[since, until)`` (Unix seconds; open when ``None``).

    Args:
        records: Performance records, e.g. ``recorder.records()`` or ``read_records(...)[0]``.
        since: Keep records that started at or after this time.
        until: Keep records that started before this time.
        group_by: The fields that make a group, among project, model, operation, server_address.

    Returns:
        One summary per group, sorted by the group's fields.
    """
    groups: dict[tuple[str | None, ...], list[PerformanceRecord]] = {}
    for record in records:
        if since is not None and record.timestamp < since:
            continue
        if until is not None and record.timestamp >= until:
            continue
        key = tuple(getattr(record, name) for name in group_by)
        groups.setdefault(key, []).append(record)
    ordered = sorted(groups.items(), key=lambda item: tuple(str(part) for part in item[0]))
    return [_summary(dict(zip(group_by, key, strict=True)), members) for key, members in ordered]


def usage_to_json(summaries: Sequence[UsageSummary]) -> str:
    """Return the summaries as a JSON array of objects."""
    rows = [dataclasses.asdict(summary) for summary in summaries]
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode()


def usage_to_csv(summaries: Sequence[UsageSummary]) -> str:
    """Return the summaries as CSV with a header row (empty cells for ``None``)."""
    buffer = io.StringIO()
    names = [field.name for field in dataclasses.fields(UsageSummary)]
    writer = csv.DictWriter(buffer, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for summary in summaries:
        writer.writerow(dataclasses.asdict(summary))
    return buffer.getvalue()
