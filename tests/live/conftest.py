"""Live-tier fixtures: private ``ollama serve`` processes that a test may stop, kill and restart.

They need the ``ollama`` binary (``OLLAMA_BIN`` or ``PATH``) and a live server to copy the test
model from (``SHARED_OLLAMA_LIVE_URL``); without them the tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OllamaProcess:
    """One private ``ollama serve`` on a free loopback port, with the test model created."""

    def __init__(self, binary: str, models: Path, env: dict[str, str], logs: Path) -> None:
        self.binary = binary
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.models = models
        self.logs = logs
        self.env = {
            **os.environ,
            "OLLAMA_HOST": f"127.0.0.1:{self.port}",
            "OLLAMA_MODELS": str(models),
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "NO_PROXY": "127.0.0.1,localhost",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until /api/version answers."""
        with self.logs.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/version", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"ollama serve did not answer on {self.url}; see {self.logs}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Stop the server (SIGKILL by default, as a crash) and its runners."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(30)
        self.process = None

    def create_model(self, name: str, gguf: str) -> None:
        """Register the test model from the live server's blob."""
        modelfile = self.models.parent / "Modelfile"
        modelfile.write_text(f"FROM {gguf}\n")
        subprocess.run(
            [self.binary, "create", name, "-f", str(modelfile)],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=300,
        )


@pytest.fixture
def spawn_ollama(
    live_url: str, live_model: str, tmp_path: Path
) -> Iterator[Callable[..., OllamaProcess]]:
    """Start private servers (``spawn_ollama(OLLAMA_NUM_PARALLEL="1")``); all stop at the end."""
    binary = os.environ.get("OLLAMA_BIN") or shutil.which("ollama")
    if not binary:
        pytest.skip(
            "no ollama binary: install Ollama (https://ollama.com/download) or set OLLAMA_BIN "
            "to its executable"
        )
    modelfile = httpx.post(live_url + "/api/show", json={"model": live_model}, timeout=30).json()[
        "modelfile"
    ]
    gguf = next(line[5:].strip() for line in modelfile.splitlines() if line.startswith("FROM /"))
    started: list[OllamaProcess] = []

    def spawn(**env: str) -> OllamaProcess:
        folder = tmp_path / f"server-{len(started)}"
        (folder / "models").mkdir(parents=True)
        server = OllamaProcess(binary, folder / "models", env, folder / "serve.log")
        started.append(server)
        server.start()
        server.create_model(live_model, gguf)
        return server

    yield spawn
    for server in started:
        server.kill()


@pytest.fixture
def request_finalizer() -> Iterator[Callable[[object], None]]:
    """Close the clients a test registers, after it ends."""
    clients: list[object] = []
    yield clients.append
    for client in clients:
        client.close()  # type: ignore[attr-defined]
