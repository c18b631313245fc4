"""Daemon start/stop decisions with fakes: the lock, the pid file, process identity, the logs."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import filelock
import httpx
import psutil
import pytest

from shared_ollama._errors import OllamaUnavailableError
from shared_ollama._private_files import UnsafePathError
from shared_ollama.daemon._files import (
    DaemonSettings,
    PidRecord,
    ProcessFacts,
    identify,
    identity_matches,
    owned_record,
    read_record,
    rotate_log,
    tail_lines,
    write_record,
)
from shared_ollama.daemon._health import ServiceHealth
from shared_ollama.daemon._process import start_daemon, stop_daemon
from shared_ollama.daemon._runtime import DaemonRuntime, daemon_lock, local_target
from shared_ollama.daemon._serve_env import GIB, MachineInfo
from shared_ollama.daemon._status import daemon_status, folder_size, loaded_models_from_ps
from shared_ollama.daemon._warm import warm_models, warm_result

PORT = 12150
URL = f"http://127.0.0.1:{PORT}"
MACHINE = MachineInfo("Linux", "x86_64", 16 * GIB, 4)


# --- settings and files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "runtime", "logs", "models"),
    [
        (
            {"HOME": "/h"},
            "/h/.cache/shared-ollama/run",
            "/h/.cache/shared-ollama/logs",
            "/h/.ollama/models",
        ),
        (
            {"HOME": "/h", "XDG_RUNTIME_DIR": "/run/user/1"},
            "/run/user/1/shared-ollama",
            "/h/.cache/shared-ollama/logs",
            "/h/.ollama/models",
        ),
        (
            {
                "HOME": "/h",
                "XDG_RUNTIME_DIR": "/run/user/1",
                "SHARED_OLLAMA_RUNTIME_DIR": "/r",
                "SHARED_OLLAMA_LOGS_DIR": "/l",
                "OLLAMA_MODELS": "/m",
            },
            "/r",
            "/l",
            "/m",
        ),
    ],
)
def test_daemon_settings_from_env_reads_each_variable(
    environ: dict[str, str], runtime: str, logs: str, models: str
) -> None:
    """Folders come from the shared-ollama variables, then XDG, then the home folder."""
    settings = DaemonSettings.from_env(environ)
    assert settings.runtime_dir == Path(runtime)
    assert settings.logs_dir == Path(logs)
    assert settings.models_dir == Path(models)
    assert settings.pid_path(11434) == Path(runtime) / "ollama-11434.pid"
    assert settings.error_log_path == Path(logs) / "ollama.error.log"


def test_pid_record_round_trips_through_json() -> None:
    """The pid file holds pid, create time, port, binary and URL, as JSON."""
    record = PidRecord(123, 1700000000.25, 11434, "/usr/bin/ollama", "http://127.0.0.1:11434")
    assert json.loads(record.to_json())["create_time"] == 1700000000.25
    assert PidRecord.from_json(record.to_json()) == record


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        "[]",
        '{"pid": 1}',
        '{"pid": "x", "create_time": 1, "port": 1, "binary": "b", "base_url": "u"}',
    ],
)
def test_pid_record_from_json_rejects_corrupt_files(text: str) -> None:
    """A corrupt pid file reads as no record."""
    assert PidRecord.from_json(text) is None


def serving(
    create_time: float, binary: str = "/opt/ollama", uid: int | None = None
) -> ProcessFacts:
    """The facts of ``binary serve`` started at ``create_time``."""
    return ProcessFacts(create_time, exe=binary, cmdline=(binary, "serve"), uid=uid)


@pytest.mark.parametrize(
    ("recorded", "actual", "matches"),
    [(100.0, 100.0, True), (100.0, 100.04, True), (100.0, 100.5, False), (100.0, None, False)],
)
def test_identity_matches_needs_the_same_create_time(
    recorded: float, actual: float | None, matches: bool
) -> None:
    """A recycled pid (other create time) or a dead one is not our daemon."""
    record = PidRecord(7, recorded, 1, "/opt/ollama", "u")
    facts = None if actual is None else serving(actual)
    assert identity_matches(record, facts) is matches


@pytest.mark.parametrize(
    ("facts", "identity"),
    [
        (serving(100.0), "ours"),
        (serving(100.0, uid=1000), "ours"),
        (ProcessFacts(100.0, "/opt/ollama (deleted)", ("/opt/ollama", "serve")), "ours"),
        (ProcessFacts(100.0, "/usr/bin/python3", ("python3", "/opt/ollama", "serve")), "ours"),
        (ProcessFacts(100.0, "/usr/bin/sleep", ("sleep", "1000")), "impostor"),
        (ProcessFacts(100.0, "/usr/bin/sleep", ("/opt/ollama", "serve")), "impostor"),
        (ProcessFacts(100.0, "/opt/ollama", ("/opt/ollama", "run", "m")), "impostor"),
        (ProcessFacts(100.0, None, ()), "impostor"),  # the system would not say: not ours
        (serving(100.0, uid=0), "impostor"),  # another user's
        (serving(250.0), "gone"),  # a recycled pid
        (None, "gone"),
    ],
)
def test_identify_needs_the_recorded_executable_serving_as_this_user(
    facts: ProcessFacts | None, identity: str
) -> None:
    """Ours is the same create time, the same user, and the recorded binary running ``serve``."""
    record = PidRecord(7, 100.0, 1, "/opt/ollama", "u")
    assert identify(record, facts, uid=1000) == identity


@pytest.mark.parametrize(
    ("recorded_exe", "facts", "identity"),
    [
        (
            "/nix/store/x/.ollama-wrapped",
            ProcessFacts(
                1.0, "/nix/store/x/.ollama-wrapped", ("/nix/store/x/.ollama-wrapped", "serve")
            ),
            "ours",
        ),
        (
            None,
            ProcessFacts(
                1.0, "/nix/store/x/.ollama-wrapped", ("/nix/store/x/.ollama-wrapped", "serve")
            ),
            "impostor",
        ),
        ("/usr/bin/sleep", ProcessFacts(1.0, "/usr/bin/sleep", ("sleep", "serve")), "impostor"),
    ],
)
def test_identify_follows_a_wrapper_to_the_executable_seen_when_it_answered(
    recorded_exe: str | None, facts: ProcessFacts, identity: str
) -> None:
    """A wrapper's exec'd Ollama is recognised from the pid file's ``exe``; a forged ``exe`` is not."""
    record = PidRecord(7, 1.0, 1, "/usr/bin/ollama", "u", exe=recorded_exe)
    assert PidRecord.from_json(record.to_json()) == record
    assert identify(record, facts, uid=1000) == identity


