"""``shared_ollama.testing.reset()``: every piece of process-wide state back to a fresh start."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap

import httpx

from shared_ollama import (
    BreakerPolicy,
    BreakerState,
    RetryPolicy,
    ServerError,
    SharedOllamaClient,
)
from shared_ollama._core import _default_client
from shared_ollama.testing import reset

HOST = "http://reset.test:11434"


def _client(handler: httpx.MockTransport) -> SharedOllamaClient:
    return SharedOllamaClient(
        HOST,
        transport=handler,
        retry=RetryPolicy(attempts=1),
        breaker=BreakerPolicy(consecutive_failures=1),
    )


def test_reset_closes_the_breaker_a_live_client_holds() -> None:
    """A client kept across tests (a module fixture) finds its breaker closed after a reset."""
    client = _client(httpx.MockTransport(lambda request: httpx.Response(500, json={"error": "x"})))
    route = client._routes[0]
    with contextlib.suppress(ServerError):
        client.version()
    assert route.breaker.state is BreakerState.OPEN
    reset()
    assert route.breaker.state is BreakerState.CLOSED
    client.close()


def test_reset_forgets_sticky_options_and_loaded_models() -> None:
    """What a live client learned (num_ctx per model, warm models) is forgotten."""
    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(
            200, json={"model": "m", "message": {"role": "assistant", "content": "x"}, "done": True}
        )

    with _client(httpx.MockTransport(answer)) as client:
        client.chat("m", [{"role": "user", "content": "a"}], options={"num_ctx": 4096})
        assert client._routes[0].loaded.is_warm("m") is True
        reset()
        assert client._routes[0].loaded.is_warm("m") is None
        client.chat("m", [{"role": "user", "content": "b"}])
    assert b"num_ctx" in bodies[0]
    assert b"num_ctx" not in bodies[1]  # not re-applied from before the reset


def test_reset_closes_and_forgets_the_default_client() -> None:
    """The client behind ``shared_ollama.chat`` is closed; the next call makes a new one."""
    first = _default_client.default_client()
    reset()
    assert first._client.is_closed
    second = _default_client.default_client()
    assert second is not first
    reset()


def test_reset_never_imports_what_is_not_loaded() -> None:
    """Resetting in a fresh process loads no module it did not have (e.g. the coordinator)."""
    probe = textwrap.dedent(
        """
        import sys
        from shared_ollama.testing import reset
        before = set(sys.modules)
        reset()
        print(sorted(set(sys.modules) - before))
        print("shared_ollama._coordinator._registry" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split("\n")[:2] == ["[]", "False"]


def test_reset_restores_concurrency_limits_lowered_by_busy_answers() -> None:
    """A client that halved its in-flight cap on 503s gets its configured maximum back."""
    busy = httpx.MockTransport(lambda request: httpx.Response(503, json={"error": "busy"}))
    with SharedOllamaClient(
        HOST, transport=busy, retry=RetryPolicy(attempts=1), max_in_flight=4
    ) as client:
        with contextlib.suppress(Exception):
            client.version()
        ((limit, _),) = client._limits.current().values()
        assert limit.limit == 2
        reset()
        assert limit.limit == 4
