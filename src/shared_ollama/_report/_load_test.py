"""``shared-ollama load-test``: N requests at concurrency C against one model, with records.

It sends ``requests`` calls (after ``warmup`` unrecorded ones) through
:class:`~shared_ollama.AsyncSharedOllamaClient`, ``concurrency`` at a time, prints requests per
second and latency percentiles, and appends one performance record per call to a JSON Lines
file that ``shared-ollama report`` reads. The records carry the server's version and the model's
digest, so the report refuses to compare runs against different servers or weights.

Save one run as the baseline, change something, run again, compare::

    shared-ollama load-test --model smollm2:135m --requests 60 --records logs/base.jsonl
    shared-ollama load-test --model smollm2:135m --requests 60 --records logs/new.jsonl
    shared-ollama report logs/new.jsonl --baseline logs/base.jsonl --chart logs/latency.svg
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import orjson

from shared_ollama._errors import SharedOllamaError
from shared_ollama._report._tables import Distribution
from shared_ollama.telemetry._instrumentation import Instrumentation
from shared_ollama.telemetry._jsonl import JsonlSink
from shared_ollama.telemetry._records import PerformanceRecord, PerformanceRecorder, RecordSink

if TYPE_CHECKING:
    from shared_ollama._core._async_client import AsyncSharedOllamaClient

__all__ = [
    "COMMAND_HELP",
    "COMMAND_NAME",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_PROMPT",
    "DEFAULT_REQUESTS",
    "ClientFactory",
    "LoadTestConfig",
    "LoadTestResult",
    "configure_parser",
    "format_result",
    "run",
    "run_load_test",
    "summary_json",
]

COMMAND_NAME = "load-test"
COMMAND_HELP = "send N requests at concurrency C to one model and record their performance"
DEFAULT_REQUESTS = 50
DEFAULT_CONCURRENCY = 4
DEFAULT_WARMUP = 1
DEFAULT_NUM_PREDICT = 32
DEFAULT_PROMPT = "Write one sentence about the sea."
DEFAULT_PROJECT = "load-test"
Kind = Literal["chat", "generate", "embed"]


@dataclass(frozen=True, slots=True)
class LoadTestConfig:
    """What to send, how many times and how many at once.

    Attributes:
        model: The model to call.
        requests: Recorded calls to send.
        concurrency: Calls in flight at once.
        kind: ``chat``, ``generate`` or ``embed``.
        stream: Stream the replies (chat and generate only); gives time to first chunk.
        prompt: The prompt (or the text to embed).
        num_predict: Output token cap, so every call does the same work.
        seed: Sampling seed; with ``temperature=0`` the replies repeat.
        temperature: Sampling temperature.
        warmup: Calls sent first and not recorded (they load the model).
        host: The Ollama address; the environment decides when ``None``.
        project: The project name stamped on the records.
    """

    model: str
    requests: int = DEFAULT_REQUESTS
    concurrency: int = DEFAULT_CONCURRENCY
    kind: Kind = "chat"
    stream: bool = True
    prompt: str = DEFAULT_PROMPT
    num_predict: int | None = DEFAULT_NUM_PREDICT
    seed: int | None = 0
    temperature: float | None = 0.0
    warmup: int = DEFAULT_WARMUP
    host: str | None = None
    project: str | None = DEFAULT_PROJECT

    def __post_init__(self) -> None:
        if self.requests < 1 or self.concurrency < 1 or self.warmup < 0:
            raise ValueError(
                f"requests ({self.requests}) and concurrency ({self.concurrency}) must be at "
                f"least 1 and warmup ({self.warmup}) at least 0"
            )

    @property
    def options(self) -> dict[str, Any]:
        """The model options sent with every call."""
        options: dict[str, Any] = {}
        if self.kind != "embed" and self.num_predict is not None:
            options["num_predict"] = self.num_predict
        if self.seed is not None:
            options["seed"] = self.seed
        if self.temperature is not None:
            options["temperature"] = self.temperature
        return options

    @property
    def streams(self) -> bool:
        """Whether calls stream (never for embeddings)."""
        return self.stream and self.kind != "embed"


@dataclass(frozen=True, slots=True)
class LoadTestResult:
    """What a load test measured."""

    requests: int
    errors: int
    wall_s: float
    requests_per_s: float
    latency: Distribution | None
    ttft: Distribution | None
    records: list[PerformanceRecord]
    error_types: dict[str, int]


async def _call(client: AsyncSharedOllamaClient, config: LoadTestConfig) -> Any:
    options = config.options
    if config.kind == "chat":
        messages = [{"role": "user", "content": config.prompt}]
        return await client.chat(config.model, messages, stream=config.streams, options=options)
    if config.kind == "generate":
        return await client.generate(
            config.model, config.prompt, stream=config.streams, options=options
        )
    return await client.embed(config.model, config.prompt, options=options)


async def _one(client: AsyncSharedOllamaClient, config: LoadTestConfig) -> None:
    """Send one call and read its reply to the end; the client's instrumentation records it."""
    reply = await _call(client, config)
    if config.streams:
        async for _ in reply:
            pass


