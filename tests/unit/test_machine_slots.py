"""The machine-wide cap: N lock files shared by every process of the user."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from shared_ollama import RequestTimeoutError, SharedOllamaClient
from shared_ollama._resilience._machine_slots import MachineSlots
from shared_ollama._settings import ClientSettings


def test_machine_slots_hand_out_at_most_n(tmp_path: Path) -> None:
    """Two slots: two leases, the third waits and times out in the pool phase."""
    slots = MachineSlots("http://h:1", 2, directory=tmp_path, poll_interval=0.001)
    first, second = slots.acquire(1), slots.acquire(1)
    assert first is not second
    with pytest.raises(RequestTimeoutError) as caught:
        slots.acquire(0.01)
    assert caught.value.phase == "pool"
    slots.release(first)
    assert slots.acquire(0.5) is first


def test_machine_slots_are_shared_with_other_processes(tmp_path: Path) -> None:
    """A slot held by another process is not handed out here."""
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pathlib; from shared_ollama._resilience._machine_slots import MachineSlots;"
            f"s = MachineSlots('http://h:1', 1, directory=pathlib.Path({str(tmp_path)!r}));"
            "s.acquire(5); print('held', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "held"
            slots = MachineSlots("http://h:1", 1, directory=tmp_path, poll_interval=0.001)
            with pytest.raises(RequestTimeoutError):
                slots.acquire(0.05)
        finally:
            holder.stdin.write("\n")
            holder.stdin.flush()
            holder.wait(10)
    assert MachineSlots("http://h:1", 1, directory=tmp_path).acquire(1).is_locked


def test_client_with_one_machine_slot_never_overlaps_requests(tmp_path: Path) -> None:
    """Eight threads through a client with machine_slots=1: the server sees one at a time."""
    active = 0
    peak = 0
    guard = threading.Lock()
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal active, peak
        with guard:
            active += 1
            peak = max(peak, active)
        release.wait(0.01)
        with guard:
            active -= 1
        return httpx.Response(200, json={"version": "1"})

    settings = ClientSettings(environ={}, runtime_dir=tmp_path)
    client = SharedOllamaClient(
        "http://h:1",
        transport=httpx.MockTransport(handler),
        machine_slots=1,
        max_in_flight=8,
        settings=settings,
    )
    threads = [threading.Thread(target=client.version) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 1


def test_machine_slots_setting_is_validated() -> None:
    """A malformed SHARED_OLLAMA_MACHINE_SLOTS names itself."""
    with pytest.raises(ValueError, match="SHARED_OLLAMA_MACHINE_SLOTS='many'"):
        ClientSettings.from_environ({"SHARED_OLLAMA_MACHINE_SLOTS": "many"})
    assert ClientSettings.from_environ({"SHARED_OLLAMA_MACHINE_SLOTS": "3"}).machine_slots == 3