def test_write_record_then_read_and_owned_record(tmp_path: Path) -> None:
    """A record is ours only while a process with its pid and create time lives."""
    settings = DaemonSettings(tmp_path, tmp_path, tmp_path)
    record = PidRecord(42, 5.0, PORT, "b", URL)
    write_record(settings.pid_path(PORT), record)
    assert read_record(settings.pid_path(PORT)) == record
    assert owned_record(settings, PORT, lambda pid: serving(5.0, "b")) == record
    assert owned_record(settings, PORT, lambda pid: serving(6.0, "b")) is None
    assert owned_record(settings, PORT, lambda pid: serving(5.0, "other")) is None
    assert owned_record(settings, PORT, lambda pid: None) is None
    assert not list(tmp_path.glob("*.tmp"))


def test_rotate_log_renames_only_an_oversized_log(tmp_path: Path) -> None:
    """Over the cap the log becomes ``.1`` (replacing an older one); under it, nothing moves."""
    log = tmp_path / "ollama.log"
    assert rotate_log(log, 10) is False
    log.write_text("12345")
    assert rotate_log(log, 10) is False
    log.write_text("x" * 11)
    (tmp_path / "ollama.log.1").write_text("old")
    assert rotate_log(log, 10) is True
    assert not log.exists()
    assert (tmp_path / "ollama.log.1").read_text() == "x" * 11


