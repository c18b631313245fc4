"""Health probes, readiness waits, the service gate and the cached per-client gate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared_ollama._errors import ModelNotFoundError, OllamaUnavailableError
from shared_ollama._resilience._health_gate import HealthGate
from shared_ollama.daemon._ensure import ensure_service_running
from shared_ollama.daemon._health import (
    ServiceHealth,
    acheck_service_health,
    check_service_health,
    describe_failure,
    list_model_names,
    model_is_present,
    probe_exchange,
    wait_until_ready,
)

URL = "http://127.0.0.1:11434"
PS = {"models": [{"name": "smollm2:135m", "model": "smollm2:135m", "size": 150_000_000}]}
TAGS = {"models": [{"name": "smollm2:135m", "model": "smollm2:135m"}, {"model": "qwen2.5:7b"}]}
Handler = Callable[[httpx.Request], httpx.Response]


def ollama(
    *, version: int = 200, ps: int = 200, tags: int = 200, seen: list[httpx.Request] | None = None
) -> Handler:
    """A MockTransport handler that answers like Ollama, with chosen statuses."""

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        if request.url.path == "/api/version":
            return httpx.Response(version, json={"version": "0.5.4"} if version == 200 else {})
        if request.url.path == "/api/ps":
            return httpx.Response(ps, json=PS if ps == 200 else {"error": "boom"})
        if request.url.path == "/api/tags":
            return httpx.Response(tags, json=TAGS if tags == 200 else {"error": "boom"})
        return httpx.Response(404, text="404 page not found")

    return handle


def refused(request: httpx.Request) -> httpx.Response:
    """A handler for a port where nothing listens."""
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def hung(request: httpx.Request) -> httpx.Response:
    """A handler for a server that never answers."""
    raise httpx.ReadTimeout("timed out", request=request)


async def probe(kind: str, handler: Handler, base_url: str | None = URL) -> ServiceHealth:
    """Run the sync or async probe over the same handler (the twins must agree)."""
    if kind == "sync":
        return check_service_health(base_url, transport=httpx.MockTransport(handler))
    return await acheck_service_health(base_url, transport=httpx.MockTransport(handler))


BOTH = pytest.mark.parametrize("kind", ["sync", "async"])


@BOTH
async def test_check_service_health_reports_an_up_server(kind: str) -> None:
    """An answering server is up, with its version, latency and loaded models."""
    seen: list[httpx.Request] = []
    health = await probe(kind, ollama(seen=seen))
    assert health.up is True
    assert health.version == "0.5.4"
    assert health.loaded_models == ("smollm2:135m",)
    assert health.latency_s is not None
    assert health.latency_s >= 0
    assert health.error is None
    assert [r.url.path for r in seen] == ["/api/version", "/api/ps"]
    assert all(r.method == "GET" for r in seen)


@BOTH
async def test_check_service_health_reports_refused_without_raising(kind: str) -> None:
    """A refused connection is ``up=False`` with the address and how to start Ollama."""
    health = await probe(kind, refused)
    assert health.up is False
    assert health.error == (
        "connection refused at http://127.0.0.1:11434: start Ollama with `shared-ollama start` "
        "(or `ollama serve`)"
    )
    assert health.version is None
    assert health.loaded_models == ()


@BOTH
async def test_check_service_health_reports_a_hung_server(kind: str) -> None:
    """A timeout is down too, and the text says the server is hung or overloaded."""
    health = await probe(kind, hung)
    assert health.up is False
    assert health.error is not None
    assert "no answer from http://127.0.0.1:11434 within 2s" in health.error


@BOTH
async def test_check_service_health_rejects_a_server_that_is_not_ollama(kind: str) -> None:
    """Something that answers /api/version with 404 is not an Ollama."""
    health = await probe(kind, ollama(version=404))
    assert health.up is False
    assert health.error is not None
    assert "HTTP 404" in health.error
    assert "not an Ollama server" in health.error


@BOTH
async def test_check_service_health_stays_up_when_only_ps_fails(kind: str) -> None:
    """/api/ps failing leaves the server up, with unknown loaded models and a note."""
    health = await probe(kind, ollama(ps=500))
    assert health.up is True
    assert health.loaded_models == ()
    assert health.error is not None
    assert "/api/ps answered HTTP 500" in health.error


@BOTH
async def test_check_service_health_sends_url_credentials_but_never_shows_them(kind: str) -> None:
    """``user:pass@`` in the URL becomes basic auth; the reported base URL has no secret."""
    seen: list[httpx.Request] = []
    health = await probe(kind, ollama(seen=seen), "http://me:s3cret@127.0.0.1:9999")
    assert health.base_url == "http://127.0.0.1:9999"
    assert seen[0].headers["authorization"].startswith("Basic ")
    assert "s3cret" not in repr(health)


def test_probe_exchange_asks_version_then_ps_without_io() -> None:
    """The sans-I/O probe yields the paths in order and builds the status from the answers."""
    ticks = iter([10.0, 10.25])
    exchange = probe_exchange(URL, timeout=2.0, clock=lambda: next(ticks))
    assert next(exchange) == "/api/version"
    request = httpx.Request("GET", f"{URL}/api/version")
    version = httpx.Response(200, json={"version": "0.9.0"}, request=request)
    assert exchange.send(version) == "/api/ps"
    with pytest.raises(StopIteration) as done:
        exchange.send(httpx.ReadError("reset", request=request))
    health = done.value.value
    assert health.up is True
    assert health.version == "0.9.0"
    assert health.latency_s == 0.25
    assert "/api/ps failed (ReadError)" in health.error


def test_probe_exchange_stops_after_a_failed_version() -> None:
    """No /api/ps is asked when /api/version failed."""
    exchange = probe_exchange(URL, timeout=2.0)
    next(exchange)
    with pytest.raises(StopIteration) as done:
        exchange.send(httpx.ConnectError("refused"))
    assert done.value.value.up is False


def test_check_service_health_resolves_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a base URL the environment's choice is probed."""
    monkeypatch.setenv("SHARED_OLLAMA_URL", "http://127.0.0.1:12199")
    seen: list[httpx.Request] = []
    health = check_service_health(transport=httpx.MockTransport(ollama(seen=seen)))
    assert health.base_url == "http://127.0.0.1:12199"
    assert str(seen[0].url) == "http://127.0.0.1:12199/api/version"


