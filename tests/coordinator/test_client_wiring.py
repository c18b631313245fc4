"""The clients through the coordinator: the cap, agreed options on the wire, priority, spans."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared_ollama import AsyncSharedOllamaClient, SharedOllamaClient
from shared_ollama._coordinator._registry import reset_coordinators
from shared_ollama._settings import EnvironmentDefaults
from shared_ollama.telemetry import Instrumentation

REPLY = {
    "model": "m",
    "created_at": "2024-01-01T00:00:00Z",
    "message": {"role": "assistant", "content": "hi"},
    "done": True,
}


@pytest.fixture(autouse=True)
def _fresh_coordinators() -> Iterator[None]:
    reset_coordinators()
    yield
    reset_coordinators()


@pytest.fixture
def settings(tmp_path: Path) -> EnvironmentDefaults:
    """Slots on, the embedded coordinator in a fresh runtime folder."""
    return EnvironmentDefaults(environ={}, runtime_dir=tmp_path / "run")


class Wire:
    """A mock Ollama that records the JSON bodies it received."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.active = 0
        self.peak = 0
        self._guard = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._guard:
            self.active += 1
            self.peak = max(self.peak, self.active)
        threading.Event().wait(0.005)
        with self._guard:
            self.active -= 1
            if request.content:
                self.bodies.append(json.loads(request.content))
        if request.url.path == "/api/version":
            return httpx.Response(200, json={"version": "0.5.4"})
        if request.url.path == "/api/chat" and self.bodies and self.bodies[-1].get("stream"):
            return httpx.Response(200, content=json.dumps(REPLY).encode() + b"\n")
        return httpx.Response(200, json=REPLY)


def test_client_one_machine_slot_never_overlaps_requests(settings: EnvironmentDefaults) -> None:
    """Eight threads through a client with machine_slots=1: the server sees one at a time."""
    wire = Wire()
    with SharedOllamaClient(
        "http://h:1",
        transport=httpx.MockTransport(wire),
        machine_slots=1,
        max_in_flight=8,
        settings=settings,
    ) as client:
        threads = [threading.Thread(target=client.version) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert wire.peak == 1


def test_clients_send_one_agreed_num_ctx(settings: EnvironmentDefaults) -> None:
    """Two projects asking 2048 and 4096: after the first growth both send 4096."""
    wire = Wire()
    kwargs: dict[str, Any] = {
        "transport": httpx.MockTransport(wire),
        "machine_slots": 2,
        "settings": settings,
    }
    with (
        SharedOllamaClient("http://h:1", project="a", **kwargs) as small,
        SharedOllamaClient("http://h:1", project="b", priority="batch", **kwargs) as large,
    ):
        small.chat("m", [{"role": "user", "content": "x"}], options={"num_ctx": 2048})
        large.chat("m", [{"role": "user", "content": "x"}], options={"num_ctx": 4096})
        small.chat("m", [{"role": "user", "content": "x"}], options={"num_ctx": 2048})
        for _ in small.chat("m", [{"role": "user", "content": "x"}], stream=True):
            pass
    sent = [body["options"]["num_ctx"] for body in wire.bodies]
    assert sent == [2048, 4096, 4096, 4096]


async def test_async_client_sends_agreed_options(settings: EnvironmentDefaults) -> None:
    """The async client takes its slot from the same coordinator and sends the agreement."""
    wire = Wire()
    with SharedOllamaClient(
        "http://h:1", transport=httpx.MockTransport(wire), machine_slots=1, settings=settings
    ) as sync:
        sync.chat("m", [], options={"num_ctx": 8192}, keep_alive="30m")
    async with AsyncSharedOllamaClient(
        "http://h:1",
        transport=httpx.MockTransport(wire),
        machine_slots=1,
        settings=settings,
        priority="interactive",
    ) as client:
        await client.chat("m", [])
        async for _ in await client.chat("m", [], stream=True):
            pass
    assert [(b["options"]["num_ctx"], b["keep_alive"]) for b in wire.bodies] == [
        (8192, "30m"),
        (8192, "30m"),
        (8192, "30m"),
    ]


def test_client_priority_is_validated_and_defaults_from_settings(
    settings: EnvironmentDefaults,
) -> None:
    """A wrong priority names the choices; the settings' priority is the default."""
    with pytest.raises(ValueError, match="'interactive', 'normal', 'batch'"):
        SharedOllamaClient("http://h:1", priority="urgent")  # type: ignore[arg-type]
    batch = EnvironmentDefaults(environ={}, runtime_dir=settings.runtime_dir, priority="batch")
    with SharedOllamaClient("http://h:1", settings=batch) as client:
        assert client.priority == "batch"
    with SharedOllamaClient("http://h:1", settings=settings) as client:
        assert client.priority == "normal"


def test_client_span_carries_wait_and_agreed_options(settings: EnvironmentDefaults) -> None:
    """The call's span says its priority, its wait for a slot and the agreed options."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    wire = Wire()
    with SharedOllamaClient(
        "http://h:1",
        transport=httpx.MockTransport(wire),
        machine_slots=1,
        settings=settings,
        priority="interactive",
        instrumentation=Instrumentation(tracer_provider=provider),
    ) as client:
        client.chat("m", [], options={"num_ctx": 4096})
        client.chat("m", [])
    first, second = (span.attributes or {} for span in exporter.get_finished_spans())
    assert first["shared_ollama.priority"] == "interactive"
    assert first["shared_ollama.agreed.num_ctx"] == 4096
    assert "shared_ollama.agreed.changed" not in first
    assert second["shared_ollama.agreed.changed"] == ("num_ctx",)
    assert isinstance(second["shared_ollama.slot.wait"], float)
