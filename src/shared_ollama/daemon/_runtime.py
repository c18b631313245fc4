"""The process seam of daemon management: spawn, inspect and reap, and the cross-process lock.

:class:`DaemonRuntime` bundles the I/O that starting and stopping use (tests replace parts of it
with fakes); :func:`daemon_lock` is the file lock that makes many processes starting at once
start exactly one daemon; :func:`local_target` refuses an address no local daemon can serve.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Protocol

import filelock
import psutil

from shared_ollama._errors import OllamaUnavailableError
from shared_ollama._host import OllamaHost, resolve_host
from shared_ollama._private_files import (
    PRIVATE_FILE_MODE,
    check_not_symlink,
    private_dir,
)
from shared_ollama.daemon._files import (
    DaemonSettings,
    ProcessFacts,
)
from shared_ollama.daemon._health import ServiceHealth, check_service_health
from shared_ollama.daemon._serve_env import (
    MachineInfo,
)

__all__ = [
    "DEFAULT_RUNTIME",
    "DaemonRuntime",
    "ProcessHandle",
    "Spawn",
    "daemon_lock",
    "local_target",
    "reap",
]


def local_target(base_url: str | None) -> OllamaHost:
    """The address of a daemon this machine can start or stop.

    Raises:
        ValueError: The address is not on this machine (or uses https), so no local daemon
            can serve it.
    """
    host = resolve_host(base_url)
    if not host.is_loopback or host.scheme != "http" or host.path:
        raise ValueError(
            f"cannot manage a daemon for {host.base_url}: only a plain http address on this "
            "machine (127.0.0.1, localhost, [::1]) can be started or stopped here. Start Ollama "
            "on the machine that serves that address."
        )
    return host


class ProcessHandle(Protocol):
    """What :func:`start_daemon` needs from a spawned process (``subprocess.Popen`` fits)."""

    @property
    def pid(self) -> int:
        """The process id."""

    def poll(self) -> int | None:
        """The exit code, or ``None`` while running."""

    def terminate(self) -> None:
        """Ask the process to stop."""

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the exit code."""


Spawn = Callable[[list[str], Mapping[str, str], IO[bytes], IO[bytes]], ProcessHandle]

# Daemons this process started, kept so they are reaped (no zombie, no ResourceWarning).
_SPAWNED: dict[int, subprocess.Popen[bytes]] = {}


def _spawn_detached(
    argv: list[str], env: Mapping[str, str], stdout: IO[bytes], stderr: IO[bytes]
) -> ProcessHandle:
    extra: dict[str, Any] = {}
    if sys.platform == "win32":  # pragma: no cover - POSIX here
        extra["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS
    else:
        extra["start_new_session"] = True
    process = subprocess.Popen(  # noqa: S603 (argv is the ollama binary and "serve")
        argv,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        env=dict(env),
        close_fds=True,
        **extra,
    )
    _SPAWNED[process.pid] = process
    return process


def _optional(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except (psutil.AccessDenied, psutil.ZombieProcess):  # the system will not say: unknown
        return None


def _process_facts(pid: int) -> ProcessFacts | None:
    """What the system says about the living process ``pid``, or ``None`` when there is none."""
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            if process.status() == psutil.STATUS_ZOMBIE:
                reap(pid)
                return None
            uids = _optional(process.uids) if hasattr(process, "uids") else None
            return ProcessFacts(
                create_time=process.create_time(),
                exe=_optional(process.exe) or None,
                cmdline=tuple(_optional(process.cmdline) or ()),
                uid=uids.real if uids is not None else None,
            )
    except psutil.Error:  # gone, or not even its create time may be read: not ours to touch
        return None


def reap(pid: int) -> None:
    """Collect the exit status of a daemon this process spawned, once it has ended."""
    process = _SPAWNED.get(pid)
    if process is None:
        return
    try:
        process.wait(timeout=0)
    except subprocess.TimeoutExpired:
        return  # still running: keep the handle so it is reaped later
    del _SPAWNED[pid]


@dataclass(frozen=True, slots=True)
class DaemonRuntime:
    """The I/O that daemon management uses; tests replace parts of it with fakes.

    Attributes:
        probe: Health probe (``check_service_health``).
        spawn: Starts a detached process with redirected output.
        inspect: The facts about a living pid (create time, executable, command line, user),
            or ``None`` when no process holds it.
        machine: Describes this machine (``MachineInfo.detect``).
        clock: Monotonic clock.
        sleep: Pause between probes.
    """

    probe: Callable[..., ServiceHealth] = check_service_health
    spawn: Spawn = _spawn_detached
    inspect: Callable[[int], ProcessFacts | None] = _process_facts
    machine: Callable[[], MachineInfo] = MachineInfo.detect
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


DEFAULT_RUNTIME = DaemonRuntime()


@contextlib.contextmanager
def daemon_lock(settings: DaemonSettings, port: int, timeout: float, url: str) -> Iterator[None]:
    """Hold the daemon's cross-process lock; a wait past ``timeout`` becomes our error."""
    private_dir(settings.runtime_dir, variable="SHARED_OLLAMA_RUNTIME_DIR")
    path = check_not_symlink(settings.lock_path(port))
    lock = filelock.FileLock(str(path), timeout=timeout, mode=PRIVATE_FILE_MODE)
    try:
        lock.acquire()
    except filelock.Timeout as exc:
        raise OllamaUnavailableError(
            f"another process held {settings.lock_path(port)} for over {timeout:g}s while "
            f"starting or stopping Ollama at {url}; check `shared-ollama status` and the logs in "
            f"{settings.logs_dir}",
            host=url,
        ) from exc
    try:
        yield
    finally:
        lock.release()
