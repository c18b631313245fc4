"""The benchmark report: ``results.json``, ``results.md`` and a hand-written SVG chart (pure).

Every function here turns the run's data into text; writing the files is left to ``run.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from _targets import Outcome

__all__ = ["outcome_rows", "render_markdown", "render_svg", "verdict_line"]

_COLOURS = {"PASS": "#2e7d32", "FAIL": "#c62828", "SKIP": "#9e9e9e", "INFO": "#546e7a"}


def outcome_rows(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    """Return the ratio rows as JSON-ready dictionaries.

    Args:
        outcomes: Evaluated targets.

    Returns:
        One dictionary per row with ``key``, ``label``, ``case``, ``contender``, ``reference``,
        ``metric``, ``value``, ``limit``, ``verdict`` and ``note``.
    """
    return [
        {
            "key": outcome.target.key,
            "label": outcome.target.label,
            "case": outcome.target.case,
            "contender": outcome.target.contender,
            "reference": list(outcome.target.reference),
            "metric": outcome.target.metric,
            "value": outcome.value,
            "limit": outcome.target.limit,
            "verdict": outcome.verdict,
            "note": outcome.note,
        }
        for outcome in outcomes
    ]


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def verdict_line(row: Mapping[str, Any]) -> str:
    """Return one ratio row as a line for the terminal.

    Args:
        row: A row from :func:`outcome_rows`.

    Returns:
        ``label  value  (target <= limit)  VERDICT  note``.
    """
    limit = row["limit"]
    count = row["metric"] == "errors"
    value = _number(row["value"], 0 if count else 2) + (
        "" if count or row["value"] is None else "x"
    )
    target = "info" if limit is None else f"target <= {limit:.{0 if count else 2}f}"
    note = f"  ({row['note']})" if row["note"] else ""
    return f"{row['label']:<84} {value:>8}  {target:<16} {row['verdict']}{note}"


def _ratio_table(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["| Comparison | Value | Target | Verdict | Note |", "|---|---:|---:|:---:|---|"]
    for row in rows:
        count = row["metric"] == "errors"
        value = _number(row["value"], 0 if count else 2) + (
            "" if count or row["value"] is None else "x"
        )
        limit = "—" if row["limit"] is None else f"<= {row['limit']:.{0 if count else 2}f}"
        lines.append(f"| {row['label']} | {value} | {limit} | {row['verdict']} | {row['note']} |")
    return lines


def _case_table(case: Mapping[str, Any]) -> list[str]:
    lines = [
        f"### {case['title']}",
        "",
        f"Per {case['unit']}: median client CPU (`process_time`), its range over rounds, and "
        "median wall time.",
        "",
        "| Contender | CPU ms | CPU min-max ms | Wall ms | Calls x rounds | Status |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, figure in case["contenders"].items():
        if figure["status"] != "ok":
            lines.append(f"| {name} | — | — | — | — | {figure['note']} |")
            continue
        lines.append(
            f"| {name} | {figure['cpu_ms']:.3f} | {figure['cpu_min_ms']:.3f}-"
            f"{figure['cpu_max_ms']:.3f} | {figure['wall_ms']:.3f} | "
            f"{figure['calls']} x {figure['rounds']} | ok |"
        )
    return [*lines, ""]


def _import_table(imports: Mapping[str, Any]) -> list[str]:
    lines = [
        "## Import cost",
        "",
        "Fresh interpreter per sample; medians over runs. *Import* is the `import` statement "
        "alone; *process* adds interpreter start and exit; *peak RSS* is the whole process.",
        "",
        "| Module | Import ms | Import CPU ms | Process ms | Peak RSS MiB | Added RSS MiB | Runs |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for module, figure in imports["modules"].items():
        if figure["note"]:
            lines.append(f"| `{module}` | — | — | — | — | — | {figure['note']} |")
            continue
        lines.append(
            f"| `{module}` | {figure['import_s'] * 1000:.0f} | {figure['cpu_s'] * 1000:.0f} | "
            f"{figure['process_s'] * 1000:.0f} | {figure['peak_rss_mib']:.1f} | "
            f"{figure['added_rss_mib']:.1f} | {figure['runs']} |"
        )
    return [*lines, ""]


def _contention_table(contention: Mapping[str, Any]) -> list[str]:
    lines = ["## Shared daemon under contention", ""]
    if contention["status"] != "ok":
        return [*lines, f"Not run: {contention['note']}", ""]
    plan = contention["plan"]
    lines += [
        f"Real Ollama at `OLLAMA_NUM_PARALLEL=1 OLLAMA_MAX_QUEUE=1`; {plan['processes']} "
        f"processes x {plan['requests']} generations (`num_predict={plan['num_predict']}`) per "
        "client. *serial* is the daemon's capacity: "
        f"{contention['serial_note']}",
        "",
        "| Client | Total s | OK | Errors surfaced | p50 s | p95 s | Note |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for name, run in contention["runs"].items():
        errors = ", ".join(f"{kind}: {count}" for kind, count in run["errors"].items()) or "0"
        lines.append(
            f"| {name} | {_number(run['total_s'], 1)} | {run['ok']}/{run['requests']} | {errors} "
            f"| {_number(run['p50_s'])} | {_number(run['p95_s'])} | {run['note']} |"
        )
    return [*lines, ""]


def render_markdown(results: Mapping[str, Any], chart_name: str) -> str:
    """Render the whole report as Markdown.

    Args:
        results: The ``results.json`` document.
        chart_name: File name of the SVG chart, linked from the report.

    Returns:
        The Markdown text.
    """
    meta = results["meta"]
    rows = results["ratios"]
    targets = [row for row in rows if row["limit"] is not None]
    info = [row for row in rows if row["limit"] is None]
    passed = sum(row["verdict"] == "PASS" for row in targets)
    failed = sum(row["verdict"] == "FAIL" for row in targets)
    lines = [
        "# shared-ollama benchmarks",
        "",
        f"Run {meta['started_at']} on {meta['platform']}, Python {meta['python']}, "
        f"{meta['cpus']} CPUs, load average {meta['load_average']}; mode: {meta['mode']}; "
        f"{meta['duration_s']:.0f} s in all.",
        "",
        "Versions: " + ", ".join(f"{name} {version}" for name, version in meta["versions"].items()),
        "",
        "Ratios divide client CPU time per call (the canned server runs in another process) by "
        "the reference's, measured in the same run with contenders interleaved; lower is "
        "better. Absolute times drift on a shared machine; ratios hold.",
        "",
        f"## Targets: {passed} pass, {failed} fail, {len(targets) - passed - failed} skipped",
        "",
        f"![ratios against targets]({chart_name})",
        "",
        *_ratio_table(targets),
        "",
        "## Client cost per case",
        "",
    ]
    for name in ("chat", "stream", "embed", "chat_concurrent"):
        lines += _case_table(results["cases"][name])
    lines += _import_table(results["cases"]["import"])
    lines += _contention_table(results["cases"]["contention"])
    lines += ["## Where the peers stand (information)", "", *_ratio_table(info), ""]
    return "\n".join(lines)


def render_svg(rows: Sequence[Mapping[str, Any]]) -> str:
    """Draw the ratio targets as horizontal bars with a tick at each limit.

    Args:
        rows: Ratio rows from :func:`outcome_rows`; count rows and information rows are left out.

    Returns:
        A standalone SVG document.
    """
    shown = [row for row in rows if row["limit"] is not None and row["metric"] != "errors"]
    label_width, bar_width, row_height, top = 430, 330, 24, 34
    scale_max = max(
        [1.5]
        + [row["limit"] * 1.25 for row in shown]
        + [min(row["value"], 4.0) * 1.05 for row in shown if row["value"] is not None]
    )
    scale_max = math.ceil(scale_max * 2) / 2
    width = label_width + bar_width + 90
    height = top + row_height * len(shown) + 30

    def x(value: float) -> float:
        return float(label_width + bar_width * min(value, scale_max) / scale_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="10" y="20" font-size="14" font-weight="bold">'
        "Client CPU ratio vs reference (bar) and target (black tick); lower is better</text>",
    ]
    for index, row in enumerate(shown):
        y = top + index * row_height
        colour = _COLOURS[row["verdict"]]
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(row['label'])}</text>"
        )
        if row["value"] is None:
            parts.append(f'<text x="{label_width + 4}" y="{y + 16}" fill="{colour}">skipped</text>')
        else:
            parts.append(
                f'<rect x="{label_width}" y="{y + 4}" width="{x(row["value"]) - label_width:.1f}" '
                f'height="{row_height - 8}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{x(row["value"]) + 4:.1f}" y="{y + 16}" fill="{colour}">'
                f"{row['value']:.2f}x {row['verdict']}</text>"
            )
        limit_x = x(row["limit"])
        parts.append(
            f'<line x1="{limit_x:.1f}" x2="{limit_x:.1f}" y1="{y + 1}" y2="{y + row_height - 1}" '
            'stroke="black" stroke-width="2"/>'
        )
    axis_y = top + row_height * len(shown) + 4
    parts.append(
        f'<line x1="{label_width}" x2="{label_width + bar_width}" y1="{axis_y}" y2="{axis_y}" '
        'stroke="#666"/>'
    )
    tick = 0.5 if scale_max <= 3 else 1.0
    for step in range(int(scale_max / tick) + 1):
        value = step * tick
        parts.append(
            f'<text x="{x(value):.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#666">'
            f"{value:.1f}x</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
