"""Sharing one daemon well: priorities, agreed options and the coordinator's cost, measured.

    python benchmarks/sharing.py [--quick] [--url URL] [--skip-redis] [--out FILE]

Runs on the real development Ollama (``../shared/ollama-dev``, or ``OLLAMA_DEV_DIR``) started with
``OLLAMA_NUM_PARALLEL=1`` on a free loopback port (or the daemon at ``--url``, which must run
with that setting), and on a ``redis-server`` it starts on a free loopback port (``PATH`` or
``SHARED_OLLAMA_REDIS_SERVER``; the Redis figures are skipped with a note without one). Every
load is made by separate worker processes (this file run as ``sharing.py worker SPEC``). It
prints each figure next to its target and writes them all to ``results/sharing.json``:

1. **Interactive latency under a batch load**: project ``batch`` runs 4 processes generating back
   to back (``num_predict`` 32); project ``chat`` sends one short chat per second. ``chat``'s
   p50/p95 alone, under the load with plain ``ollama.Client`` everywhere, and under the load with
   ours (``priority="interactive"`` vs ``"batch"``, ``machine_slots=1``). Target: p95 under load
   <= 1.2 x (idle p95 + one batch request's service time); ``batch`` throughput >= 85% of alone.
2. **Reload thrash**: two projects alternate calls on one model with ``num_ctx`` 2048 and 4096;
   model loads counted from the daemon's log (``llama runner started``), else from
   ``load_duration`` > 0.1 s. Target: ours loads at most twice, plain about once per alternation.
3. Both again with the **Redis** coordinator, the processes split as two machines (two groups
   with separate runtime folders, which alone would not coordinate at all).
4. **Coordinator overhead** when uncontended: client CPU per call with slots on vs off, against
   an in-process mock transport (target: < 100 us added, embedded; Redis measured), and the
   hand-off latency from one process's release to a waiting process's grant.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEV = Path(os.environ.get("OLLAMA_DEV_DIR", HERE.parent.parent / "shared" / "ollama-dev"))
MODEL = os.environ.get("SHARED_OLLAMA_BENCH_MODEL", "smollm2:135m")
BATCH_PROCESSES = 4
CHAT_PROMPT = [{"role": "user", "content": "Say hello in three words."}]
BATCH_PROMPT = "Write one sentence about the sea."
LOAD_THRESHOLD = 0.1


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``nan`` without samples)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- workers (run in their own processes) ---------------------------------------------------------


def _client(spec: dict[str, Any]) -> Any:
    if spec["client"] == "plain":
        import ollama

        return ollama.Client(host=spec["url"])
    from shared_ollama import SharedOllamaClient

    return SharedOllamaClient(
        spec["url"], machine_slots=1, project=spec["project"], priority=spec["priority"]
    )


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """One process of a scenario; returns its samples."""
    client = _client(spec)
    latencies: list[float] = []
    loads: list[float] = []
    while time.time() < spec["start_at"]:
        time.sleep(0.005)
    role = spec["role"]
    if role == "batch":
        while time.time() < spec["until"]:
            began = time.perf_counter()
            client.generate(MODEL, BATCH_PROMPT, options={"num_predict": 32})
            latencies.append(time.perf_counter() - began)
    elif role == "chat":
        for index in range(spec["count"]):
            due = spec["start_at"] + index * spec["interval"]
            while time.time() < due:
                time.sleep(0.002)
            began = time.perf_counter()
            client.chat(MODEL, CHAT_PROMPT, options={"num_predict": 8, "temperature": 0})
            latencies.append(time.perf_counter() - began)
    elif role == "thrash":
        for index in range(spec["count"]):
            due = spec["start_at"] + (2 * index + spec["turn"]) * spec["interval"]
            while time.time() < due:
                time.sleep(0.002)
            began = time.perf_counter()
            reply = client.generate(
                MODEL, "Hi.", options={"num_predict": 4, "num_ctx": spec["num_ctx"]}
            )
            latencies.append(time.perf_counter() - began)
            loads.append((reply.load_duration or 0) / 1e9)
    return {"latencies": latencies, "loads": loads}


# -- the driver ---------------------------------------------------------------------------------


def _run_workers(specs: list[dict[str, Any]], delay: float = 3.0) -> list[dict[str, Any]]:
    """Start every worker, all released at the same instant; collect their results."""
    start_at = time.time() + delay
    processes = []
    for spec in specs:
        env = {**os.environ, **spec.pop("env", {})}
        processes.append(
            subprocess.Popen(
                [sys.executable, __file__, "worker", json.dumps({**spec, "start_at": start_at})],
                stdout=subprocess.PIPE,
                env=env,
                text=True,
            )
        )
    results = []
    for process in processes:
        out, _ = process.communicate(timeout=900)
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed (exit {process.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _groups(coordinator: str, tmp: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Environments of two process groups: one machine (embedded) or two machines on Redis."""
    if coordinator == "embedded":
        shared = {"SHARED_OLLAMA_RUNTIME_DIR": str(tmp / "machine")}
        return shared, shared
    return (
        {"SHARED_OLLAMA_COORDINATOR": coordinator, "SHARED_OLLAMA_RUNTIME_DIR": str(tmp / "m1")},
        {"SHARED_OLLAMA_COORDINATOR": coordinator, "SHARED_OLLAMA_RUNTIME_DIR": str(tmp / "m2")},
    )