def test_service_health_to_dict_is_json_ready() -> None:
    """The status converts to plain data for ``--json``."""
    health = ServiceHealth(True, URL, "0.5.4", 0.01, ("a",), None)
    assert health.to_dict() == {
        "up": True,
        "base_url": URL,
        "version": "0.5.4",
        "latency_s": 0.01,
        "loaded_models": ["a"],
        "error": None,
    }


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused at"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "cannot resolve the host"),
        (httpx.ConnectTimeout("timed out"), "no answer from"),
        (httpx.RemoteProtocolError("Server disconnected"), "RemoteProtocolError at"),
        (OSError("weird"), "OSError at"),
    ],
)
def test_describe_failure_names_the_cause(exc: Exception, expected: str) -> None:
    """Each kind of failure gets its own sentence."""
    assert expected in describe_failure(URL, exc, timeout=1.5)


class FakeClock:
    """A monotonic clock that moves only when the fake sleep is called."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted_probe(answers: list[bool], clock: FakeClock, log: list[float]) -> Any:
    """A probe that answers down/up in order, recording the timeout it was given."""

    def probe(base_url: str | None, *, timeout: float) -> ServiceHealth:
        log.append(timeout)
        up = answers.pop(0) if answers else False
        clock.now += 0.01
        return ServiceHealth(up, URL, "0.5.4" if up else None, error=None if up else "refused!")

    return probe


def test_wait_until_ready_returns_once_the_server_answers() -> None:
    """Probing stops at the first ``up``; the pauses use the interval."""
    clock, timeouts = FakeClock(), []
    health = wait_until_ready(
        URL,
        deadline_s=10,
        interval_s=0.5,
        probe=scripted_probe([False, False, True], clock, timeouts),
        clock=clock,
        sleep=clock.sleep,
    )
    assert health.up is True
    assert clock.sleeps == [0.5, 0.5]
    assert len(timeouts) == 3


def test_wait_until_ready_raises_with_the_last_error_at_the_deadline() -> None:
    """After the deadline the error carries the last probe's reason and never oversleeps."""
    clock, timeouts = FakeClock(), []
    with pytest.raises(OllamaUnavailableError, match=r"not ready within 1s: refused!") as caught:
        wait_until_ready(
            URL,
            deadline_s=1.0,
            interval_s=0.3,
            timeout=2.0,
            probe=scripted_probe([], clock, timeouts),
            clock=clock,
            sleep=clock.sleep,
        )
    assert caught.value.host == URL
    assert clock.now - 100.0 <= 1.0 + 0.011
    assert all(t <= 1.0 for t in timeouts)


def test_ensure_service_running_returns_the_health_of_an_up_server() -> None:
    """An up server passes the gate."""
    health = ensure_service_running(URL, transport=httpx.MockTransport(ollama()))
    assert health.up is True


def test_ensure_service_running_says_how_to_start_a_down_server() -> None:
    """Down and not asked to start: the error says how to start it."""
    with pytest.raises(OllamaUnavailableError) as caught:
        ensure_service_running(URL, transport=httpx.MockTransport(refused))
    assert "Ollama is not running at http://127.0.0.1:11434" in str(caught.value)
    assert "`shared-ollama start`" in str(caught.value)
    assert "start=True" in str(caught.value)