async def _fingerprint(
    client: AsyncSharedOllamaClient, model: str
) -> tuple[str | None, str | None]:
    """Ask the server its version and the model's digest; ``None`` for what it will not say."""
    version = digest = None
    try:
        version = (await client.version()).version
        for entry in (await client.list()).models:
            if model in (entry.model, getattr(entry, "name", None)):
                digest = entry.digest
    except SharedOllamaError:
        pass
    return version, digest


ClientFactory = Callable[[Instrumentation], "AsyncSharedOllamaClient"]


def _default_client(config: LoadTestConfig) -> ClientFactory:
    def make(instrumentation: Instrumentation) -> AsyncSharedOllamaClient:
        from shared_ollama._core._async_client import (  # noqa: PLC0415 (only this command needs it)
            AsyncSharedOllamaClient,
        )

        return AsyncSharedOllamaClient(
            config.host,
            project=config.project,
            max_in_flight=config.concurrency,
            instrumentation=instrumentation,
        )

    return make


async def run_load_test(
    config: LoadTestConfig,
    *,
    client_factory: ClientFactory | None = None,
    sink: RecordSink | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> LoadTestResult:
    """Run the load test and return what it measured.

    The client records every call through the :class:`Instrumentation` it is given (spans and
    metrics go to the global OpenTelemetry providers as for any call), so the records are the
    ones any application gets.

    Args:
        config: What to send.
        client_factory: Makes the client from the instrumentation to use (tests pass one with a
            mock transport); by default an :class:`~shared_ollama.AsyncSharedOllamaClient` for
            ``config.host`` with ``max_in_flight=config.concurrency``. The client is closed at
            the end.
        sink: Where every recorded call is also appended (e.g. a :class:`JsonlSink`).
        clock: Wall clock for requests per second.
    """
    recorder = PerformanceRecorder(capacity=config.requests + config.warmup)
    instrumentation = Instrumentation(project=config.project, recorder=recorder)
    client = (client_factory or _default_client(config))(instrumentation)
    try:
        version, digest = await _fingerprint(client, config.model)
        digests = {config.model: digest} if digest else None
        recorder.set_fingerprint(ollama_version=version, model_digests=digests)
        for _ in range(config.warmup):
            with contextlib.suppress(SharedOllamaError):
                await _one(client, config)
        recorder.clear()
        recorder.sink = sink
        remaining = iter(range(config.requests))

        async def worker() -> None:
            for _ in remaining:
                with contextlib.suppress(SharedOllamaError):
                    await _one(client, config)

        started = clock()
        await asyncio.gather(*(worker() for _ in range(min(config.concurrency, config.requests))))
        wall = clock() - started
    finally:
        await client.close()
    return _result(recorder.records(), wall)


def _result(records: list[PerformanceRecord], wall: float) -> LoadTestResult:
    ok = [r for r in records if r.outcome == "ok"]
    error_types: dict[str, int] = {}
    for record in records:
        if record.error_type is not None:
            error_types[record.error_type] = error_types.get(record.error_type, 0) + 1
    return LoadTestResult(
        requests=len(records),
        errors=len(records) - len(ok),
        wall_s=wall,
        requests_per_s=len(records) / wall if wall > 0 else 0.0,
        latency=Distribution.of([r.end_to_end_s for r in ok]),
        ttft=Distribution.of([r.ttft_s for r in ok if r.ttft_s is not None]),
        records=records,
        error_types=error_types,
    )


def _ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def format_result(result: LoadTestResult, *, records_path: str | None) -> str:
    """Return the human summary the command prints."""
    lines = [
        f"requests: {result.requests}  errors: {result.errors}  wall: {result.wall_s:.2f} s  "
        f"throughput: {result.requests_per_s:.2f} requests/s"
    ]
    for name, dist in (("latency", result.latency), ("time to first chunk", result.ttft)):
        if dist is not None:
            lines.append(
                f"{name}: p50 {_ms(dist.p50)}  p90 {_ms(dist.p90)}  p95 {_ms(dist.p95)}  "
                f"p99 {_ms(dist.p99)}  max {_ms(dist.maximum)}"
            )
    if result.error_types:
        counted = ", ".join(
            f"{name} x{count}" for name, count in sorted(result.error_types.items())
        )
        lines.append(f"errors by type: {counted}")
    if records_path is not None:
        lines.append(
            f"records: {records_path}  (read them with: shared-ollama report {records_path})"
        )
    return "\n".join(lines) + "\n"


def summary_json(result: LoadTestResult, *, records_path: str | None) -> str:
    """Return the summary as one JSON document (records left out: they are in the file)."""
    document = {
        "requests": result.requests,
        "errors": result.errors,
        "error_types": result.error_types,
        "wall_s": result.wall_s,
        "requests_per_s": result.requests_per_s,
        "latency": None if result.latency is None else dataclasses.asdict(result.latency),
        "ttft": None if result.ttft is None else dataclasses.asdict(result.ttft),
        "records_path": records_path,
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the load test's arguments to ``parser``."""
    parser.description = COMMAND_HELP
    parser.add_argument("--model", "-m", required=True, help="the model to call")
    parser.add_argument(
        "--requests", "-n", type=int, default=DEFAULT_REQUESTS, help="recorded calls"
    )
    parser.add_argument(
        "--concurrency", "-c", type=int, default=DEFAULT_CONCURRENCY, help="calls in flight"
    )
    parser.add_argument("--kind", choices=("chat", "generate", "embed"), default="chat")
    parser.add_argument("--no-stream", action="store_true", help="ask for whole replies")
    parser.add_argument("--prompt", default=DEFAULT_PROMPT, help="the prompt, or text to embed")
    parser.add_argument("--num-predict", type=int, default=DEFAULT_NUM_PREDICT, help="token cap")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")
    parser.add_argument("--temperature", type=float, default=0.0, help="sampling temperature")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="unrecorded calls first")
    parser.add_argument("--project", default=DEFAULT_PROJECT, help="project name on the records")
    parser.add_argument(
        "--records", metavar="PATH",
        help="JSON Lines file to append records to (default: logs/load-test-<time>.jsonl)",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Run the load test with parsed arguments; exit code 1 when every call failed."""
    try:
        config = LoadTestConfig(
            model=args.model,
            requests=args.requests,
            concurrency=args.concurrency,
            kind=args.kind,
            stream=not args.no_stream,
            prompt=args.prompt,
            num_predict=args.num_predict,
            seed=args.seed,
            temperature=args.temperature,
            warmup=args.warmup,
            host=getattr(args, "host", None),
            project=args.project,
        )
    except ValueError as exc:
        print(f"shared-ollama load-test: {exc}", file=sys.stderr)
        return 2
    path = args.records or time.strftime("logs/load-test-%Y%m%d-%H%M%S.jsonl")
    sink = JsonlSink(path, max_bytes=0, interprocess=False)
    result = asyncio.run(run_load_test(config, sink=sink))
    if getattr(args, "json", False) is True:
        sys.stdout.write(summary_json(result, records_path=path))
    else:
        sys.stdout.write(format_result(result, records_path=path))
    return 1 if result.requests and result.errors == result.requests else 0