def _runs(
    coordinators: Sequence[str], tmp: Path
) -> list[tuple[str, str, dict[str, str], dict[str, str]]]:
    """(client, label, env of group 1, env of group 2): plain first, then each coordinator."""
    runs: list[tuple[str, str, dict[str, str], dict[str, str]]] = [("plain", "plain", {}, {})]
    for index, coordinator in enumerate(coordinators):
        first, second = _groups(coordinator, tmp / str(index))
        runs.append(("ours", "embedded" if coordinator == "embedded" else "redis", first, second))
    return runs


def latency_under_load(
    url: str, *, chats: int, coordinators: Sequence[str], tmp: Path
) -> dict[str, Any]:
    """Scenario 1 (and 3): chat latency alone, under plain load, under ours."""
    window = chats * 1.0 + 2.0
    chat = {"role": "chat", "url": url, "count": chats, "interval": 1.0, "project": "chat"}
    batch = {"role": "batch", "url": url, "project": "batch"}

    def batch_specs(client: str, env: dict[str, str]) -> list[dict[str, Any]]:
        until = time.time() + 3.0 + window
        return [
            {**batch, "client": client, "priority": "batch", "until": until, "env": env}
            for _ in range(BATCH_PROCESSES)
        ]

    idle = _run_workers([{**chat, "client": "plain", "priority": "normal"}])[0]["latencies"]
    alone = _run_workers(batch_specs("plain", {}))
    alone_calls = sum(len(r["latencies"]) for r in alone)
    service = window / alone_calls if alone_calls else math.nan
    figures: dict[str, Any] = {
        "chat_idle_p50": percentile(idle, 0.5),
        "chat_idle_p95": percentile(idle, 0.95),
        "batch_alone_per_s": alone_calls / window,
        "batch_service_s": service,
    }
    for client, label, batch_env, chat_env in _runs(coordinators, tmp / "latency"):
        results = _run_workers(
            [
                *batch_specs(client, batch_env),
                {**chat, "client": client, "priority": "interactive", "env": chat_env},
            ]
        )
        *batches, chat_result = results
        calls = sum(len(r["latencies"]) for r in batches)
        key = "plain" if client == "plain" else f"ours_{label}"
        figures[f"{key}_chat_p50"] = percentile(chat_result["latencies"], 0.5)
        figures[f"{key}_chat_p95"] = percentile(chat_result["latencies"], 0.95)
        figures[f"{key}_chat_max"] = max(chat_result["latencies"], default=math.nan)
        figures[f"{key}_batch_per_s"] = calls / window
        figures[f"{key}_batch_share"] = (calls / window) / figures["batch_alone_per_s"]
        figures[f"{key}_batch_calls_per_process"] = [len(r["latencies"]) for r in batches]
    return figures