def test_ensure_service_running_cannot_start_a_remote_server() -> None:
    """``start=True`` for another machine's address fails with the reason, starting nothing."""
    with pytest.raises(OllamaUnavailableError, match="on another machine"):
        ensure_service_running(
            "http://gpu-box.example:11434", start=True, transport=httpx.MockTransport(refused)
        )


def test_ensure_service_running_names_the_pull_command_for_a_missing_model() -> None:
    """A missing model raises ModelNotFoundError with both pull commands."""
    with pytest.raises(ModelNotFoundError) as caught:
        ensure_service_running(URL, model="llama3.2", transport=httpx.MockTransport(ollama()))
    error = caught.value
    assert "`ollama pull llama3.2`" in str(error)
    assert "`shared-ollama pull llama3.2`" in str(error)
    assert error.model == "llama3.2"
    assert error.status_code == 404


@pytest.mark.parametrize("model", ["smollm2:135m", "qwen2.5:7b"])
def test_ensure_service_running_accepts_a_pulled_model(model: str) -> None:
    """A model listed by /api/tags (under ``name`` or ``model``) passes."""
    seen: list[httpx.Request] = []
    ensure_service_running(URL, model=model, transport=httpx.MockTransport(ollama(seen=seen)))
    assert "/api/tags" in [r.url.path for r in seen]


def test_list_model_names_raises_when_tags_fails() -> None:
    """An error status from /api/tags is reported, not read as 'no models'."""
    with pytest.raises(OllamaUnavailableError, match="api/tags answered HTTP 500"):
        list_model_names(URL, transport=httpx.MockTransport(ollama(tags=500)))


@pytest.mark.parametrize(
    ("model", "names", "present"),
    [
        ("llama3", ["llama3:latest"], True),
        ("llama3:latest", ["llama3"], True),
        ("llama3:8b", ["llama3:latest"], False),
        ("library/x", ["library/x:latest"], True),
        ("host:5000/ns/m", ["host:5000/ns/m:latest"], True),
        ("qwen", [], False),
    ],
)
def test_model_is_present_treats_a_missing_tag_as_latest(
    model: str, names: list[str], present: bool
) -> None:
    """Names match the way Ollama matches them: no tag means ``:latest``."""
    assert model_is_present(model, names) is present


class CountingProbe:
    """A probe that counts its calls and answers with a settable status."""

    def __init__(self, up: bool = True) -> None:
        self.calls = 0
        self.up = up

    def __call__(self) -> ServiceHealth:
        self.calls += 1
        return ServiceHealth(self.up, URL, error=None if self.up else "refused")

    async def async_call(self) -> ServiceHealth:
        return self()


def test_health_gate_caches_the_answer_for_its_ttl() -> None:
    """Within ``ttl_s`` the gate answers from cache; after it, it probes again."""
    clock, counting = FakeClock(), CountingProbe()
    gate = HealthGate(URL, ttl_s=5, probe=counting, clock=clock)
    gate.check()
    clock.now += 4.9
    gate.check()
    assert counting.calls == 1
    clock.now += 0.2
    gate.check()
    assert counting.calls == 2


def test_health_gate_invalidate_forces_a_new_probe() -> None:
    """After a connection error the caller can drop the cached answer."""
    clock, counting = FakeClock(), CountingProbe()
    gate = HealthGate(URL, ttl_s=60, probe=counting, clock=clock)
    gate.check()
    gate.invalidate()
    gate.check()
    assert counting.calls == 2


def test_health_gate_require_raises_for_a_down_server_and_caches_it() -> None:
    """``require`` raises OllamaUnavailableError, and a down answer is cached too."""
    clock, counting = FakeClock(), CountingProbe(up=False)
    gate = HealthGate(URL, ttl_s=5, probe=counting, clock=clock)
    for _ in range(3):
        with pytest.raises(OllamaUnavailableError, match="refused"):
            gate.require()
    assert counting.calls == 1
    assert "last=down" in repr(gate)


async def test_health_gate_async_shares_the_cache_with_sync() -> None:
    """The async check uses its own probe but the same cache."""
    clock, counting = FakeClock(), CountingProbe()
    gate = HealthGate(URL, ttl_s=5, probe=counting, aprobe=counting.async_call, clock=clock)
    assert (await gate.arequire()).up is True
    gate.check()
    assert counting.calls == 1


def test_health_gate_rejects_a_negative_ttl() -> None:
    """A negative time-to-live is a caller mistake."""
    with pytest.raises(ValueError, match="ttl_s"):
        HealthGate(URL, ttl_s=-1)
