"""A shared daemon under contention: many processes, one real Ollama that queues almost nothing.

The daemon is a real ``ollama serve`` started with ``OLLAMA_NUM_PARALLEL=1`` and
``OLLAMA_MAX_QUEUE=1`` (so it answers 503 "server busy" as soon as more than a couple of
requests wait), its models in a temporary directory, and the model created from a local GGUF.
Or pass the URL of a daemon you started with those settings.

For each client (``ollama.Client``, then ours), :data:`ContentionPlan.processes` worker
processes each send :data:`ContentionPlan.requests` short generations as fast as they can,
all starting together. Reported: errors surfaced to callers (by kind), p50/p95 latency of the
successful requests, and the total time. The reference is the daemon's serial capacity: the
same number of requests sent one after another by one process with raw ``httpx``.

Run as a script, this module is one worker (``python _contention.py worker ...``).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_GGUF",
    "ContentionPlan",
    "ContentionRun",
    "find_ollama",
    "percentile",
    "run_contention",
    "started_daemon",
]

DEFAULT_GGUF = Path("~/.cache/ollama-dev/models/SmolLM2-135M-Instruct.Q4_1.gguf").expanduser()
"""The local model file the daemon's model is created from, unless ``--gguf`` says otherwise."""

_FALLBACK_BINARY = Path("~/.cache/ollama-dev/bin/ollama").expanduser()
_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True)
class ContentionPlan:
    """What the contending clients do.

    Attributes:
        processes: Worker processes per client.
        requests: Generations per worker.
        num_predict: Tokens per generation (short, so queueing dominates).
        model: Model name.
        prompt: Prompt of every generation.
        serial_share: Share of all requests sent serially to estimate the daemon's capacity.
    """

    processes: int = 8
    requests: int = 20
    num_predict: int = 8
    model: str = "smollm2:135m"
    prompt: str = "Say hello."
    serial_share: float = 0.25


@dataclass(frozen=True, slots=True)
class ContentionRun:
    """What one client achieved under contention.

    Attributes:
        contender: ``serial`` (the reference), ``ollama`` or ``shared-ollama``.
        total_s: Wall seconds from the start signal until the last worker finished (for
            ``serial``: the serial samples scaled to all requests).
        requests: Requests sent.
        ok: Requests that returned a reply.
        errors: Errors surfaced to callers, by kind (exception type and status).
        p50_s: Median latency of the successful requests.
        p95_s: 95th percentile latency of the successful requests.
        note: Why the client was skipped, else empty.
    """

    contender: str
    total_s: float | None
    requests: int
    ok: int
    errors: dict[str, int] = field(default_factory=dict)
    p50_s: float | None = None
    p95_s: float | None = None
    note: str = ""


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile of ``values``.

    Args:
        values: Samples (any order).
        fraction: Between 0 and 1 (0.95 for p95).

    Returns:
        The sample at that rank, or ``None`` when there are no samples.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def find_ollama(explicit: str | None) -> str | None:
    """Return the ``ollama`` binary to start: explicit, on ``PATH``, or the dev install.

    Args:
        explicit: A path given on the command line, or ``None``.

    Returns:
        The path, or ``None`` when none is found.
    """
    if explicit:
        return explicit if Path(explicit).exists() else None
    found = shutil.which("ollama")
    if found:
        return found
    return str(_FALLBACK_BINARY) if _FALLBACK_BINARY.exists() else None


def _free_port(ports: range, avoid: set[int]) -> int:
    for port in ports:
        if port in avoid:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError(f"no free port in {ports.start}-{ports.stop - 1} for the contention daemon")