def test_tail_lines_returns_the_last_lines(tmp_path: Path) -> None:
    """The tail keeps the last N lines; a missing file has none."""
    log = tmp_path / "err.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail_lines(log, 3) == ["line 97", "line 98", "line 99"]
    assert len(tail_lines(log)) == 20
    assert tail_lines(tmp_path / "missing.log") == []


@pytest.mark.parametrize(
    "url", ["http://gpu-box:11434", "https://127.0.0.1:11434", "http://127.0.0.1:11434/ollama"]
)
def test_local_target_refuses_addresses_this_machine_cannot_serve(url: str) -> None:
    """Only plain http on loopback can be started or stopped here."""
    with pytest.raises(ValueError, match="cannot manage a daemon"):
        local_target(url)


@pytest.mark.parametrize("url", ["http://localhost:11434", ":12150", "http://[::1]:11434"])
def test_local_target_accepts_loopback_addresses(url: str) -> None:
    """localhost, 127.0.0.1 and ::1 are this machine."""
    assert local_target(url).is_loopback


# --- start with fakes ------------------------------------------------------------------------


class FakeServer:
    """The daemon as seen through probes: down until a spawned process 'comes up'."""

    def __init__(self, *, up: bool = False, up_after_probes: int | None = None) -> None:
        self.up = up
        self.probes = 0
        self.up_after_probes = up_after_probes
        self.lock = threading.Lock()

    def probe(self, base_url: str | None = None, *, timeout: float = 2.0) -> ServiceHealth:
        with self.lock:
            self.probes += 1
            if self.up_after_probes is not None and self.probes > self.up_after_probes:
                self.up = True
            up = self.up
        return ServiceHealth(up, URL, "0.5.4" if up else None, error=None if up else "refused")


class FakeProcess:
    """A spawned process whose exit code and liveness the test controls."""

    def __init__(self, pid: int, code: int | None = None) -> None:
        self.pid = pid
        self.code = code
        self.terminated = False

    def poll(self) -> int | None:
        return self.code

    def terminate(self) -> None:
        self.terminated = True
        self.code = -15

    def wait(self, timeout: float | None = None) -> int:
        return self.code if self.code is not None else 0


class FakeSpawn:
    """Records each spawn; optionally marks the server up or writes to the error log."""

    def __init__(
        self,
        server: FakeServer,
        *,
        comes_up: bool = True,
        stderr_text: str = "",
        exit_code: int | None = None,
    ) -> None:
        self.server = server
        self.comes_up = comes_up
        self.stderr_text = stderr_text
        self.exit_code = exit_code
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.processes: list[FakeProcess] = []

    def __call__(
        self, argv: list[str], env: Mapping[str, str], stdout: IO[bytes], stderr: IO[bytes]
    ) -> FakeProcess:
        self.calls.append((argv, dict(env)))
        stderr.write(self.stderr_text.encode())
        stderr.flush()
        if self.comes_up:
            with self.server.lock:
                self.server.up = True
        process = FakeProcess(40000 + len(self.calls), self.exit_code)
        self.processes.append(process)
        return process


