"""``shared-ollama report`` and ``scripts/performance_report.py``: the report's command-line shell.

Reads JSON Lines records (by default the file ``SHARED_OLLAMA_PERFORMANCE_LOG`` names, else
``logs/performance.jsonl``), builds the report, prints Markdown (or JSON) and optionally writes
JSON, Markdown and a chart to files. Exit codes: 0 fine, 1 a metric regressed or there is nothing
to report (no file, or no record in it), 2 a usage error (from the argument parser).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared_ollama._report._chart import Series, write_chart
from shared_ollama._report._compare import (
    DEFAULT_ALPHA,
    DEFAULT_MIN_SAMPLES,
    CompareSettings,
)
from shared_ollama._report._render import RunSource, build_report, render_json, render_markdown
from shared_ollama._report._stats import DEFAULT_RESAMPLES, DEFAULT_SEED
from shared_ollama._report._tables import group_records, samples
from shared_ollama.telemetry._environment import PERFORMANCE_LOG_VARIABLE, performance_log_setting
from shared_ollama.telemetry._jsonl import read_records
from shared_ollama.telemetry._records import PerformanceRecord

__all__ = [
    "COMMAND_HELP",
    "COMMAND_NAME",
    "configure_parser",
    "default_records",
    "main",
    "run",
    "run_report",
]

COMMAND_NAME = "report"
COMMAND_HELP = "summarize performance records and flag regressions against a baseline"
DEFAULT_RECORDS = "logs/performance.jsonl"
EXIT_NOTHING_TO_REPORT = 1


def default_records(environ: Mapping[str, str] | None = None) -> str:
    """The records read when none are named: ``SHARED_OLLAMA_PERFORMANCE_LOG``, else the default.

    Args:
        environ: The environment to read; ``os.environ`` when omitted.
    """
    return performance_log_setting(environ) or DEFAULT_RECORDS


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the report's arguments to ``parser``."""
    parser.description = (
        "Summarize performance records per model, operation, stream and cold/warm start; with "
        "--baseline, judge each metric REGRESSION / IMPROVEMENT / NO_CHANGE / INCONCLUSIVE / "
        "NOT_COMPARABLE. Exits 1 when anything regressed."
    )
    parser.add_argument(
        "records", nargs="*", default=[],
        help=(
            f"JSON Lines files of the run under test (default: the file {PERFORMANCE_LOG_VARIABLE} "
            f"names, else {DEFAULT_RECORDS})"
        ),
    )  # fmt: skip
    parser.add_argument(
        "--baseline", action="append", metavar="FILE",
        help="records of the saved run to compare against (repeat for several files)",
    )  # fmt: skip
    parser.add_argument(
        "--include-rotated", action="store_true",
        help="also read the rotated copies (.1, .2, ...) of every file",
    )  # fmt: skip
    parser.add_argument("--project", help="only records of this project")
    parser.add_argument("--model", help="only records of this model")
    parser.add_argument(
        "--format", choices=("markdown", "json"), default="markdown",
        help="what to print (default: markdown; --json is the same as --format json)",
    )  # fmt: skip
    parser.add_argument("--write-markdown", metavar="PATH", help="also write the Markdown here")
    parser.add_argument("--write-json", metavar="PATH", help="also write the JSON here")
    parser.add_argument(
        "--chart", metavar="PATH",
        help="draw latency distributions to PATH (.svg needs nothing, .png needs matplotlib)",
    )  # fmt: skip
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA, help="significance level")
    parser.add_argument(
        "--min-samples", type=int, default=DEFAULT_MIN_SAMPLES,
        help="fewer samples a side than this is INCONCLUSIVE",
    )  # fmt: skip
    parser.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, help="bootstrap size")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="bootstrap seed")


def _load(
    paths: Sequence[str], args: argparse.Namespace
) -> tuple[list[PerformanceRecord], RunSource]:
    records, skipped = read_records(paths, include_rotated=args.include_rotated)
    records = [
        r
        for r in records
        if (args.project is None or r.project == args.project)
        and (args.model is None or r.model == args.model)
    ]
    return records, RunSource(tuple(paths), len(records), skipped)


def _series(
    candidate: Sequence[PerformanceRecord], baseline: Sequence[PerformanceRecord] | None
) -> list[Series]:
    cand_groups = group_records(candidate)
    base_groups = group_records(baseline or [])
    keys = sorted(set(cand_groups) | set(base_groups), key=lambda key: key.label)
    return [
        Series(
            key.label,
            samples(cand_groups.get(key, []), "end_to_end_s"),
            None if baseline is None else samples(base_groups.get(key, []), "end_to_end_s"),
        )
        for key in keys
    ]


def run(args: argparse.Namespace) -> int:
    """Run the report with parsed arguments and return the exit code."""
    paths = args.records or [default_records()]
    try:
        candidate, candidate_source = _load(paths, args)
        baseline, baseline_source = _load(args.baseline, args) if args.baseline else (None, None)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"shared-ollama report: nothing to report: {exc}", file=sys.stderr)
        return EXIT_NOTHING_TO_REPORT
    if not candidate:
        filtered = " matches --project/--model" if args.project or args.model else ""
        print(
            f"shared-ollama report: nothing to report: no record in {', '.join(paths)}{filtered}",
            file=sys.stderr,
        )
        return EXIT_NOTHING_TO_REPORT
    settings = CompareSettings(
        alpha=args.alpha, min_samples=args.min_samples, resamples=args.resamples, seed=args.seed
    )
    report = build_report(
        candidate,
        candidate_source=candidate_source,
        baseline=baseline,
        baseline_source=baseline_source,
        settings=settings,
    )
    chart = None
    if args.chart:
        try:
            write_chart(args.chart, _series(candidate, baseline))
        except (ValueError, RuntimeError, OSError) as exc:
            print(f"shared-ollama report: no chart: {exc}", file=sys.stderr)
        else:
            chart = args.chart
    markdown = render_markdown(report, chart=chart)
    if args.write_markdown:
        Path(args.write_markdown).write_text(markdown, encoding="utf-8")
    if args.write_json:
        Path(args.write_json).write_text(render_json(report), encoding="utf-8")
    as_json = args.format == "json" or getattr(args, "json", False) is True
    sys.stdout.write(render_json(report) if as_json else markdown)
    return report.exit_code


def run_report(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (``sys.argv[1:]`` when omitted), run the report, return the exit code."""
    parser = argparse.ArgumentParser(prog="performance_report")
    configure_parser(parser)
    parser.add_argument("--json", action="store_true", help="print JSON (as --format json)")
    return run(parser.parse_args(argv))


def main() -> None:
    """Entry point of ``scripts/performance_report.py``: exit with the report's code."""
    raise SystemExit(run_report())
