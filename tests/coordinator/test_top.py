"""``shared-ollama top`` on both back-ends: the JSON document and the rich view."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from rich.console import Console

from shared_ollama._coordinator._leases import Coordinator, SlotRequest
from shared_ollama._coordinator._options import AskedOptions
from shared_ollama._coordinator._top import summarize, to_json, watch
from shared_ollama._errors import RequestTimeoutError

HOST = "http://127.0.0.1:11434"


def _busy(coordinator: Coordinator) -> tuple[threading.Thread, threading.Event]:
    """One interactive lease held by ``chat``, one batch request of ``embedder`` waiting."""
    coordinator.acquire(
        SlotRequest(
            host=HOST,
            project="chat",
            priority="interactive",
            model="m",
            slots=1,
            asked=AskedOptions(4096, "10m"),
        ),
        5.0,
    )
    stop = threading.Event()

    def wait() -> None:
        request = SlotRequest(host=HOST, project="embedder", priority="batch", model="e", slots=1)
        try:
            coordinator.acquire(request, 2.0)
        except RequestTimeoutError:  # by design: the holder keeps the slot to the end
            stop.set()

    thread = threading.Thread(target=wait)
    thread.start()
    for _ in range(200):
        (snapshot,) = coordinator.snapshot()
        if len(snapshot.tickets) == 2:
            break
        stop.wait(0.02)
    return thread, stop


def test_top_json_per_project_and_priority(coordinator: Coordinator) -> None:
    """The JSON has one row per project and priority, most urgent first, with agreed options."""
    thread, _ = _busy(coordinator)
    try:
        document = to_json(coordinator.snapshot())
    finally:
        thread.join()
    (host,) = document["hosts"]
    assert (host["host"], host["slots"], host["in_flight"], host["waiting"]) == (HOST, 1, 1, 1)
    chat, embedder = host["rows"]
    assert (chat["project"], chat["priority"], chat["in_flight"], chat["waiting"]) == (
        "chat",
        "interactive",
        1,
        0,
    )
    assert chat["agreed"] == {"m": {"num_ctx": 4096, "keep_alive": "10m"}}
    assert (embedder["project"], embedder["priority"], embedder["waiting"]) == (
        "embedder",
        "batch",
        1,
    )
    assert embedder["longest_wait"] >= 0.0


def test_top_renders_a_table_per_host(coordinator: Coordinator) -> None:
    """The rich view names each project, priority, model and the agreed num_ctx."""
    thread, _ = _busy(coordinator)
    console = Console(record=True, width=160, force_terminal=False)
    try:
        watch(coordinator, console, interval=1.0, once=True, where="test")
    finally:
        thread.join()
    text = console.export_text()
    assert f"{HOST}  1/1 slots in use" in text
    chat_line = next(line for line in text.splitlines() if "chat" in line)
    assert "interactive" in chat_line
    assert "num_ctx=4096" in chat_line
    embedder_line = next(line for line in text.splitlines() if "embedder" in line)
    assert "batch" in embedder_line
    assert " s " in embedder_line  # a longest wait is shown for the waiting row


def test_top_live_view_refreshes(coordinator: Coordinator) -> None:
    """On a terminal the view refreshes each interval (the sleep is injected)."""
    console = Console(record=True, width=120, force_terminal=True)
    naps: list[float] = []
    watch(coordinator, console, interval=0.5, once=False, where="here", sleep=naps.append, frames=3)
    assert naps == [0.5, 0.5, 0.5]
    assert "No requests through the coordinator at here yet." in console.export_text()


def test_top_summarize_empty_host_has_no_rows(coordinator: Coordinator) -> None:
    """After every lease is released the host is listed with no rows."""
    request = SlotRequest(host=HOST, project="p", priority="normal", model=None, slots=1)
    coordinator.release(coordinator.acquire(request, 5.0))
    (snapshot,) = coordinator.snapshot()
    assert summarize(snapshot) == []


def test_top_command_prints_json_and_a_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``shared-ollama top --json`` and ``top --once`` read the coordinator the environment names."""
    from shared_ollama._cli._app import main
    from shared_ollama._coordinator._registry import coordinator_for, reset_coordinators
    from shared_ollama._settings import EnvironmentDefaults

    monkeypatch.setenv("SHARED_OLLAMA_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.delenv("SHARED_OLLAMA_COORDINATOR", raising=False)
    reset_coordinators()
    try:
        coordinator = coordinator_for(EnvironmentDefaults.from_environ())
        request = SlotRequest(host=HOST, project="web", priority="interactive", model="m", slots=2)
        lease = coordinator.acquire(request, 5.0)
        assert main(["top", "--json"]) == 0
        document = json.loads(capsys.readouterr().out)
        assert [(row["project"], row["in_flight"]) for row in document["hosts"][0]["rows"]] == [
            ("web", 1)
        ]
        assert main(["top", "--once"]) == 0
        assert "web" in capsys.readouterr().out
        coordinator.release(lease)
    finally:
        reset_coordinators()
