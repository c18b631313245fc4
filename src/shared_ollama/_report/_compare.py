"""Verdicts of a candidate run against a baseline run, metric by metric, group by group.

For each group (model, operation, stream, cold/warm) and each metric with data on both sides:

* ``NOT_COMPARABLE`` when the group is missing on one side, or its fingerprint (Ollama version,
  model digest, options hash) differs between the runs;
* ``INCONCLUSIVE`` with fewer than ``min_samples`` (10) successful samples on either side;
* ``REGRESSION`` only when all four hold, in the metric's "worse" direction:

  1. the median moved past the threshold: latency ``ratio > 1.10``, throughput ``ratio < 0.93``
     (``ratio = median(candidate) / median(baseline)``);
  2. the one-sided Mann-Whitney U test gives ``p < 0.01`` after Holm correction over every
     metric and group tested in this comparison;
  3. the seeded bootstrap 95% interval of the ratio lies wholly past 1;
  4. the absolute change of the median exceeds the metric's floor (TTFT 25 ms, end-to-end 50 ms;
     metrics without a floor skip this test);

* ``IMPROVEMENT`` when the same four hold in the "better" direction (the mirror image);
* ``NO_CHANGE`` otherwise.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared_ollama._report._stats import (
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    bootstrap_median_ratio,
    holm,
    mann_whitney_greater,
    median,
)
from shared_ollama._report._tables import Fingerprint, GroupKey, fingerprint, group_records, samples
from shared_ollama.telemetry._records import PerformanceRecord

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_MIN_SAMPLES",
    "DEFAULT_RULES",
    "CompareSettings",
    "MetricComparison",
    "MetricRule",
    "Verdict",
    "compare_runs",
    "describe_fingerprint_change",
]

DEFAULT_ALPHA = 0.01
DEFAULT_MIN_SAMPLES = 10


class Verdict(str, enum.Enum):
    """The outcome of comparing one metric of one group."""

    REGRESSION = "REGRESSION"
    IMPROVEMENT = "IMPROVEMENT"
    NO_CHANGE = "NO_CHANGE"
    INCONCLUSIVE = "INCONCLUSIVE"
    NOT_COMPARABLE = "NOT_COMPARABLE"


@dataclass(frozen=True, slots=True)
class MetricRule:
    """How one metric is judged.

    Attributes:
        field: The :class:`PerformanceRecord` field holding the metric.
        label: The name shown in the report.
        higher_is_better: ``True`` for throughput, ``False`` for latency.
        threshold: The relative move of the median that matters (0.10 = 10%).
        floor: The absolute move of the median that matters, in the metric's unit, or ``None``.
    """

    field: str
    label: str
    higher_is_better: bool
    threshold: float
    floor: float | None = None


DEFAULT_RULES: tuple[MetricRule, ...] = (
    MetricRule("end_to_end_s", "end-to-end", higher_is_better=False, threshold=0.10, floor=0.050),
    MetricRule("ttft_s", "time to first chunk", False, threshold=0.10, floor=0.025),
    MetricRule("time_per_output_token_s", "time per output token", False, threshold=0.10),
    MetricRule("decode_tokens_per_s", "decode tokens/s", higher_is_better=True, threshold=0.07),
    MetricRule("prefill_tokens_per_s", "prefill tokens/s", higher_is_better=True, threshold=0.07),
)


@dataclass(frozen=True, slots=True)
class CompareSettings:
    """The knobs of a comparison; the defaults are the documented verdict rules."""

    alpha: float = DEFAULT_ALPHA
    min_samples: int = DEFAULT_MIN_SAMPLES
    confidence: float = DEFAULT_CONFIDENCE
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    rules: tuple[MetricRule, ...] = field(default=DEFAULT_RULES)


@dataclass(frozen=True, slots=True)
class MetricComparison:
    """One metric of one group, baseline against candidate, with its verdict and why."""

    group: GroupKey
    metric: str
    label: str
    verdict: Verdict
    reason: str
    n_baseline: int = 0
    n_candidate: int = 0
    median_baseline: float | None = None
    median_candidate: float | None = None
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_worse: float | None = None
    p_better: float | None = None


@dataclass(slots=True)
class _Pending:
    group: GroupKey
    rule: MetricRule
    baseline: list[float]
    candidate: list[float]
    p_worse: float
    p_better: float


def describe_fingerprint_change(baseline: Fingerprint, candidate: Fingerprint) -> str:
    """Say which parts of the fingerprint differ between the runs."""
    names = ("Ollama version", "model digest", "options")
    parts = []
    for index, name in enumerate(names):
        before = sorted({str(item[index]) for item in baseline})
        after = sorted({str(item[index]) for item in candidate})
        if before != after:
            parts.append(f"{name} {', '.join(before)} -> {', '.join(after)}")
    return "fingerprint differs: " + "; ".join(parts)


def _tests(rule: MetricRule, base: Sequence[float], cand: Sequence[float]) -> tuple[float, float]:
    """Return the one-sided p-values that the candidate is worse, and that it is better."""
    larger = mann_whitney_greater(cand, base)
    smaller = mann_whitney_greater(base, cand)
    return (smaller, larger) if rule.higher_is_better else (larger, smaller)


def _judge(
    item: _Pending, p_worse: float, p_better: float, settings: CompareSettings
) -> MetricComparison:
    rule = item.rule
    base_median = median(item.baseline)
    cand_median = median(item.candidate)
    measured = MetricComparison(
        group=item.group,
        metric=rule.field,
        label=rule.label,
        verdict=Verdict.INCONCLUSIVE,
        reason="baseline median is 0: no ratio",
        n_baseline=len(item.baseline),
        n_candidate=len(item.candidate),
        median_baseline=base_median,
        median_candidate=cand_median,
        p_worse=p_worse,
        p_better=p_better,
    )
    if base_median == 0:
        return measured
    ratio = cand_median / base_median
    low, high = bootstrap_median_ratio(
        item.baseline,
        item.candidate,
        resamples=settings.resamples,
        confidence=settings.confidence,
        seed=settings.seed,
    )
    floor_met = rule.floor is None or abs(cand_median - base_median) > rule.floor
    up = ratio > 1 + rule.threshold and low > 1
    down = ratio < 1 - rule.threshold and high < 1
    worse_moved, better_moved = (down, up) if rule.higher_is_better else (up, down)
    agreed = "median, U test, bootstrap interval and floor all agree"
    if worse_moved and p_worse < settings.alpha and floor_met:
        verdict, reason = Verdict.REGRESSION, agreed
    elif better_moved and p_better < settings.alpha and floor_met:
        verdict, reason = Verdict.IMPROVEMENT, agreed
    else:
        reason = _why_not(ratio, (low, high), (p_worse, p_better), rule, settings)
        verdict = Verdict.NO_CHANGE
    return dataclasses.replace(
        measured, verdict=verdict, reason=reason, ratio=ratio, ci_low=low, ci_high=high
    )


def _why_not(
    ratio: float,
    interval: tuple[float, float],
    p_values: tuple[float, float],
    rule: MetricRule,
    settings: CompareSettings,
) -> str:
    low, high = interval
    if abs(ratio - 1) <= rule.threshold:
        return f"median moved {ratio - 1:+.1%}, within +/-{rule.threshold:.0%}"
    if low <= 1 <= high:
        return f"{settings.confidence:.0%} interval of the ratio [{low:.3f}, {high:.3f}] holds 1"
    worse = ratio < 1 if rule.higher_is_better else ratio > 1
    p_value = p_values[0] if worse else p_values[1]
    if p_value >= settings.alpha:
        return f"U test p = {p_value:.2g} after Holm, not below {settings.alpha}"
    return f"the median moved less than the floor of {rule.floor}"


def compare_runs(
    baseline: Sequence[PerformanceRecord],
    candidate: Sequence[PerformanceRecord],
    *,
    settings: CompareSettings | None = None,
) -> list[MetricComparison]:
    """Compare every metric of every group of the candidate run against the baseline run.

    Args:
        baseline: Records of the saved run.
        candidate: Records of the run under test.
        settings: Thresholds, significance and bootstrap settings; the defaults when omitted.

    Returns:
        One comparison per group and metric with data, sorted by group label then rule order.
    """
    settings = settings or CompareSettings()
    base_groups = group_records(baseline)
    cand_groups = group_records(candidate)
    results: list[MetricComparison] = []
    pending: list[_Pending] = []
    keys = sorted(set(base_groups) | set(cand_groups), key=lambda key: key.label)
    for key in keys:
        base_records = base_groups.get(key, [])
        cand_records = cand_groups.get(key, [])
        mismatch = None
        if not base_records or not cand_records:
            mismatch = "only in the " + ("candidate" if cand_records else "baseline")
        elif fingerprint(base_records) != fingerprint(cand_records):
            mismatch = describe_fingerprint_change(
                fingerprint(base_records), fingerprint(cand_records)
            )
        for rule in settings.rules:
            base = samples(base_records, rule.field)
            cand = samples(cand_records, rule.field)
            if not base and not cand:
                continue
            counts = {"n_baseline": len(base), "n_candidate": len(cand)}
            if mismatch is not None:
                results.append(
                    MetricComparison(
                        key, rule.field, rule.label, Verdict.NOT_COMPARABLE, mismatch, **counts
                    )
                )
            elif min(len(base), len(cand)) < settings.min_samples:
                reason = f"fewer than {settings.min_samples} samples on a side"
                results.append(
                    MetricComparison(
                        key, rule.field, rule.label, Verdict.INCONCLUSIVE, reason, **counts
                    )
                )
            else:
                pending.append(_Pending(key, rule, base, cand, *_tests(rule, base, cand)))
    worse = holm([item.p_worse for item in pending])
    better = holm([item.p_better for item in pending])
    results.extend(
        _judge(item, p_w, p_b, settings)
        for item, p_w, p_b in zip(pending, worse, better, strict=True)
    )
    order = {rule.field: index for index, rule in enumerate(settings.rules)}
    return sorted(results, key=lambda r: (r.group.label, order.get(r.metric, len(order))))
