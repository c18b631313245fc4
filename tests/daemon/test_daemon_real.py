"""The daemon bootstrap against a real ``ollama`` binary: start, status, stop, crash, race, CLI.

Each test starts its own ``ollama serve`` on a free port of 12100-12179 with a temporary model
store, runtime folder and logs, and stops it in a finalizer. The binary comes from
``find_ollama_binary`` (``OLLAMA_BIN``, PATH, usual places), falling back to the one that
``../shared/ollama-dev/install.sh`` installs; without one the tests skip with the reason.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from shared_ollama._cli._app import main
from shared_ollama._errors import ModelNotFoundError, OllamaUnavailableError
from shared_ollama.daemon import check_service_health, ensure_service_running
from shared_ollama.daemon._binary import OllamaBinaryNotFoundError, find_ollama_binary
from shared_ollama.daemon._files import DaemonSettings, read_record
from shared_ollama.daemon._process import start_daemon, stop_daemon
from shared_ollama.daemon._status import daemon_status
from shared_ollama.daemon._warm import warm_models

pytestmark = pytest.mark.daemon

DEV_HOME = Path(os.environ.get("OLLAMA_DEV_HOME") or Path.home() / ".cache" / "ollama-dev")
DEV_MODEL_FILE = DEV_HOME / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
PORTS = range(12100, 12180)
DEADLINE_S = 90.0  # a loaded two-core machine can be slow to start a daemon


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_used_ports: set[int] = set()


def free_port() -> int:
    """A port of this suite's range that nothing uses (each handed out once per session)."""
    for port in PORTS:
        if port not in _used_ports and _port_is_free(port):
            _used_ports.add(port)
            return port
    pytest.skip(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


@pytest.fixture(scope="module")
def ollama_binary() -> Path:
    """The real ``ollama`` executable, or skip with how to get one."""
    environ = dict(os.environ)
    if not environ.get("OLLAMA_BIN") and (DEV_HOME / "bin" / "ollama").exists():
        environ["OLLAMA_BIN"] = str(DEV_HOME / "bin" / "ollama")
    try:
        return find_ollama_binary(environ)
    except OllamaBinaryNotFoundError as exc:
        pytest.skip(
            f"no ollama binary ({exc}): install Ollama (https://ollama.com/download) or set "
            "OLLAMA_BIN to its executable to run the daemon tier"
        )


@dataclass
class Sandbox:
    """One daemon's address, folders and environment, all private to a test."""

    port: int
    url: str
    settings: DaemonSettings
    environ: dict[str, str]

    def serve_processes(self) -> list[psutil.Process]:
        """Living ``ollama serve`` processes that use this sandbox's model store."""
        found = []
        for process in psutil.process_iter(["cmdline"]):
            cmdline = process.info["cmdline"] or []
            if not cmdline or cmdline[-1] != "serve":
                continue
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    continue
                store = process.environ().get("OLLAMA_MODELS")
            except psutil.Error:
                continue
            if store == self.environ["OLLAMA_MODELS"]:
                found.append(process)
        return found


@pytest.fixture
def sandbox(tmp_path: Path, ollama_binary: Path) -> Iterator[Sandbox]:
    """A private port, store, runtime folder and logs; whatever started there is stopped."""
    port = free_port()
    environ = {
        **os.environ,
        "OLLAMA_BIN": str(ollama_binary),
        "OLLAMA_MODELS": str(tmp_path / "models"),
        "SHARED_OLLAMA_RUNTIME_DIR": str(tmp_path / "run"),
        "SHARED_OLLAMA_LOGS_DIR": str(tmp_path / "logs"),
        "SHARED_OLLAMA_URL": f"http://127.0.0.1:{port}",
        # A closed loopback proxy: a pull fails at once instead of reaching the internet.
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for name in ("OLLAMA_HOST", "OLLAMA_BASE_URL", "OLLAMA_KEEP_ALIVE", "XDG_RUNTIME_DIR"):
        environ.pop(name, None)
    box = Sandbox(port, f"http://127.0.0.1:{port}", DaemonSettings.from_env(environ), environ)
    yield box
    stop_daemon(base_url=box.url, settings=box.settings, timeout_s=10)
    for process in box.serve_processes():  # e.g. a daemon whose pid file a test removed
        process.kill()
        process.wait(10)


def _start(box: Sandbox) -> int:
    info = start_daemon(base_url=box.url, settings=box.settings, deadline_s=DEADLINE_S)
    assert info.started is True
    assert info.pid is not None
    return info.pid


def test_real_daemon_starts_reports_status_and_stops(sandbox: Sandbox) -> None:
    """Start answers /api/version; status shows pid and memory; stop ends the process."""
    pid = _start(sandbox)
    record = read_record(sandbox.settings.pid_path(sandbox.port))
    assert record is not None
    assert record.pid == pid
    assert record.create_time == psutil.Process(pid).create_time()
    status = daemon_status(base_url=sandbox.url, settings=sandbox.settings)
    assert status.up is True
    assert status.managed is True
    assert status.pid == pid
    assert status.rss_bytes is not None
    assert status.rss_bytes > 0
    assert status.models_dir == Path(sandbox.environ["OLLAMA_MODELS"])
    assert "Listening on 127.0.0.1" in sandbox.settings.error_log_path.read_text()
    result = stop_daemon(base_url=sandbox.url, settings=sandbox.settings)
    assert result.outcome == "stopped"
    assert not psutil.pid_exists(pid)
    assert check_service_health(sandbox.url).up is False
    assert not sandbox.settings.pid_path(sandbox.port).exists()


def test_real_daemon_listens_on_loopback_only(sandbox: Sandbox) -> None:
    """Every listening socket on the daemon's port is bound to 127.0.0.1."""
    pid = _start(sandbox)
    listeners = [
        c
        for c in psutil.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == sandbox.port
    ]
    assert listeners
    assert {c.laddr.ip for c in listeners} == {"127.0.0.1"}
    assert {c.pid for c in listeners} == {pid}


def test_real_daemon_restarts_after_a_crash(sandbox: Sandbox) -> None:
    """After kill -9 the stale pid file does not block a new start, which gets a new pid."""
    first = _start(sandbox)
    os.kill(first, signal.SIGKILL)
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(first).wait(10)
    assert check_service_health(sandbox.url).up is False
    second = _start(sandbox)
    assert second != first
    record = read_record(sandbox.settings.pid_path(sandbox.port))
    assert record is not None
    assert record.pid == second
    assert [p.pid for p in sandbox.serve_processes()] == [second]


RACER = """
import json
from shared_ollama.daemon import ensure_service_running
health = ensure_service_running(start=True, deadline_s={deadline})
print(json.dumps(health.to_dict()))
"""


def test_real_daemon_eight_racing_processes_start_exactly_one(sandbox: Sandbox) -> None:
    """Eight processes calling ensure_service_running(start=True) at once start one daemon."""
    code = RACER.format(deadline=DEADLINE_S)
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=sandbox.environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outputs = [racer.communicate(timeout=DEADLINE_S * 2) for racer in racers]
    for racer, (_, err) in zip(racers, outputs, strict=True):
        assert racer.returncode == 0, err
    assert all(json.loads(out)["up"] is True for out, _ in outputs)
    serving = sandbox.serve_processes()
    assert len(serving) == 1
    record = read_record(sandbox.settings.pid_path(sandbox.port))
    assert record is not None
    assert record.pid == serving[0].pid


def test_failed_start_reports_the_error_log_tail(tmp_path: Path) -> None:
    """A binary that writes to stderr and exits fails the start with those lines in the error."""
    fake = tmp_path / "ollama"
    fake.write_text(
        "#!/bin/sh\n"
        "echo 'starting fake ollama' >&2\n"
        "echo 'Error: listen tcp 127.0.0.1: bind: address already in use (fake)' >&2\n"
        "exit 3\n"
    )
    fake.chmod(0o755)
    settings = DaemonSettings.from_env(
        {
            **os.environ,
            "SHARED_OLLAMA_RUNTIME_DIR": str(tmp_path / "run"),
            "SHARED_OLLAMA_LOGS_DIR": str(tmp_path / "logs"),
            "OLLAMA_MODELS": str(tmp_path / "m"),
        }
    )
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(OllamaUnavailableError) as caught:
        start_daemon(base_url=url, settings=settings, binary=fake, deadline_s=DEADLINE_S)
    message = str(caught.value)
    assert "exited with code 3" in message
    assert "starting fake ollama" in message
    assert "bind: address already in use (fake)" in message
    assert not settings.pid_path(int(url.rsplit(":", 1)[1])).exists()


def test_cli_start_status_stop_against_the_real_binary(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``shared-ollama start``, ``status`` and ``stop`` drive a real daemon with exit codes."""
    for name, value in sandbox.environ.items():
        monkeypatch.setenv(name, value)
    assert main(["--json", "start", "--deadline", str(DEADLINE_S)]) == 0
    started = json.loads(capsys.readouterr().out)
    assert started["started"] is True
    assert main(["--json", "status"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["pid"] == started["pid"]
    assert status["managed"] is True
    assert main(["restart", "--deadline", str(DEADLINE_S)]) == 0
    assert "Started Ollama" in capsys.readouterr().out
    assert main(["stop"]) == 0
    assert "stopped" in capsys.readouterr().out
    assert main(["status"]) == 1


def test_warm_loads_a_real_model_and_status_shows_it(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A model created in the sandbox store is loaded by warm and listed as loaded."""
    if not DEV_MODEL_FILE.exists():
        pytest.skip(
            f"{DEV_MODEL_FILE} is missing: put a smollm2:135m GGUF file there (or set "
            "OLLAMA_DEV_HOME to a folder holding models/SmolLM2-135M-Instruct.Q4_1.gguf) to run it"
        )
    _start(sandbox)
    modelfile = Path(sandbox.environ["OLLAMA_MODELS"]).parent / "Modelfile"
    modelfile.write_text(f"FROM {DEV_MODEL_FILE}\n")
    created = subprocess.run(
        [sandbox.environ["OLLAMA_BIN"], "create", "smollm2:135m", "-f", str(modelfile)],
        env={**sandbox.environ, "OLLAMA_HOST": f"127.0.0.1:{sandbox.port}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    [result] = warm_models(["smollm2:135m"], keep_alive="2m", base_url=sandbox.url)
    assert result.ok is True, result.error
    status = daemon_status(base_url=sandbox.url, settings=sandbox.settings)
    assert [m.name for m in status.loaded_models] == ["smollm2:135m"]
    assert status.loaded_models[0].size_bytes > 0
    assert status.models_dir_bytes > 50_000_000
    for name, value in sandbox.environ.items():
        monkeypatch.setenv(name, value)
    assert main(["--json", "models"]) == 0
    models = json.loads(capsys.readouterr().out)
    assert models["loaded"] == ["smollm2:135m"]
    assert main(["warm", "not-pulled:1b"]) == 1
    assert "shared-ollama pull not-pulled:1b" in capsys.readouterr().out
    with pytest.raises(ModelNotFoundError, match="shared-ollama pull nope"):
        ensure_service_running(sandbox.url, model="nope")