def _runner_starts(log: Path | None) -> int | None:
    if log is None or not log.exists():
        return None
    return log.read_text(errors="replace").count("llama runner started")


def _unload(url: str) -> None:
    import httpx

    httpx.post(f"{url}/api/generate", json={"model": MODEL, "keep_alive": 0}, timeout=60)
    time.sleep(1.0)


def reload_thrash(
    url: str, *, calls: int, coordinators: Sequence[str], tmp: Path, log: Path | None
) -> dict[str, Any]:
    """Scenario 2 (and 3): two projects alternating num_ctx 2048 and 4096."""
    figures: dict[str, Any] = {}
    for client, label, first_env, second_env in _runs(coordinators, tmp / "thrash"):
        _unload(url)
        before = _runner_starts(log)
        began = time.perf_counter()
        results = _run_workers(
            [
                {
                    "role": "thrash",
                    "client": client,
                    "url": url,
                    "count": calls,
                    "interval": 1.5,
                    "turn": turn,
                    "num_ctx": num_ctx,
                    "project": f"p{num_ctx}",
                    "priority": "normal",
                    "env": env,
                }
                for turn, (num_ctx, env) in enumerate(((2048, first_env), (4096, second_env)))
            ]
        )
        elapsed = time.perf_counter() - began
        after = _runner_starts(log)
        key = "plain" if client == "plain" else f"ours_{label}"
        slow = sum(1 for r in results for load in r["loads"] if load > LOAD_THRESHOLD)
        figures[f"{key}_loads"] = (
            after - before if after is not None and before is not None else slow
        )
        figures[f"{key}_loads_from_load_duration"] = slow
        figures[f"{key}_seconds_in_calls"] = sum(sum(r["latencies"]) for r in results)
        figures[f"{key}_wall_s"] = elapsed
    figures["alternations"] = 2 * calls - 1
    return figures


def overhead(coordinators: Sequence[str], tmp: Path, *, calls: int) -> dict[str, Any]:
    """Scenario 4: client CPU per call, slots off vs on; hand-off latency between processes."""
    import httpx

    from shared_ollama import SharedOllamaClient
    from shared_ollama._coordinator._registry import reset_coordinators
    from shared_ollama._settings import EnvironmentDefaults

    reply = json.dumps(
        {"model": MODEL, "created_at": "2024-01-01T00:00:00Z", "done": True,
         "message": {"role": "assistant", "content": "hi"}}
    ).encode()  # fmt: skip
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=reply))

    def cpu_per_call(settings: EnvironmentDefaults, slots: int | None) -> float:
        with SharedOllamaClient(
            "http://127.0.0.1:9", transport=transport, machine_slots=slots, settings=settings
        ) as client:
            for _ in range(50):
                client.chat(MODEL, CHAT_PROMPT)
            best = math.inf
            for _ in range(5):
                began = time.process_time()
                for _ in range(calls):
                    client.chat(MODEL, CHAT_PROMPT)
                best = min(best, (time.process_time() - began) / calls)
            return best

    figures: dict[str, Any] = {}
    off_settings = EnvironmentDefaults(environ={}, runtime_dir=tmp / "overhead")
    figures["cpu_per_call_off_us"] = cpu_per_call(off_settings, None) * 1e6
    for coordinator in coordinators:
        settings = EnvironmentDefaults(
            environ={},
            runtime_dir=tmp / "overhead",
            coordinator=None if coordinator == "embedded" else coordinator,
        )
        label = "embedded" if coordinator == "embedded" else "redis"
        on = cpu_per_call(settings, 1) * 1e6
        figures[f"cpu_per_call_{label}_us"] = on
        figures[f"added_{label}_us"] = on - figures["cpu_per_call_off_us"]
        figures[f"handoff_{label}_ms"] = _handoff(settings) * 1e3
        reset_coordinators()
    return figures


