"""The report's tables: records grouped by (model, operation, stream, cold/warm) and summarized.

Latency figures come from successful calls only; the error rate counts failed calls against
failed plus successful ones (abandoned streams are neither).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from shared_ollama._report._stats import quantile
from shared_ollama.telemetry._records import PerformanceRecord

__all__ = [
    "Distribution",
    "Fingerprint",
    "GroupKey",
    "GroupSummary",
    "fingerprint",
    "group_records",
    "samples",
    "summarize_groups",
]

Fingerprint = frozenset[tuple[str | None, str | None, str | None]]
"""The distinct ``(ollama_version, model_digest, options_hash)`` triples of a group."""


class GroupKey(NamedTuple):
    """What a latency distribution is about: one model, operation, mode and load state."""

    model: str
    operation: str
    stream: bool
    start: str  # "cold", "warm" or "unknown"

    @property
    def label(self) -> str:
        """A short human label, e.g. ``smollm2:135m chat stream warm``."""
        mode = "stream" if self.stream else "whole"
        return f"{self.model} {self.operation} {mode} {self.start}"


def _start(record: PerformanceRecord) -> str:
    if record.cold_start is None:
        return "unknown"
    return "cold" if record.cold_start else "warm"


def group_records(
    records: Iterable[PerformanceRecord],
) -> dict[GroupKey, list[PerformanceRecord]]:
    """Split records into groups, in order of first appearance."""
    groups: dict[GroupKey, list[PerformanceRecord]] = {}
    for record in records:
        key = GroupKey(record.model, record.operation, record.stream, _start(record))
        groups.setdefault(key, []).append(record)
    return groups


def samples(records: Iterable[PerformanceRecord], field: str) -> list[float]:
    """Return ``field`` of every successful record that has it."""
    values: list[float] = []
    for record in records:
        value = getattr(record, field)
        if record.outcome == "ok" and value is not None:
            values.append(float(value))
    return values


def fingerprint(records: Iterable[PerformanceRecord]) -> Fingerprint:
    """Return the distinct server version, model digest and options hash of the records."""
    return frozenset((r.ollama_version, r.model_digest, r.options_hash) for r in records)


@dataclass(frozen=True, slots=True)
class Distribution:
    """Order statistics of one metric in one group (seconds or tokens per second)."""

    n: int
    median: float
    p50: float
    p90: float
    p95: float
    p99: float
    iqr: float
    minimum: float
    maximum: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution | None:
        """Summarize ``values``; ``None`` when there are none."""
        if not values:
            return None
        ordered = sorted(values)

        def at(q: float) -> float:
            return quantile(ordered, q, presorted=True)

        return cls(
            n=len(ordered),
            median=at(0.5),
            p50=at(0.5),
            p90=at(0.9),
            p95=at(0.95),
            p99=at(0.99),
            iqr=at(0.75) - at(0.25),
            minimum=ordered[0],
            maximum=ordered[-1],
        )


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One row of the report's table."""

    key: GroupKey
    calls: int
    ok: int
    errors: int
    error_rate: float | None
    end_to_end: Distribution | None
    ttft: Distribution | None
    time_per_output_token: Distribution | None
    decode_tokens_per_s: Distribution | None
    prefill_tokens_per_s: Distribution | None


def summarize_groups(records: Iterable[PerformanceRecord]) -> list[GroupSummary]:
    """Return one summary per group, sorted by label."""
    rows: list[GroupSummary] = []
    for key, members in group_records(records).items():
        ok = sum(1 for r in members if r.outcome == "ok")
        errors = sum(1 for r in members if r.outcome == "error")
        rows.append(
            GroupSummary(
                key=key,
                calls=len(members),
                ok=ok,
                errors=errors,
                error_rate=errors / (ok + errors) if ok + errors else None,
                end_to_end=Distribution.of(samples(members, "end_to_end_s")),
                ttft=Distribution.of(samples(members, "ttft_s")),
                time_per_output_token=Distribution.of(samples(members, "time_per_output_token_s")),
                decode_tokens_per_s=Distribution.of(samples(members, "decode_tokens_per_s")),
                prefill_tokens_per_s=Distribution.of(samples(members, "prefill_tokens_per_s")),
            )
        )
    return sorted(rows, key=lambda row: row.key.label)
