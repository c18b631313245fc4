"""Run every benchmark in one command; write results.json, results.md and results.svg.

    python benchmarks/run.py [--quick] [--out DIR] [--contention]
    python benchmarks/run.py --profile CASE [--contender NAME]

It starts the canned Ollama-protocol server (``canned_server.py``) in its own process, builds
every contender that can be imported (the others are skipped with a note), runs each timed case
with all its contenders interleaved, measures import cost in fresh interpreters, optionally
runs the contention case on a real Ollama, then prints every ratio next to its target.
See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime
import json
import os
import platform
import pstats
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from _cases import CASES, CONTENTION, IMPORT, Workload, describe, expected
from _contention import (
    DEFAULT_GGUF,
    ContentionPlan,
    find_ollama,
    run_contention,
    started_daemon,
)
from _imports import MODULES, ImportFigure, measure_imports
from _measure import DEFAULT_PLAN, QUICK_PLAN, Plan, Runner, batch_size, round_order, summarize
from _report import outcome_rows, render_markdown, render_svg, verdict_line
from _targets import TARGETS, evaluate
from canned_server import default_port_spec, parse_port_spec
from contenders import SPECS, Contender, load

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results"
DEFAULT_IMPORT_RUNS = 5
FRAMEWORK_IMPORT_RUNS = 3
CORE_MODULES = ("httpx", "ollama", "shared_ollama")
QUICK_MODULES = ("ollama", "shared_ollama")
_VERSIONED = (
    "httpx",
    "orjson",
    "pydantic",
    "ollama",
    "shared-ollama",
    "langchain-core",
    "langchain-ollama",
    "langchain-shared-ollama",
    "llama-index-core",
    "llama-index-llms-ollama",
    "llama-index-embeddings-ollama",
    "llama-index-llms-shared-ollama",
    "llama-index-embeddings-shared-ollama",
)


@dataclass(frozen=True, slots=True)
class _Entry:
    contender: str
    call: Any
    is_async: bool


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny samples, seconds")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the results")
    parser.add_argument("--cases", default=",".join((*CASES, IMPORT)), help="comma list to run")
    parser.add_argument("--contenders", default="", help="comma list (default: all)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per case")
    parser.add_argument("--import-runs", type=int, help="fresh interpreters per module")
    parser.add_argument("--port", default=default_port_spec(), help="canned server port spec")
    parser.add_argument("--paced", action="store_true", help="server writes one chunk per turn")
    parser.add_argument("--contention", action="store_true", help="also run the real-daemon case")
    parser.add_argument("--contention-url", help="use this daemon instead of starting one")
    parser.add_argument("--ollama-bin", help="ollama binary for --contention")
    parser.add_argument("--gguf", type=Path, default=DEFAULT_GGUF, help="model file to create")
    defaults = ContentionPlan()
    parser.add_argument("--processes", type=int, default=defaults.processes)
    parser.add_argument("--requests", type=int, default=defaults.requests)
    parser.add_argument("--profile", metavar="CASE", help="profile one contender in CASE")
    parser.add_argument("--contender", default="shared-ollama", help="contender to profile")
    return parser.parse_args(argv)


@contextmanager
def _canned_server(port_spec: str, *, paced: bool) -> Iterator[str]:
    command = [sys.executable, str(HERE / "canned_server.py"), "--port", port_spec]
    server = subprocess.Popen(
        [*command, *(["--paced"] if paced else [])], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"the canned server did not start (exit {server.wait()})")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _load(workload: Workload, wanted: set[str]) -> tuple[list[Contender], dict[str, str]]:
    contenders: list[Contender] = []
    notes: dict[str, str] = {}
    for spec in SPECS:
        if wanted and spec.name not in wanted:
            continue
        built = load(spec, workload)
        if isinstance(built, str):
            notes[spec.name] = built
            print(f"  {spec.name}: {built}")
        else:
            contenders.append(built)
    return contenders, notes


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _run_case(
    case: str,
    contenders: Sequence[Contender],
    notes: dict[str, str],
    workload: Workload,
    runner: Runner,
    plan: Plan,
) -> dict[str, dict[str, Any]]:
    figures: dict[str, dict[str, Any]] = {}
    entries: list[tuple[_Entry, int]] = []
    want = expected(case, workload)
    for contender in contenders:
        found = contender.calls().get(case)
        if found is None:
            figures[contender.name] = {"status": "n/a", "note": "does not run this case"}
            continue
        entry = _Entry(contender.name, *found)
        try:
            got = runner.once(entry.call, is_async=entry.is_async)
            if got != want:
                note = f"invalid: returned {_short(got)}, expected {_short(want)}"
                figures[entry.contender] = {"status": "invalid", "note": note}
                continue
            probes: list[float] = []
            for _ in range(plan.warmup_calls - 1):
                probes.append(runner.batch(entry.call, 1, is_async=entry.is_async)[0])
                if sum(probes) >= 2 * plan.batch_cpu_s:
                    break
            one_call_cpu = min(probes, default=0.0)
        except Exception as exc:  # a failing contender is reported, not fatal
            note = f"error: {type(exc).__name__}: {exc}"
            figures[entry.contender] = {"status": "error", "note": note}
            continue
        entries.append((entry, batch_size(one_call_cpu, plan)))
    runner.settle()
    samples: dict[str, list[tuple[float, float]]] = {entry.contender: [] for entry, _ in entries}
    for round_index in range(plan.rounds):
        for entry, calls in round_order(entries, round_index):
            if entry.contender in figures:
                continue
            try:
                sample = runner.batch(entry.call, calls, is_async=entry.is_async)
            except Exception as exc:  # a contender failing mid-run is reported, not fatal
                note = f"error in round {round_index + 1}: {type(exc).__name__}: {exc}"
                figures[entry.contender] = {"status": "error", "note": note}
                continue
            samples[entry.contender].append(sample)
    for entry, calls in entries:
        if entry.contender in figures:
            continue
        summary = summarize(samples[entry.contender], calls)
        figures[entry.contender] = {
            "status": "ok",
            "note": "",
            "cpu_ms": summary.cpu_s * 1000,
            "wall_ms": summary.wall_s * 1000,
            "cpu_min_ms": summary.cpu_min_s * 1000,
            "cpu_max_ms": summary.cpu_max_s * 1000,
            "calls": summary.calls,
            "rounds": summary.rounds,
        }
    ordered = {spec.name: figures.get(spec.name) for spec in SPECS}
    for name, note in notes.items():
        ordered[name] = {"status": "skipped", "note": note}
    return {name: figure for name, figure in ordered.items() if figure is not None}


def _print_case(case: str, figures: dict[str, dict[str, Any]], elapsed_s: float) -> None:
    print(f"[{case}] {elapsed_s:.0f} s")
    for name, figure in figures.items():
        if figure["status"] == "ok":
            print(
                f"  {name:<28} CPU {figure['cpu_ms']:9.3f} ms  wall {figure['wall_ms']:9.3f} ms"
                f"  ({figure['calls']} calls x {figure['rounds']} rounds)"
            )
        else:
            print(f"  {name:<28} {figure['note']}")


def _versions() -> dict[str, str]:
    found = {}
    for name in _VERSIONED:
        with suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def _imports(args: argparse.Namespace, cases: Sequence[str]) -> dict[str, Any]:
    runs = args.import_runs or (1 if args.quick else DEFAULT_IMPORT_RUNS)
    if IMPORT not in cases:
        measured: tuple[str, ...] = ()
        reason = "skipped: the import case was not selected"
    else:
        measured = QUICK_MODULES if args.quick else MODULES
        reason = "skipped: not measured in --quick mode"
    core = [module for module in measured if module in CORE_MODULES]
    frameworks = [module for module in measured if module not in CORE_MODULES]
    framework_runs = args.import_runs or min(runs, FRAMEWORK_IMPORT_RUNS)
    print(
        f"[{IMPORT}] {len(core)} modules x {runs} and {len(frameworks)} x {framework_runs} "
        "fresh interpreters"
    )
    figures = {
        figure.module: asdict(figure)
        for figure in [
            *measure_imports(core, runs),
            *measure_imports(frameworks, framework_runs),
        ]
    }
    for module in MODULES:
        if module not in figures:
            figures[module] = asdict(ImportFigure(module, None, None, None, None, None, 0, reason))
    return {
        "title": "import time and peak RSS, fresh interpreter per sample",
        "unit": "import",
        "modules": {module: figures[module] for module in MODULES},
    }


def _contention(args: argparse.Namespace, canned_url: str) -> dict[str, Any]:
    plan = ContentionPlan(processes=args.processes, requests=args.requests)
    if args.quick:
        plan = ContentionPlan(processes=2, requests=2)
    result: dict[str, Any] = {"status": "skipped", "plan": asdict(plan), "runs": {}}
    if not args.contention:
        return {**result, "note": "pass --contention to run it (needs an ollama binary)"}
    binary = find_ollama(args.ollama_bin)
    if args.contention_url is None and binary is None:
        return {**result, "note": "skipped: no ollama binary found (pass --ollama-bin)"}
    if args.contention_url is None and not args.gguf.exists():
        return {**result, "note": f"skipped: model file {args.gguf} not found (pass --gguf)"}
    print(f"[{CONTENTION}] {plan.processes} processes x {plan.requests} requests")
    try:
        if args.contention_url is not None:
            runs = run_contention(args.contention_url, plan)
        else:
            assert binary is not None
            canned_port = int(canned_url.rsplit(":", 1)[1])
            with started_daemon(
                binary,
                ports=parse_port_spec(args.port),
                avoid={canned_port},
                gguf=args.gguf,
                model=plan.model,
            ) as url:
                runs = run_contention(url, plan)
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return {**result, "note": f"skipped: {exc}"}
    share = f"{plan.serial_share:.0%}"
    return {
        "status": "ok",
        "note": "",
        "plan": asdict(plan),
        "serial_note": f"{share} of the requests sent one after another by one raw-httpx "
        "process (half before, half after the clients), scaled to all requests.",
        "runs": {run.contender: asdict(run) for run in runs},
    }


def _figures(results: dict[str, Any]) -> dict[tuple[str, str, str], float]:
    figures: dict[tuple[str, str, str], float] = {}
    for case in CASES:
        for name, figure in results["cases"][case]["contenders"].items():
            if figure["status"] == "ok":
                figures[(case, name, "cpu_s")] = figure["cpu_ms"] / 1000
    for module, figure in results["cases"][IMPORT]["modules"].items():
        if figure["import_s"] is not None:
            figures[(IMPORT, module, "import_s")] = figure["import_s"]
            figures[(IMPORT, module, "import_cpu_s")] = figure["cpu_s"]
    for name, run in results["cases"][CONTENTION]["runs"].items():
        if run["total_s"] is not None:
            figures[(CONTENTION, name, "total_s")] = run["total_s"]
            figures[(CONTENTION, name, "errors")] = float(sum(run["errors"].values()))
    return figures


def _profile(args: argparse.Namespace, workload: Workload, runner: Runner) -> int:
    contenders, notes = _load(workload, {args.contender})
    if not contenders:
        print(f"cannot profile {args.contender}: {notes.get(args.contender, 'unknown contender')}")
        return 2
    found = contenders[0].calls().get(args.profile)
    if found is None:
        print(f"{args.contender} does not run the case {args.profile!r}")
        return 2
    call, is_async = found
    for _ in range(3):
        runner.once(call, is_async=is_async)
    runner.settle()
    one_call, _ = runner.batch(call, 1, is_async=is_async)
    calls = max(1, min(2000, round(2.0 / max(one_call, 1e-6))))
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    runner.batch(call, calls, is_async=is_async)
    profiler.disable()
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"profile-{args.profile}-{args.contender}"
    profiler.dump_stats(f"{stem}.prof")
    with open(f"{stem}.txt", "w") as text:
        for sort in ("cumulative", "tottime"):
            stats = pstats.Stats(profiler, stream=text)
            stats.strip_dirs().sort_stats(sort).print_stats(30)
    stats = pstats.Stats(profiler)
    print(f"{calls} calls of {args.contender} in {args.profile}; top functions by own time:")
    stats.strip_dirs().sort_stats("tottime").print_stats(25)
    print(f"written: {stem}.prof (open with python -m pstats) and {stem}.txt")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and write the report; return the exit status."""
    args = _parse(argv)
    started = time.perf_counter()
    started_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    plan = QUICK_PLAN if args.quick else DEFAULT_PLAN
    if args.rounds:
        plan = Plan(plan.warmup_calls, args.rounds, plan.batch_cpu_s, plan.max_batch)
    cases = [case for case in args.cases.split(",") if case]
    unknown = set(cases) - {*CASES, IMPORT}
    if unknown:
        print(f"unknown case(s) {sorted(unknown)}: pick from {', '.join((*CASES, IMPORT))}")
        return 2
    loop = asyncio.new_event_loop()
    runner = Runner(loop=loop)
    with _canned_server(args.port, paced=args.paced) as url:
        workload = (
            Workload(base_url=url, embed_texts=100, concurrency=8)
            if args.quick
            else Workload(base_url=url)
        )
        print(f"canned server at {url}")
        if args.profile:
            return _profile(args, workload, runner)
        wanted = {name for name in args.contenders.split(",") if name}
        contenders, notes = _load(workload, wanted)
        runner.settle()
        print(f"contenders ready after {time.perf_counter() - started:.0f} s")
        results: dict[str, Any] = {"schema": 1, "cases": {}}
        for info in describe(workload):
            entry: dict[str, Any] = {"title": info.title, "unit": info.unit, "contenders": {}}
            if info.name in cases:
                case_started = time.perf_counter()
                entry["contenders"] = _run_case(
                    info.name, contenders, notes, workload, runner, plan
                )
                _print_case(info.name, entry["contenders"], time.perf_counter() - case_started)
            results["cases"][info.name] = entry
        for contender in contenders:
            loop.run_until_complete(contender.aclose())
        results["cases"][IMPORT] = _imports(args, cases)
        results["cases"][CONTENTION] = _contention(args, url)
    loop.close()
    outcomes = evaluate(TARGETS, _figures(results))
    results["ratios"] = outcome_rows(outcomes)
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    results["meta"] = {
        "started_at": started_at,
        "duration_s": time.perf_counter() - started,
        "mode": "quick" if args.quick else "full",
        "plan": asdict(plan),
        "workload": {**asdict(workload), "base_url": "canned"},
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": load_average,
        "versions": _versions(),
        "paced": args.paced,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(render_markdown(results, "results.svg"))
    (args.out / "results.svg").write_text(render_svg(results["ratios"]))
    print("\nRatios (client CPU per call unless stated; lower is better)")
    for row in results["ratios"]:
        print("  " + verdict_line(row))
    print(f"\nwritten: {args.out / 'results.md'}, results.json, results.svg")
    print(f"took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