class Clock:
    """A fake monotonic clock advanced by the fake sleep."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def runtime_for(
    server: FakeServer,
    spawn: FakeSpawn,
    clock: Clock | None = None,
    alive: dict[int, float] | None = None,
) -> DaemonRuntime:
    """A runtime where every process spawned by ``spawn`` is alive with create time 1000+pid."""
    clock = clock or Clock()

    def inspect(pid: int) -> ProcessFacts | None:
        if alive is not None and pid in alive:
            return serving(alive[pid])
        for process in spawn.processes:
            if process.pid == pid and process.code is None:
                return serving(1000.0 + pid)
        return None

    return DaemonRuntime(
        probe=server.probe,
        spawn=spawn,
        inspect=inspect,
        machine=lambda: MACHINE,
        clock=clock,
        sleep=clock.sleep,
    )


@pytest.fixture
def settings(tmp_path: Path) -> DaemonSettings:
    """Daemon folders in a temporary directory, with a tiny log cap."""
    return DaemonSettings(
        runtime_dir=tmp_path / "run",
        logs_dir=tmp_path / "logs",
        models_dir=tmp_path / "models",
        log_max_bytes=100,
        environ={"PATH": "/usr/bin", "OLLAMA_KEEP_ALIVE": "", "OLLAMA_NUM_THREAD": "3"},
    )


def test_start_daemon_spawns_serve_and_writes_the_pid_file(settings: DaemonSettings) -> None:
    """Nothing answers: ``binary serve`` starts with the computed env, and a pid file is written."""
    server = FakeServer()
    spawn = FakeSpawn(server)
    info = start_daemon(
        base_url=URL, settings=settings, binary="/opt/ollama", runtime=runtime_for(server, spawn)
    )
    assert info.started is True
    assert info.pid == 40001
    assert info.version == "0.5.4"
    [(argv, env)] = spawn.calls
    assert argv == ["/opt/ollama", "serve"]
    assert env["OLLAMA_HOST"] == f"127.0.0.1:{PORT}"
    assert env["OLLAMA_KEEP_ALIVE"] == "5m"
    assert env["OLLAMA_NUM_THREAD"] == "3"  # the user's value wins
    assert env["PATH"] == "/usr/bin"
    assert info.environment is not None
    assert info.environment.sources["OLLAMA_NUM_THREAD"] == "user"
    pid_file = json.loads(settings.pid_path(PORT).read_text())
    assert pid_file == {
        "pid": 40001,
        "create_time": 41001.0,
        "port": PORT,
        "binary": "/opt/ollama",
        "base_url": URL,
    }
    assert settings.log_path.exists()
    assert settings.error_log_path.exists()


def test_start_daemon_does_nothing_when_ollama_already_answers(settings: DaemonSettings) -> None:
    """An answering server (ours or not) is left as it is."""
    server = FakeServer(up=True)
    spawn = FakeSpawn(server)
    info = start_daemon(
        base_url=URL, settings=settings, binary="/opt/ollama", runtime=runtime_for(server, spawn)
    )
    assert info.started is False
    assert info.pid is None
    assert spawn.calls == []


def test_start_daemon_rechecks_health_after_taking_the_lock(settings: DaemonSettings) -> None:
    """Down before the lock, up once it is held (someone else started it): no second spawn."""
    server = FakeServer(up_after_probes=1)
    spawn = FakeSpawn(server)
    info = start_daemon(
        base_url=URL, settings=settings, binary="/opt/ollama", runtime=runtime_for(server, spawn)
    )
    assert info.started is False
    assert server.probes == 2
    assert spawn.calls == []


def test_start_daemon_from_eight_threads_spawns_once(settings: DaemonSettings) -> None:
    """Eight concurrent starts share the file lock: exactly one spawn."""
    server = FakeServer()
    spawn = FakeSpawn(server)
    runtime = runtime_for(server, spawn)
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        results.append(
            start_daemon(base_url=URL, settings=settings, binary="/opt/ollama", runtime=runtime)
        )

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(spawn.calls) == 1
    assert len(results) == 8
    assert sum(info.started for info in results) == 1
    assert {info.pid for info in results} == {40001}


def test_start_daemon_rotates_an_oversized_log(settings: DaemonSettings) -> None:
    """Logs over the cap are renamed to ``.1`` before the daemon starts writing."""
    settings.logs_dir.mkdir(parents=True)
    settings.error_log_path.write_text("e" * 500)
    server = FakeServer()
    start_daemon(
        base_url=URL,
        settings=settings,
        binary="/opt/ollama",
        runtime=runtime_for(server, FakeSpawn(server)),
    )
    assert (settings.logs_dir / "ollama.error.log.1").read_text() == "e" * 500
    assert settings.error_log_path.read_text() == ""


def test_start_daemon_reports_an_early_exit_with_the_error_log_tail(
    settings: DaemonSettings,
) -> None:
    """A daemon that exits before answering fails the start; the message has its stderr."""
    server = FakeServer()
    spawn = FakeSpawn(
        server,
        comes_up=False,
        exit_code=1,
        stderr_text="Error: listen tcp 127.0.0.1:12150: bind: address already in use\n",
    )
    with pytest.raises(OllamaUnavailableError) as caught:
        start_daemon(
            base_url=URL,
            settings=settings,
            binary="/opt/ollama",
            runtime=runtime_for(server, spawn),
        )
    message = str(caught.value)
    assert "exited with code 1" in message
    assert "bind: address already in use" in message
    assert str(settings.error_log_path) in message
    assert not settings.pid_path(PORT).exists()


def test_start_daemon_stops_a_daemon_that_never_answers(settings: DaemonSettings) -> None:
    """Past the deadline the silent daemon is terminated and the pid file removed."""
    server = FakeServer()
    spawn = FakeSpawn(server, comes_up=False)
    clock = Clock()
    with pytest.raises(OllamaUnavailableError, match=r"did not answer .* within 2s") as caught:
        start_daemon(
            base_url=URL,
            settings=settings,
            binary="/opt/ollama",
            deadline_s=2,
            runtime=runtime_for(server, spawn, clock),
        )
    assert spawn.processes[0].terminated is True
    assert not settings.pid_path(PORT).exists()
    assert "is empty" in str(caught.value)
    assert clock.now >= 2


def test_start_daemon_waits_for_our_daemon_that_is_still_starting(
    settings: DaemonSettings,
) -> None:
    """A live daemon of ours that does not answer yet is waited for, not doubled."""
    settings.runtime_dir.mkdir(parents=True)
    write_record(settings.pid_path(PORT), PidRecord(777, 55.0, PORT, "/opt/ollama", URL))
    server = FakeServer(up_after_probes=4)
    spawn = FakeSpawn(server)
    info = start_daemon(
        base_url=URL,
        settings=settings,
        binary="/opt/ollama",
        runtime=runtime_for(server, spawn, alive={777: 55.0}),
    )
    assert spawn.calls == []
    assert info.started is False
    assert info.pid == 777


def test_start_daemon_replaces_a_stale_pid_file(settings: DaemonSettings) -> None:
    """A pid file whose process is gone (e.g. after kill -9) does not block a new start."""
    settings.runtime_dir.mkdir(parents=True)
    write_record(settings.pid_path(PORT), PidRecord(778, 55.0, PORT, "/opt/ollama", URL))
    server = FakeServer()
    spawn = FakeSpawn(server)
    info = start_daemon(
        base_url=URL, settings=settings, binary="/opt/ollama", runtime=runtime_for(server, spawn)
    )
    assert info.started is True
    assert read_record(settings.pid_path(PORT)) == PidRecord(
        40001, 41001.0, PORT, "/opt/ollama", URL
    )


def test_start_daemon_refuses_a_log_planted_as_a_link(settings: DaemonSettings) -> None:
    """A log file that is a symbolic link stops the start; the file it points to is untouched."""
    settings.logs_dir.mkdir(parents=True, mode=0o700)
    victim = settings.logs_dir.parent / "victim"
    victim.write_text("precious", encoding="utf-8")
    settings.error_log_path.symlink_to(victim)
    server = FakeServer()
    spawn = FakeSpawn(server)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        start_daemon(
            base_url=URL,
            settings=settings,
            binary="/opt/ollama",
            runtime=runtime_for(server, spawn),
        )
    assert spawn.calls == []
    assert victim.read_text(encoding="utf-8") == "precious"


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="modes are POSIX")
@pytest.mark.parametrize("folder", ["runtime_dir", "logs_dir"])
def test_start_daemon_refuses_a_folder_others_may_write(
    settings: DaemonSettings, folder: str
) -> None:
    """A runtime or log folder others may write to is refused, with the variable that moves it."""
    path: Path = getattr(settings, folder)
    path.mkdir(parents=True)
    path.chmod(0o777)
    variable = {"runtime_dir": "SHARED_OLLAMA_RUNTIME_DIR", "logs_dir": "SHARED_OLLAMA_LOGS_DIR"}
    server = FakeServer()
    spawn = FakeSpawn(server)
    with pytest.raises(UnsafePathError, match=f"chmod 700 .*{variable[folder]}"):
        start_daemon(
            base_url=URL,
            settings=settings,
            binary="/opt/ollama",
            runtime=runtime_for(server, spawn),
        )
    assert spawn.calls == []


def test_start_daemon_writes_private_files(settings: DaemonSettings) -> None:
    """The runtime and log folders are 0700, the pid file and logs 0600."""
    server = FakeServer()
    spawn = FakeSpawn(server)
    start_daemon(
        base_url=URL, settings=settings, binary="/opt/ollama", runtime=runtime_for(server, spawn)
    )
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in (
            settings.runtime_dir,
            settings.logs_dir,
            settings.pid_path(PORT),
            settings.lock_path(PORT),
            settings.log_path,
            settings.error_log_path,
        )
    }
    assert modes == {
        "run": 0o700,
        "logs": 0o700,
        f"ollama-{PORT}.pid": 0o600,
        f"ollama-{PORT}.lock": 0o600,
        "ollama.log": 0o600,
        "ollama.error.log": 0o600,
    }


def test_daemon_lock_wait_past_its_timeout_is_our_error(settings: DaemonSettings) -> None:
    """A lock held elsewhere for too long raises OllamaUnavailableError naming the lock file."""
    settings.runtime_dir.mkdir(parents=True)
    expected = r"another process held .*ollama-12150\.lock"
    with (
        filelock.FileLock(str(settings.lock_path(PORT))),
        pytest.raises(OllamaUnavailableError, match=expected),
    ):
        daemon_lock(settings, PORT, 0.05, URL).__enter__()


# --- stop with real, harmless processes ------------------------------------------------------


def _fake_ollama(folder: Path, body: str) -> Path:
    """A stand-in ``ollama`` executable (a Python script) that runs ``body`` when served."""
    script = folder / "ollama"
    script.write_text(body, encoding="utf-8")
    return script


def _serve(
    script: Path, *, new_session: bool = True, ready: bool = False
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, str(script), "serve"],
        start_new_session=new_session,
        stdout=subprocess.PIPE if ready else None,
    )
    if ready:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
    while psutil.Process(process.pid).cmdline()[-1:] != ["serve"]:  # exec may lag the fork
        time.sleep(0.01)
    return process


def _reap_child(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


SLEEPS = "import time; time.sleep(120)\n"
IGNORES_SIGTERM = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(120)\n"
)


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A stand-in daemon (``ollama serve``) in its own session that sleeps; always reaped."""
    process = _serve(_fake_ollama(tmp_path, SLEEPS))
    yield process
    _reap_child(process)