def _up(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/api/version", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def started_daemon(
    binary: str, *, ports: range, avoid: set[int], gguf: Path, model: str
) -> Iterator[str]:
    """Start ``ollama serve`` with a one-request queue, create the model, yield its URL.

    Args:
        binary: The ``ollama`` binary.
        ports: Candidate ports.
        avoid: Ports not to use (the canned server's).
        gguf: Model file to create ``model`` from.
        model: Model name to create.

    Yields:
        The daemon's base URL; the daemon is stopped (SIGTERM to its process) on exit.

    Raises:
        RuntimeError: The daemon did not start, or the model could not be created.
    """
    port = _free_port(ports, avoid)
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="shared-ollama-contention-") as work:
        env = {
            **os.environ,
            "OLLAMA_HOST": f"127.0.0.1:{port}",
            "OLLAMA_MODELS": str(Path(work) / "models"),
            "OLLAMA_NUM_PARALLEL": "1",
            "OLLAMA_MAX_QUEUE": "1",
            "OLLAMA_KEEP_ALIVE": "30m",
            # A proxy on a closed loopback port makes any pull fail at once, offline.
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
        }
        log = (Path(work) / "serve.log").open("wb")
        daemon = subprocess.Popen(
            [binary, "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not _up(url):
                if daemon.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ollama serve did not answer at {url}: see its log")
                time.sleep(0.2)
            modelfile = Path(work) / "Modelfile"
            modelfile.write_text(f"FROM {gguf}\n")
            created = subprocess.run(
                [binary, "create", model, "-f", str(modelfile)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=_TIMEOUT_S,
            )
            if created.returncode != 0:
                raise RuntimeError(f"ollama create {model} failed: {created.stderr.strip()[-300:]}")
            yield url
        finally:
            daemon.terminate()
            try:
                daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait(timeout=20)
            log.close()


def _spawn(contender: str, url: str, plan: ContentionPlan, requests: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "worker",
            contender,
            url,
            json.dumps({"model": plan.model, "prompt": plan.prompt, "n": plan.num_predict}),
            str(requests),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@dataclass(frozen=True, slots=True)
class _Collected:
    total_s: float | None
    requests: int
    latencies: tuple[float, ...] = ()
    errors: Counter[str] = field(default_factory=Counter)
    note: str = ""


def _collect(
    contender: str, url: str, plan: ContentionPlan, processes: int, requests: int
) -> _Collected:
    workers = [_spawn(contender, url, plan, requests) for _ in range(processes)]
    notes = []
    for worker in workers:
        assert worker.stdout is not None
        line = worker.stdout.readline().strip()
        if line != "ready":
            notes.append(line or "worker exited before it was ready")
    if notes:
        for worker in workers:
            worker.kill()
            worker.wait()
        return _Collected(None, 0, note=f"skipped: {notes[0]}")
    started = time.perf_counter()
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    for worker in workers:
        out, _ = worker.communicate(timeout=_TIMEOUT_S * 4)
        report = json.loads(out.strip().splitlines()[-1])
        latencies.extend(report["latencies"])
        errors.update(report["errors"])
    return _Collected(time.perf_counter() - started, requests * processes, tuple(latencies), errors)


def _summary(contender: str, collected: _Collected, total_s: float | None) -> ContentionRun:
    return ContentionRun(
        contender,
        total_s,
        collected.requests,
        len(collected.latencies),
        dict(collected.errors),
        percentile(collected.latencies, 0.5),
        percentile(collected.latencies, 0.95),
        collected.note,
    )


def run_contention(
    url: str, plan: ContentionPlan, contenders: Sequence[str] = ("ollama", "shared-ollama")
) -> list[ContentionRun]:
    """Measure the serial capacity, then each contender under contention.

    The serial capacity is sampled before and after the contenders (each sample a share
    :data:`ContentionPlan.serial_share` / 2 of all requests, one process, raw ``httpx``) and
    scaled to all requests: the time the daemon needs to serve them one after another.

    Args:
        url: Base URL of a daemon with ``OLLAMA_NUM_PARALLEL=1 OLLAMA_MAX_QUEUE=1`` and the model.
        plan: The plan.
        contenders: Clients to run.

    Returns:
        The serial reference first, then one run per contender.
    """
    everything = plan.processes * plan.requests
    warm = _collect("raw-httpx", url, plan, 1, 1)
    if len(warm.latencies) != 1:
        note = warm.note or f"skipped: the warm-up generation failed ({dict(warm.errors)})"
        return [ContentionRun("serial", None, 0, 0, note=note)]
    sample = max(1, math.ceil(everything * plan.serial_share / 2))
    before = _collect("raw-httpx", url, plan, 1, sample)
    runs = [
        _summary(contender, collected, collected.total_s)
        for contender in contenders
        for collected in [_collect(contender, url, plan, plan.processes, plan.requests)]
    ]
    after = _collect("raw-httpx", url, plan, 1, sample)
    merged = _Collected(
        (before.total_s or 0.0) + (after.total_s or 0.0),
        before.requests + after.requests,
        before.latencies + after.latencies,
        before.errors + after.errors,
    )
    assert merged.total_s is not None
    capacity = merged.total_s / max(merged.requests, 1) * everything
    return [_summary("serial", merged, capacity), *runs]


def _client(contender: str, url: str) -> Any:
    if contender == "ollama":
        import ollama

        return ollama.Client(host=url, timeout=_TIMEOUT_S)
    if contender == "shared-ollama":
        from shared_ollama import SharedOllamaClient

        return SharedOllamaClient(host=url, timeout=_TIMEOUT_S)
    return None


def _error_kind(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return type(exc).__name__ + (f" {status}" if status else "")


def _worker(contender: str, url: str, spec: dict[str, Any], requests: int) -> None:
    import httpx

    try:
        client = _client(contender, url)
    except ImportError as exc:
        print(f"cannot import {exc.name} ({exc})", flush=True)
        return
    raw = httpx.Client(base_url=url, timeout=_TIMEOUT_S)
    options = {"num_predict": spec["n"], "temperature": 0}
    print("ready", flush=True)
    sys.stdin.readline()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    for _ in range(requests):
        started = time.perf_counter()
        try:
            if client is None:
                body = {"model": spec["model"], "prompt": spec["prompt"], "stream": False}
                response = raw.post("/api/generate", json={**body, "options": options})
                if response.status_code != 200:
                    errors[f"HTTP {response.status_code}"] += 1
                    continue
            else:
                client.generate(spec["model"], spec["prompt"], options=options)
        except Exception as exc:  # every error a caller sees is counted
            errors[_error_kind(exc)] += 1
            continue
        latencies.append(time.perf_counter() - started)
    print(json.dumps({"latencies": latencies, "errors": dict(errors)}), flush=True)


if __name__ == "__main__":
    _, _, _contender, _url, _spec, _requests = sys.argv
    _worker(_contender, _url, json.loads(_spec), int(_requests))
