"""The report document, and its Markdown and JSON forms.

:func:`build_report` is pure: records in, a :class:`Report` out. Rendering is pure too: the
command-line shell reads files and writes the outputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from shared_ollama._report._compare import (
    CompareSettings,
    MetricComparison,
    Verdict,
    compare_runs,
)
from shared_ollama._report._tables import Distribution, GroupKey, GroupSummary, summarize_groups
from shared_ollama.telemetry._records import PerformanceRecord

__all__ = ["Report", "RunSource", "build_report", "render_json", "render_markdown"]

_VERDICT_MARKS = {
    Verdict.REGRESSION: "**REGRESSION**",
    Verdict.IMPROVEMENT: "IMPROVEMENT",
    Verdict.NO_CHANGE: "no change",
    Verdict.INCONCLUSIVE: "inconclusive",
    Verdict.NOT_COMPARABLE: "not comparable",
}


@dataclass(frozen=True, slots=True)
class RunSource:
    """Where a run's records came from."""

    paths: tuple[str, ...]
    records: int
    skipped_lines: int = 0


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the report says: tables for each run, and comparisons when there is a baseline."""

    candidate_source: RunSource
    candidate: list[GroupSummary]
    settings: CompareSettings
    baseline_source: RunSource | None = None
    baseline: list[GroupSummary] | None = None
    comparisons: list[MetricComparison] | None = None

    @property
    def regressions(self) -> list[MetricComparison]:
        """The comparisons judged ``REGRESSION``."""
        return [c for c in self.comparisons or [] if c.verdict is Verdict.REGRESSION]

    @property
    def exit_code(self) -> int:
        """1 when anything regressed, else 0."""
        return 1 if self.regressions else 0


def build_report(
    candidate: Sequence[PerformanceRecord],
    *,
    candidate_source: RunSource,
    baseline: Sequence[PerformanceRecord] | None = None,
    baseline_source: RunSource | None = None,
    settings: CompareSettings | None = None,
) -> Report:
    """Summarize the candidate run and, given a baseline, judge every metric against it."""
    settings = settings or CompareSettings()
    if baseline is None:
        return Report(candidate_source, summarize_groups(candidate), settings)
    return Report(
        candidate_source,
        summarize_groups(candidate),
        settings,
        baseline_source=baseline_source,
        baseline=summarize_groups(baseline),
        comparisons=compare_runs(baseline, candidate, settings=settings),
    )


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _pick(distribution: Distribution | None, name: str) -> float | None:
    return None if distribution is None else float(getattr(distribution, name))


def _table(rows: list[GroupSummary]) -> list[str]:
    lines = [
        "| model | operation | stream | start | n | errors | median | p50 | p90 | p95 | p99 "
        "| IQR | TTFT p50 | TTFT p95 | s/output token | decode tok/s | prefill tok/s |",
        "|" + "---|" * 17,
    ]
    for row in rows:
        e2e, ttft = row.end_to_end, row.ttft
        error_rate = "-" if row.error_rate is None else f"{row.error_rate:.1%}"
        cells = [
            row.key.model,
            row.key.operation,
            "yes" if row.key.stream else "no",
            row.key.start,
            str(row.calls),
            f"{row.errors} ({error_rate})",
            *(_seconds(_pick(e2e, name)) for name in ("median", "p50", "p90", "p95", "p99")),
            _seconds(_pick(e2e, "iqr")),
            _seconds(_pick(ttft, "p50")),
            _seconds(_pick(ttft, "p95")),
            _seconds(_pick(row.time_per_output_token, "median")),
            _rate(_pick(row.decode_tokens_per_s, "median")),
            _rate(_pick(row.prefill_tokens_per_s, "median")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _value(comparison: MetricComparison, value: float | None) -> str:
    return _rate(value) if comparison.metric.endswith("_per_s") else _seconds(value)


def _comparison_table(comparisons: list[MetricComparison]) -> list[str]:
    lines = [
        "| group | metric | n base | n cand | median base | median cand | change "
        "| 95% CI of ratio | p worse (Holm) | verdict | why |",
        "|" + "---|" * 11,
    ]
    for item in comparisons:
        change = "-" if item.ratio is None else f"{item.ratio - 1:+.1%}"
        interval = "-" if item.ci_low is None else f"[{item.ci_low:.3f}, {item.ci_high:.3f}]"
        p_value = "-" if item.p_worse is None else f"{item.p_worse:.2g}"
        cells = [
            item.group.label,
            item.label,
            str(item.n_baseline),
            str(item.n_candidate),
            _value(item, item.median_baseline),
            _value(item, item.median_candidate),
            change,
            interval,
            p_value,
            _VERDICT_MARKS[item.verdict],
            item.reason,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _source(label: str, source: RunSource) -> str:
    skipped = f", {source.skipped_lines} unreadable lines skipped" if source.skipped_lines else ""
    return f"- {label}: {', '.join(source.paths)} ({source.records} records{skipped})"


def render_markdown(report: Report, *, chart: str | None = None) -> str:
    """Return the report as Markdown.

    Args:
        report: The report.
        chart: A path or URL of the chart image to link, if one was drawn.
    """
    lines = ["# Performance report", "", _source("Candidate", report.candidate_source)]
    if report.baseline_source is not None:
        lines.append(_source("Baseline", report.baseline_source))
    lines += ["", "## Candidate", "", *_table(report.candidate)]
    if report.baseline is not None:
        lines += ["", "## Baseline", "", *_table(report.baseline)]
    if report.comparisons is not None:
        counts = {v: sum(1 for c in report.comparisons if c.verdict is v) for v in Verdict}
        summary = ", ".join(f"{n} {v.value}" for v, n in counts.items() if n) or "nothing compared"
        headline = "REGRESSION" if report.regressions else "no regression"
        settings = report.settings
        lines += [
            "",
            "## Comparison with the baseline",
            "",
            f"**Verdict: {headline}** ({summary}).",
            "",
            f"A metric regresses only when its median moved past its threshold, the one-sided "
            f"Mann-Whitney U test gives p < {settings.alpha} after Holm correction, the "
            f"seeded ({settings.seed}) bootstrap {settings.confidence:.0%} interval of the "
            f"median ratio lies past 1, and the change exceeds its absolute floor; fewer "
            f"than {settings.min_samples} samples a side is inconclusive.",
            "",
            *_comparison_table(report.comparisons),
        ]
    if chart is not None:
        lines += ["", "## Latency distributions", "", f"![end-to-end latency]({chart})"]
    return "\n".join(lines) + "\n"


def _jsonable(value: Any) -> Any:
    if isinstance(value, GroupKey):
        return {**value._asdict(), "label": value.label}
    if isinstance(value, Verdict):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def render_json(report: Report) -> str:
    """Return the report as indented JSON (``exit_code`` and ``regressions`` included)."""
    document = _jsonable(report)
    document["exit_code"] = report.exit_code
    document["regressions"] = len(report.regressions)
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