@pytest.fixture
def stubborn(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A stand-in daemon that ignores SIGTERM (it needs SIGKILL); always reaped."""
    process = _serve(_fake_ollama(tmp_path, IGNORES_SIGTERM), ready=True)
    yield process
    _reap_child(process)


def _record_for(process: subprocess.Popen[bytes], create_time: float | None = None) -> PidRecord:
    """The pid record shared-ollama would have written for this stand-in daemon."""
    actual = psutil.Process(process.pid).create_time()
    binary = str(process.args[1])  # type: ignore[index]
    return PidRecord(process.pid, actual if create_time is None else create_time, PORT, binary, URL)


def _down_runtime() -> DaemonRuntime:
    server = FakeServer()
    return DaemonRuntime(probe=server.probe, machine=lambda: MACHINE)


def test_stop_daemon_terminates_our_daemon(
    settings: DaemonSettings, sleeper: subprocess.Popen[bytes]
) -> None:
    """The recorded process (pid and create time match) gets SIGTERM; the pid file goes."""
    settings.runtime_dir.mkdir(parents=True)
    write_record(settings.pid_path(PORT), _record_for(sleeper))
    result = stop_daemon(base_url=URL, settings=settings, runtime=_down_runtime())
    assert result.outcome == "stopped"
    assert result.pid == sleeper.pid
    sleeper.wait(timeout=10)  # already reaped by stop_daemon's psutil wait
    assert not psutil.pid_exists(sleeper.pid)
    assert not settings.pid_path(PORT).exists()


def test_stop_daemon_kills_a_daemon_that_ignores_sigterm(
    settings: DaemonSettings, stubborn: subprocess.Popen[bytes]
) -> None:
    """After the timeout, SIGKILL goes to the daemon's process group."""
    settings.runtime_dir.mkdir(parents=True)
    write_record(settings.pid_path(PORT), _record_for(stubborn))
    result = stop_daemon(base_url=URL, settings=settings, timeout_s=0.3, runtime=_down_runtime())
    assert result.outcome == "killed"
    stubborn.wait(timeout=10)
    assert not psutil.pid_exists(stubborn.pid)


def test_stop_daemon_never_signals_a_process_with_another_create_time(
    settings: DaemonSettings, sleeper: subprocess.Popen[bytes]
) -> None:
    """A recycled pid (create time differs) is someone else's: untouched, stale file removed."""
    settings.runtime_dir.mkdir(parents=True)
    write_record(settings.pid_path(PORT), _record_for(sleeper, create_time=1.0))
    result = stop_daemon(base_url=URL, settings=settings, runtime=_down_runtime())
    assert result.outcome == "stale"
    assert sleeper.poll() is None
    assert not settings.pid_path(PORT).exists()


@pytest.mark.parametrize("claimed_binary", ["/usr/local/bin/ollama", "sleep"])
def test_stop_daemon_refuses_a_forged_pid_file_naming_a_real_sleep(
    settings: DaemonSettings, claimed_binary: str
) -> None:
    """A pid file naming a living ``sleep`` (right pid and create time) is refused; it survives."""
    victim = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        while psutil.Process(victim.pid).cmdline() != ["sleep", "60"]:  # exec may lag the fork
            time.sleep(0.01)
        settings.runtime_dir.mkdir(parents=True)
        created = psutil.Process(victim.pid).create_time()
        forged = PidRecord(victim.pid, created, PORT, claimed_binary, URL)
        write_record(settings.pid_path(PORT), forged)
        result = stop_daemon(
            base_url=URL, settings=settings, timeout_s=0.2, runtime=_down_runtime()
        )
        assert result.outcome == "refused"
        assert result.ok is False
        assert result.pid == victim.pid
        assert "`sleep 60`" in result.message
        assert "Nothing was signalled" in result.message
        assert victim.poll() is None
        assert psutil.Process(victim.pid).status() != psutil.STATUS_ZOMBIE
        assert read_record(settings.pid_path(PORT)) == forged  # kept for inspection
    finally:
        victim.kill()
        victim.wait()


def test_stop_daemon_kills_only_the_daemon_when_it_does_not_lead_its_group(
    settings: DaemonSettings, tmp_path: Path
) -> None:
    """SIGKILL goes to the group only when it is the one we created; else to the daemon alone."""
    daemon = _serve(_fake_ollama(tmp_path, IGNORES_SIGTERM), new_session=False, ready=True)
    bystander = subprocess.Popen(["sleep", "60"])  # shares the test's process group
    try:
        assert os.getpgid(daemon.pid) == os.getpgid(bystander.pid) != daemon.pid
        settings.runtime_dir.mkdir(parents=True)
        write_record(settings.pid_path(PORT), _record_for(daemon))
        result = stop_daemon(
            base_url=URL, settings=settings, timeout_s=0.3, runtime=_down_runtime()
        )
        assert result.outcome == "killed"
        daemon.wait(timeout=10)
        assert bystander.poll() is None
    finally:
        _reap_child(daemon)
        bystander.kill()
        bystander.wait()


def test_stop_daemon_leaves_a_daemon_it_did_not_start(settings: DaemonSettings) -> None:
    """An answering Ollama without our pid file is someone else's: reported, not stopped."""
    server = FakeServer(up=True)
    result = stop_daemon(base_url=URL, settings=settings, runtime=DaemonRuntime(probe=server.probe))
    assert result.outcome == "not_ours"
    assert result.ok is False
    assert "left alone" in result.message


def test_stop_daemon_with_nothing_running_is_fine(settings: DaemonSettings) -> None:
    """Stopping when nothing runs succeeds and says so."""
    result = stop_daemon(base_url=URL, settings=settings, runtime=_down_runtime())
    assert result.outcome == "not_running"
    assert result.ok is True


# --- status and warm -------------------------------------------------------------------------

PS = {
    "models": [
        {"name": "a:1b", "size": 3 * GIB, "size_vram": 0, "expires_at": "2030-01-01T00:00:00Z"},
        {"model": "b:7b", "size": 6 * GIB},
        "junk",
    ]
}


def fake_ollama(request: httpx.Request) -> httpx.Response:
    """Enough of Ollama for status and warm."""
    if request.url.path == "/api/version":
        return httpx.Response(200, json={"version": "0.5.4"})
    if request.url.path == "/api/ps":
        return httpx.Response(200, json=PS)
    if request.url.path == "/api/generate":
        body = json.loads(request.content)
        if body["model"] == "missing":
            return httpx.Response(
                404, json={"error": 'model "missing" not found, try pulling it first'}
            )
        assert body == {"model": body["model"], "prompt": "", "keep_alive": "30m", "stream": False}
        return httpx.Response(
            200,
            json={
                "model": body["model"],
                "response": "",
                "done": True,
                "done_reason": "load",
                "load_duration": 1_500_000_000,
            },
        )
    return httpx.Response(404)


def test_loaded_models_from_ps_keeps_sizes_and_skips_junk() -> None:
    """Each loaded model keeps its name, size and expiry; non-objects are skipped."""
    models = loaded_models_from_ps(PS)
    assert [(m.name, m.size_bytes, m.expires_at) for m in models] == [
        ("a:1b", 3 * GIB, "2030-01-01T00:00:00Z"),
        ("b:7b", 6 * GIB, None),
    ]


def test_daemon_status_reports_models_store_and_budget_warning(
    settings: DaemonSettings, tmp_path: Path
) -> None:
    """Status has the version, loaded models, store size and a warning over budget."""
    settings.models_dir.mkdir(parents=True)
    (settings.models_dir / "blob").write_bytes(b"x" * 1000)
    runtime = DaemonRuntime(machine=lambda: MACHINE)  # budget 8 GiB < 9 GiB loaded
    status = daemon_status(
        base_url=URL, settings=settings, runtime=runtime, transport=httpx.MockTransport(fake_ollama)
    )
    assert status.up is True
    assert status.version == "0.5.4"
    assert status.managed is False
    assert [m.name for m in status.loaded_models] == ["a:1b", "b:7b"]
    assert status.models_dir_bytes == 1000
    assert status.budget_bytes == 8 * GIB
    assert len(status.warnings) == 1
    assert "9.0 GiB" in status.warnings[0]
    assert status.to_dict()["loaded_models"][0]["size_bytes"] == 3 * GIB


def test_folder_size_of_a_missing_folder_is_zero(tmp_path: Path) -> None:
    """A model store that does not exist yet is empty."""
    assert folder_size(tmp_path / "nothing") == 0


def test_warm_models_loads_each_model_with_keep_alive() -> None:
    """Each model gets an empty generate with keep_alive; a missing one says how to pull it."""
    results = warm_models(
        ["a:1b", "missing"],
        keep_alive="30m",
        base_url=URL,
        transport=httpx.MockTransport(fake_ollama),
    )
    assert results[0].ok is True
    assert results[0].load_duration_s == 1.5
    assert results[1].ok is False
    assert results[1].error is not None
    assert "shared-ollama pull missing" in results[1].error


def test_warm_models_raises_when_nothing_answers() -> None:
    """No server: OllamaUnavailableError, not a list of failures."""

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(OllamaUnavailableError, match="connection refused"):
        warm_models(["a"], base_url=URL, transport=httpx.MockTransport(refused))


def test_warm_result_reads_a_server_error_text() -> None:
    """A 500 keeps Ollama's own error text."""
    result = warm_result("m", 500, {"error": "llama runner process has terminated"})
    assert result.ok is False
    assert result.error == "llama runner process has terminated"
