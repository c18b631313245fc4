"""Starting and stopping the shared ``ollama serve`` on this machine.

A start happens under a cross-process file lock, and health is checked again once the lock is
held, so many processes starting at once start exactly one daemon. It runs detached (its own
session), logs to the files :mod:`shared_ollama.daemon._files` describes, and counts as started
once ``/api/version`` answers. A stop signals only the process the pid file names, and only
when it is the one we started (same create time, same user, the recorded executable running
``serve``); its process group gets SIGKILL only when it is the group we created. A pid file that
names any other living process is refused, and nothing is signalled.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import psutil

from shared_ollama._errors import OllamaUnavailableError, SharedOllamaError
from shared_ollama._host import OllamaHost
from shared_ollama._private_files import (
    open_private_log,
    private_dir,
)
from shared_ollama.daemon._binary import find_ollama_binary
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
from shared_ollama.daemon._runtime import (
    DEFAULT_RUNTIME,
    DaemonRuntime,
    daemon_lock,
    local_target,
    reap,
)
from shared_ollama.daemon._serve_env import (
    DEFAULT_KEEP_ALIVE,
    ServeEnvironment,
    serve_environment,
)

__all__ = [
    "DEFAULT_START_DEADLINE_S",
    "DEFAULT_STOP_TIMEOUT_S",
    "DaemonInfo",
    "StopResult",
    "start_daemon",
    "stop_daemon",
]

DEFAULT_START_DEADLINE_S = 30.0
DEFAULT_STOP_TIMEOUT_S = 10.0
_POLL_INTERVAL_S = 0.1
_LOCK_MARGIN_S = 30.0


# --- start -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DaemonInfo:
    """What :func:`start_daemon` did.

    Attributes:
        base_url: Where the daemon answers.
        started: ``True`` when this call started it, ``False`` when one already answered.
        pid: The daemon's pid when shared-ollama started it (now or earlier), else ``None``.
        version: The server's version.
        binary: The executable started (``None`` when nothing was started).
        log_path: The daemon's stdout log.
        error_log_path: The daemon's stderr log.
        environment: The serve environment used (``None`` when nothing was started).
    """

    base_url: str
    started: bool
    pid: int | None
    version: str | None
    binary: str | None = None
    log_path: Path | None = None
    error_log_path: Path | None = None
    environment: ServeEnvironment | None = None


def _failure(message: str, settings: DaemonSettings, url: str) -> OllamaUnavailableError:
    tail = tail_lines(settings.error_log_path)
    if tail:
        message += f"\nLast lines of {settings.error_log_path}:\n" + "\n".join(tail)
    else:
        message += f"\n{settings.error_log_path} is empty."
    return OllamaUnavailableError(message, host=url)


def start_daemon(
    *,
    base_url: str | None = None,
    settings: DaemonSettings | None = None,
    binary: str | os.PathLike[str] | None = None,
    env_overrides: Mapping[str, str] | None = None,
    keep_alive: str = DEFAULT_KEEP_ALIVE,
    bind_all: bool = False,
    deadline_s: float = DEFAULT_START_DEADLINE_S,
    runtime: DaemonRuntime = DEFAULT_RUNTIME,
) -> DaemonInfo:
    """Start ``ollama serve`` for ``base_url`` unless an Ollama already answers there.

    Safe to call from many processes at once: the start happens under a file lock, and health
    is checked again once the lock is held, so exactly one daemon starts.

    Args:
        base_url: The loopback address to serve (default: resolved from the environment).
        settings: Folders and environment (default :meth:`DaemonSettings.from_env`).
        binary: The ``ollama`` executable (default: :func:`find_ollama_binary`).
        env_overrides: Variables set over the computed serve environment.
        keep_alive: ``OLLAMA_KEEP_ALIVE`` unless the user set it.
        bind_all: Listen on all interfaces instead of loopback (logged as a warning).
        deadline_s: How long to wait for ``/api/version`` to answer.
        runtime: The I/O seam (tests pass fakes).

    Returns:
        What was done, with the pid when we started the daemon.

    Raises:
        ValueError: ``base_url`` is not on this machine.
        OllamaBinaryNotFoundError: No ``ollama`` executable was found.
        OllamaUnavailableError: The daemon exited or did not answer in time (the message holds
            the last lines of its error log), or another process held the lock too long.
    """
    host = local_target(base_url)
    url, port = host.base_url, host.port
    cfg = settings or DaemonSettings.from_env()
    health = runtime.probe(url)
    if health.up and owned_record(cfg, port, runtime.inspect) is not None:
        return _already_up(cfg, port, health, runtime)  # the common case, without the lock
    # Down, or up without a pid file of ours yet (a start may be finishing): lock, look again.
    with daemon_lock(cfg, port, deadline_s + _LOCK_MARGIN_S, url):
        health = runtime.probe(url)
        if health.up:
            return _already_up(cfg, port, health, runtime)
        record = owned_record(cfg, port, runtime.inspect)
        if record is not None:  # ours, alive, still starting or hung
            return _await_existing(cfg, record, deadline_s, runtime)
        return _spawn_and_wait(
            cfg,
            host,
            binary=binary,
            env_overrides=env_overrides,
            keep_alive=keep_alive,
            bind_all=bind_all,
            deadline_s=deadline_s,
            runtime=runtime,
        )


def _already_up(
    settings: DaemonSettings, port: int, health: ServiceHealth, runtime: DaemonRuntime
) -> DaemonInfo:
    record = owned_record(settings, port, runtime.inspect)
    return DaemonInfo(
        base_url=health.base_url,
        started=False,
        pid=record.pid if record else None,
        version=health.version,
        binary=record.binary if record else None,
        log_path=settings.log_path,
        error_log_path=settings.error_log_path,
    )


def _await_existing(
    settings: DaemonSettings, record: PidRecord, deadline_s: float, runtime: DaemonRuntime
) -> DaemonInfo:
    end = runtime.clock() + deadline_s
    while True:
        health = runtime.probe(record.base_url)
        if health.up:
            return _already_up(settings, record.port, health, runtime)
        if runtime.clock() >= end or not identity_matches(record, runtime.inspect(record.pid)):
            raise _failure(
                f"the Ollama that shared-ollama started (pid {record.pid}) does not answer at "
                f"{record.base_url}: {health.error}. Run `shared-ollama restart`.",
                settings,
                record.base_url,
            )
        runtime.sleep(_POLL_INTERVAL_S)


def _spawn_and_wait(
    settings: DaemonSettings,
    host: OllamaHost,
    *,
    binary: str | os.PathLike[str] | None,
    env_overrides: Mapping[str, str] | None,
    keep_alive: str,
    bind_all: bool,
    deadline_s: float,
    runtime: DaemonRuntime,
) -> DaemonInfo:
    url, port = host.base_url, host.port
    executable = Path(binary) if binary is not None else find_ollama_binary(settings.environ)
    serve_env = serve_environment(
        runtime.machine(),
        port=port,
        user_env=settings.environ,
        keep_alive=keep_alive,
        bind_all=bind_all,
        loopback="[::1]" if host.host == "::1" else "127.0.0.1",
    )
    env = {**serve_env.merged(settings.environ), **(env_overrides or {})}
    private_dir(settings.logs_dir, variable="SHARED_OLLAMA_LOGS_DIR")
    for path in (settings.log_path, settings.error_log_path):
        rotate_log(path, settings.log_max_bytes)
    with (
        open_private_log(settings.log_path) as out,
        open_private_log(settings.error_log_path) as err,
    ):
        process = runtime.spawn([str(executable), "serve"], env, out, err)
    facts = runtime.inspect(process.pid)
    record = PidRecord(process.pid, facts.create_time if facts else 0.0, port, str(executable), url)
    write_record(settings.pid_path(port), record)
    end = runtime.clock() + deadline_s
    while True:
        code = process.poll()
        if code is not None:
            settings.pid_path(port).unlink(missing_ok=True)
            reap(process.pid)
            raise _failure(
                f"`{executable} serve` exited with code {code} before answering at {url}.",
                settings,
                url,
            )
        health = runtime.probe(url, timeout=1.0)
        if health.up:
            _record_exe(settings.pid_path(port), record, runtime)
            return DaemonInfo(
                base_url=url,
                started=True,
                pid=process.pid,
                version=health.version,
                binary=str(executable),
                log_path=settings.log_path,
                error_log_path=settings.error_log_path,
                environment=serve_env,
            )
        if runtime.clock() >= end:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
            reap(process.pid)
            settings.pid_path(port).unlink(missing_ok=True)
            raise _failure(
                f"`{executable} serve` did not answer at {url} within {deadline_s:g}s "
                f"({health.error}); it was stopped.",
                settings,
                url,
            )
        runtime.sleep(_POLL_INTERVAL_S)


def _record_exe(path: Path, record: PidRecord, runtime: DaemonRuntime) -> None:
    """Add to the pid file the executable the daemon runs now that it answers.

    A wrapper (``#!/bin/sh ... exec ollama-real "$@"``) has exec'd the real binary by then, and
    later identity checks must recognise that process.
    """
    facts = runtime.inspect(record.pid)
    if facts is not None and facts.exe and facts.exe != record.binary:
        write_record(path, dataclasses.replace(record, exe=facts.exe))


# --- stop ------------------------------------------------------------------------------------

StopOutcome = Literal["stopped", "killed", "not_running", "stale", "not_ours", "refused"]


@dataclass(frozen=True, slots=True)
class StopResult:
    """What :func:`stop_daemon` did.

    Attributes:
        outcome: ``stopped`` (SIGTERM sufficed), ``killed`` (SIGKILL was needed),
            ``not_running`` (nothing answers, no pid file), ``stale`` (the pid file named a
            process that is gone or not ours; the file was removed), ``not_ours`` (an Ollama
            answers that shared-ollama did not start: left alone), ``refused`` (the pid file
            names a living process that is not the ``ollama serve`` we started, e.g. a forged
            file: nothing was signalled and the file was kept for inspection).
        base_url: The address concerned.
        pid: The daemon's pid when known.
        message: One sentence for people.
    """

    outcome: StopOutcome
    base_url: str
    pid: int | None
    message: str

    @property
    def ok(self) -> bool:
        """Whether nothing of ours is left running (every outcome but ``not_ours``, ``refused``)."""
        return self.outcome not in ("not_ours", "refused")


def stop_daemon(
    *,
    base_url: str | None = None,
    settings: DaemonSettings | None = None,
    timeout_s: float = DEFAULT_STOP_TIMEOUT_S,
    runtime: DaemonRuntime = DEFAULT_RUNTIME,
) -> StopResult:
    """Stop the daemon shared-ollama started for ``base_url``; never anyone else's.

    SIGTERM first; SIGKILL after ``timeout_s``, to the daemon's process group when it is the
    group we created (the daemon leads it), else to the daemon alone. Only a process that is
    the one we started is signalled (see :func:`~shared_ollama.daemon._files.identify`).

    Args:
        base_url: The loopback address (default: resolved from the environment).
        settings: Folders (default :meth:`DaemonSettings.from_env`).
        timeout_s: How long SIGTERM gets before SIGKILL.
        runtime: The I/O seam (tests pass fakes).

    Returns:
        What was done.

    Raises:
        ValueError: ``base_url`` is not on this machine.
        OllamaUnavailableError: Another process held the lock (starting or stopping) too long.
        SharedOllamaError: The daemon cannot be signalled (another user's) or would not exit.
    """
    host = local_target(base_url)
    url, port = host.base_url, host.port
    cfg = settings or DaemonSettings.from_env()
    pid_path = cfg.pid_path(port)
    with daemon_lock(cfg, port, timeout_s + _LOCK_MARGIN_S + DEFAULT_START_DEADLINE_S, url):
        record = read_record(pid_path)
        facts = runtime.inspect(record.pid) if record is not None else None
        identity = identify(record, facts) if record is not None else "gone"
        if record is not None and identity == "impostor":
            return _refusal(record, facts, pid_path, url)
        if record is None or identity != "ours":
            stale = pid_path.exists()
            pid_path.unlink(missing_ok=True)
            if runtime.probe(url).up:
                return StopResult(
                    "not_ours",
                    url,
                    None,
                    f"an Ollama that shared-ollama did not start answers at {url}; it was left "
                    "alone. Stop it where it was started (e.g. quit the Ollama app, or "
                    "`systemctl stop ollama`).",
                )
            if stale:
                return StopResult(
                    "stale",
                    url,
                    record.pid if record else None,
                    f"removed a stale pid file {pid_path}; nothing was running",
                )
            return StopResult("not_running", url, None, f"no Ollama runs at {url}")
        outcome = _terminate(record, timeout_s, runtime.inspect)
        pid_path.unlink(missing_ok=True)
        reap(record.pid)
    verb = "stopped" if outcome == "stopped" else "killed (it ignored SIGTERM)"
    return StopResult(outcome, url, record.pid, f"Ollama (pid {record.pid}) at {url} {verb}")


def _refusal(record: PidRecord, facts: ProcessFacts | None, pid_path: Path, url: str) -> StopResult:
    command = " ".join(facts.cmdline) if facts is not None and facts.cmdline else "unknown"
    return StopResult(
        "refused",
        url,
        record.pid,
        f"refused to stop pid {record.pid}: {pid_path} names it, but it runs `{command}`, not the "
        f"`{record.binary} serve` shared-ollama started (or it runs as another user). Nothing "
        "was signalled. If you did not write that file, someone else can write to "
        f"{pid_path.parent}: check its owner and mode, then delete the file.",
    )


def _terminate(
    record: PidRecord, timeout_s: float, inspect: Callable[[int], ProcessFacts | None]
) -> Literal["stopped", "killed"]:
    """SIGTERM our daemon, then SIGKILL it (and the group we created) after ``timeout_s``."""
    pid = record.pid
    try:
        process = psutil.Process(pid)
        process.terminate()
        process.wait(timeout=timeout_s)
    except psutil.TimeoutExpired:
        pass
    except psutil.NoSuchProcess:
        return "stopped"
    except psutil.AccessDenied as exc:
        raise SharedOllamaError(
            f"not allowed to signal the Ollama daemon (pid {pid}): it runs as another user; "
            "stop it as that user"
        ) from exc
    else:
        return "stopped"
    if not identity_matches(record, inspect(pid)):
        return "stopped"  # it exited at the last moment (and its pid may already be reused)
    try:
        if _leads_its_group(pid):  # started with start_new_session: the group is ours
            os.killpg(pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(timeout=timeout_s)
    except (psutil.NoSuchProcess, ProcessLookupError):
        pass
    except psutil.TimeoutExpired as exc:
        if _is_zombie(process):  # dead, waiting for a parent that is not us to collect it
            return "killed"
        raise SharedOllamaError(
            f"the Ollama daemon (pid {pid}) did not exit {timeout_s:g}s after SIGKILL; it may be "
            "stuck in the kernel (a hung disk or GPU driver). Check `ps -o stat= -p "
            f"{pid}` and the system log."
        ) from exc
    except (psutil.AccessDenied, PermissionError) as exc:
        raise SharedOllamaError(
            f"not allowed to kill the Ollama daemon (pid {pid}); stop it as the user it runs as"
        ) from exc
    return "killed"


def _is_zombie(process: psutil.Process) -> bool:
    try:
        return bool(process.status() == psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return True  # gone meanwhile


def _leads_its_group(pid: int) -> bool:
    getpgid = getattr(os, "getpgid", None)
    if getpgid is None or not hasattr(os, "killpg"):
        return False
    try:
        return bool(getpgid(pid) == pid)
    except ProcessLookupError:
        return False
