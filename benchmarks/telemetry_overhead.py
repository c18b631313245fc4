"""What telemetry costs a call when no OpenTelemetry SDK is configured.

Compares ``Instrumentation.start()`` + ``finish()`` (and a 20-chunk stream) against a stub with
the same interface that does nothing ("telemetry compiled out"), and puts the difference next to
the cost of the cheapest possible call: one request through ``httpx.MockTransport`` with no
network at all. A real call to Ollama costs milliseconds more, so the share printed here is an
upper bound of the overhead.

Run: ``python benchmarks/telemetry_overhead.py`` (about 20 seconds).

Wall-clock figures on a shared machine are noisy, so it also counts the Python function calls a
``client.chat`` makes over a mock transport with telemetry stubbed and with the real thing.

Measured on the 2-core development box (shared with other jobs): start+finish costs 2-3 us more
than the stub, a 20-chunk stream 4-12 us more, against 0.6-1 ms for one bare mock request
(0.3% and under 2%); ``client.chat`` makes 5 more function calls than with telemetry stubbed,
out of about 960 (+0.6%). Far inside the 5% budget.
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from shared_ollama.telemetry import Instrumentation

REPEAT = 7
BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}],
        "options": {"temperature": 0.2, "num_predict": 8, "seed": 1}}  # fmt: skip
FINAL = {"model": "m", "message": {"role": "assistant", "content": ""}, "done": True,
         "done_reason": "stop", "total_duration": 85050152, "load_duration": 11328210,
         "prompt_eval_count": 10, "prompt_eval_duration": 19000000, "eval_count": 4,
         "eval_duration": 53000000}  # fmt: skip
CHUNK = {"model": "m", "message": {"role": "assistant", "content": "x"}, "done": False}


class StubObservation:
    """The interface with every method empty: telemetry compiled out."""

    def chunk(self, data: Mapping[str, Any]) -> None:
        """Do nothing."""

    def finish(self, final: Mapping[str, Any]) -> None:
        """Do nothing."""

    def fail(self, exc: BaseException) -> None:
        """Do nothing."""

    def retry(self, attempt: int, exc: BaseException) -> None:
        """Do nothing."""

    def close(self) -> None:
        """Do nothing."""


class StubInstrumentation:
    """An instrumentation whose calls do nothing."""

    project = None
    recorder = None

    def start(self, **_: Any) -> StubObservation:
        """Return a stub observation."""
        return StubObservation()

    def breaker_transition(self, **_: Any) -> None:
        """Do nothing."""

    def rejected_while_open(self, **_: Any) -> None:
        """Do nothing."""
        return StubObservation()


def best_per_call(function: Callable[[], object], number: int) -> float:
    """Best-of-REPEAT seconds per call."""
    return min(timeit.repeat(function, number=number, repeat=REPEAT)) / number


def call(instrumentation: Any) -> Callable[[], None]:
    def run() -> None:
        observation = instrumentation.start(
            operation="chat", model="m", body=BODY, stream=False,
            server_address="127.0.0.1", server_port=11434,
        )  # fmt: skip
        observation.finish(FINAL)

    return run


def stream(instrumentation: Any) -> Callable[[], None]:
    def run() -> None:
        observation = instrumentation.start(
            operation="chat", model="m", body=BODY, stream=True,
            server_address="127.0.0.1", server_port=11434,
        )  # fmt: skip
        for _ in range(20):
            observation.chunk(CHUNK)
        observation.finish(FINAL)

    return run


def mock_request() -> Callable[[], None]:
    reply = json.dumps(FINAL).encode()
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=reply))
    )

    def run() -> None:
        client.post("http://ollama.test:11434/api/chat", content=b"{}").json()

    return run


def client_chat(instrumentation: Any) -> Callable[[], None]:
    """One non-streamed chat through the real client over a mock transport."""
    from shared_ollama import SharedOllamaClient

    reply = json.dumps(FINAL).encode()
    client = SharedOllamaClient(
        "http://ollama.test:11434",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=reply)),
        instrumentation=instrumentation,
    )
    messages = [{"role": "user", "content": "hi"}]

    def run() -> None:
        client.chat("m", messages, options={"seed": 1})

    return run


def calls_per_request(function: Callable[[], None], number: int = 200) -> float:
    """Python function calls per run: a load-independent measure of work."""
    import cProfile
    import pstats

    function()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(number):
        function()
    profiler.disable()
    return pstats.Stats(profiler).total_calls / number  # type: ignore[attr-defined]


def main() -> None:
    stub, real = StubInstrumentation(), Instrumentation(project="bench")
    rows = {
        "stub start+finish": best_per_call(call(stub), 100_000),
        "no-SDK start+finish": best_per_call(call(real), 100_000),
        "stub 20-chunk stream": best_per_call(stream(stub), 20_000),
        "no-SDK 20-chunk stream": best_per_call(stream(real), 20_000),
        "httpx MockTransport request": best_per_call(mock_request(), 2_000),
    }
    try:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.trace import TracerProvider
    except ImportError:
        pass
    else:  # for reference: an SDK that records but exports nowhere
        sdk = Instrumentation(
            tracer_provider=TracerProvider(), meter_provider=MeterProvider(), project="bench"
        )
        rows["SDK start+finish (reference)"] = best_per_call(call(sdk), 5_000)
    for name, seconds in rows.items():
        print(f"{name:32s} {seconds * 1e6:8.2f} us")
    stub_client = best_per_call(client_chat(stub), 1_000)
    real_client = best_per_call(client_chat(Instrumentation(project="bench")), 1_000)
    print(f"{'client.chat, telemetry stubbed':32s} {stub_client * 1e6:8.2f} us")
    print(f"{'client.chat, no SDK':32s} {real_client * 1e6:8.2f} us")
    print(f"client.chat slowdown without an SDK: {real_client / stub_client - 1:+.2%} (noisy)")
    stub_calls = calls_per_request(client_chat(stub))
    real_calls = calls_per_request(client_chat(Instrumentation(project="bench")))
    print(
        f"function calls per client.chat: {stub_calls:.0f} stubbed, {real_calls:.0f} without "
        f"an SDK ({real_calls / stub_calls - 1:+.2%})"
    )
    floor = rows["httpx MockTransport request"]
    for kind in ("start+finish", "20-chunk stream"):
        extra = rows[f"no-SDK {kind}"] - rows[f"stub {kind}"]
        print(f"overhead of {kind:16s} {extra * 1e6:6.2f} us = {extra / floor:6.2%} of a mock call")


if __name__ == "__main__":
    main()