def _handoff(settings: Any, rounds: int = 30) -> float:
    """Median seconds from a release in one process to the grant in another that waits."""
    from shared_ollama._coordinator._leases import SlotRequest
    from shared_ollama._coordinator._registry import coordinator_for

    coordinator = coordinator_for(settings)
    env = dict(os.environ)
    if settings.coordinator:
        env["SHARED_OLLAMA_COORDINATOR"] = settings.coordinator
    env["SHARED_OLLAMA_RUNTIME_DIR"] = str(settings.runtime_dir)
    waiter = subprocess.Popen(
        [sys.executable, __file__, "waiter", str(rounds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert waiter.stdin is not None
    assert waiter.stdout is not None
    request = SlotRequest(
        host="http://bench", project="holder", priority="normal", model=None, slots=1
    )
    gaps = []
    for _ in range(rounds):
        lease = coordinator.acquire(request, 30)
        waiter.stdin.write("go\n")
        waiter.stdin.flush()
        assert waiter.stdout.readline().strip() == "waiting"
        time.sleep(0.05)  # let it block
        released = time.time()
        coordinator.release(lease)
        granted = float(waiter.stdout.readline())
        gaps.append(granted - released)
    waiter.wait(30)
    return percentile(gaps, 0.5)


def waiter(rounds: int) -> None:
    """The other process of the hand-off measurement: wait for the slot, report when granted."""
    from shared_ollama._coordinator._leases import SlotRequest
    from shared_ollama._coordinator._registry import coordinator_for
    from shared_ollama._settings import EnvironmentDefaults

    coordinator = coordinator_for(EnvironmentDefaults.from_environ())
    request = SlotRequest(
        host="http://bench", project="waiter", priority="normal", model=None, slots=1
    )
    for _ in range(rounds):
        sys.stdin.readline()
        print("waiting", flush=True)
        lease = coordinator.acquire(request, 30)
        print(time.time(), flush=True)
        coordinator.release(lease)


@contextlib.contextmanager
def _daemon(url: str | None) -> Iterator[tuple[str, Path | None]]:
    if url:
        yield url, None
        return
    port = _free_port()
    env = {**os.environ, "OLLAMA_NUM_PARALLEL": "1"}
    out = subprocess.run(
        ["bash", str(DEV / "serve.sh"), str(port)], env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    home = Path(os.environ.get("OLLAMA_DEV_HOME", "~/.cache/ollama-dev")).expanduser()
    try:
        yield out.stdout.strip().splitlines()[-1], home / "logs" / f"serve-{port}.log"
    finally:
        pid_file = home / f"serve-{port}.pid"
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text()), 15)


@contextlib.contextmanager
def _redis(skip: bool) -> Iterator[str | None]:
    binary = os.environ.get("SHARED_OLLAMA_REDIS_SERVER") or shutil.which("redis-server")
    if skip or not binary:
        if not skip:
            print("note: no redis-server (apt-get install -y redis-server): Redis figures skipped")
        yield None
        return
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def _line(label: str, value: float, target: str, ok: bool | None, unit: str = "") -> str:
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    return f"  {label:<58} {value:>10.3f}{unit:<3} target {target:<34} {verdict}"


def report(figures: dict[str, Any]) -> list[str]:
    """Each figure next to its target."""
    lines = []
    lat = figures.get("latency")
    if lat:
        limit = 1.2 * (lat["chat_idle_p95"] + lat["batch_service_s"])
        lines.append("Interactive latency under a batch load (seconds)")
        lines.append(_line("chat p50 / p95 alone", lat["chat_idle_p50"], "-", None))
        lines.append(_line("chat p95 alone", lat["chat_idle_p95"], "-", None))
        lines.append(_line("one batch request's service time", lat["batch_service_s"], "-", None))
        for key in ("plain", "ours_embedded", "ours_redis"):
            if f"{key}_chat_p95" not in lat:
                continue
            ours = key != "plain"
            lines.append(_line(f"{key}: chat p50 under load", lat[f"{key}_chat_p50"], "-", None))
            lines.append(
                _line(f"{key}: chat p95 under load", lat[f"{key}_chat_p95"],
                      f"<= {limit:.3f} (1.2 x (idle p95 + service))",
                      lat[f"{key}_chat_p95"] <= limit if ours else None)
            )  # fmt: skip
            lines.append(
                _line(f"{key}: batch throughput vs alone", lat[f"{key}_batch_share"], ">= 0.85",
                      lat[f"{key}_batch_share"] >= 0.85 if ours else None)
            )  # fmt: skip
            lines.append(
                f"  {key}: batch calls per process {lat[f'{key}_batch_calls_per_process']}"
            )
    thrash = figures.get("thrash")
    if thrash:
        lines.append(f"Reload thrash ({thrash['alternations']} alternations of num_ctx 2048/4096)")
        for key in ("plain", "ours_embedded", "ours_redis"):
            if f"{key}_loads" not in thrash:
                continue
            ours = key != "plain"
            target = "<= 2 (once, twice on growth)" if ours else "~ one per alternation"
            ok = thrash[f"{key}_loads"] <= 2 if ours else None
            lines.append(_line(f"{key}: model loads", thrash[f"{key}_loads"], target, ok))
            lines.append(
                _line(
                    f"{key}: seconds spent in calls", thrash[f"{key}_seconds_in_calls"], "-", None
                )
            )
    cost = figures.get("overhead")
    if cost:
        lines.append("Coordinator overhead, uncontended (client CPU per call, microseconds)")
        lines.append(_line("slots off", cost["cpu_per_call_off_us"], "-", None))
        for label in ("embedded", "redis"):
            if f"added_{label}_us" not in cost:
                continue
            ok = cost[f"added_{label}_us"] < 100 if label == "embedded" else None
            target = "< 100 us" if label == "embedded" else "measured"
            lines.append(
                _line(f"added by the {label} coordinator", cost[f"added_{label}_us"], target, ok)
            )
            lines.append(
                _line(
                    f"hand-off release -> grant ({label}, ms)",
                    cost[f"handoff_{label}_ms"],
                    "-",
                    None,
                )
            )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run every scenario and print each figure next to its target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke test")
    parser.add_argument("--url", help="an Ollama started with OLLAMA_NUM_PARALLEL=1")
    parser.add_argument("--skip-redis", action="store_true", help="embedded coordinator only")
    parser.add_argument("--only", choices=("latency", "thrash", "overhead"), action="append")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "sharing.json")
    args = parser.parse_args(argv)
    only = set(args.only or ("latency", "thrash", "overhead"))
    figures: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="shared-ollama-sharing-") as work,
        _redis(args.skip_redis) as redis_url,
    ):
        tmp = Path(work)
        coordinators = ["embedded", *([redis_url] if redis_url else [])]
        if "overhead" in only:
            figures["overhead"] = overhead(coordinators, tmp, calls=300 if args.quick else 3000)
        if only & {"latency", "thrash"}:
            with _daemon(args.url) as (url, log):
                import httpx

                httpx.post(f"{url}/api/generate", json={"model": MODEL, "prompt": "hi",
                           "options": {"num_predict": 1}}, timeout=120)  # fmt: skip
                if "latency" in only:
                    figures["latency"] = latency_under_load(
                        url, chats=6 if args.quick else 20, coordinators=coordinators, tmp=tmp
                    )
                if "thrash" in only:
                    figures["thrash"] = reload_thrash(
                        url, calls=3 if args.quick else 6, coordinators=coordinators, tmp=tmp,
                        log=log,
                    )  # fmt: skip
    print("\n".join(report(figures)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "worker":
        print(json.dumps(worker(json.loads(sys.argv[2]))))
    elif len(sys.argv) > 2 and sys.argv[1] == "waiter":
        waiter(int(sys.argv[2]))
    else:
        sys.exit(main())
