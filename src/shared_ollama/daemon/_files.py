"""The daemon's files: where they live (from the environment), its pid record, and its logs.

Files, per port, in the runtime folder (:attr:`DaemonSettings.runtime_dir`):

- ``ollama-<port>.lock``: the cross-process lock held by whoever starts or stops the daemon.
- ``ollama-<port>.pid``: JSON ``{"pid", "create_time", "port", "binary", "base_url"}`` of the
  daemon shared-ollama started, plus ``"exe"``, the executable the process runs once it answers
  (a wrapper script such as Nix's execs the real binary). A process is ours only when its create time matches, it runs as
  this user, and it is the executable recorded running ``serve`` (:func:`identify`): a recycled
  pid, someone else's daemon, or any process a forged pid file names is never signalled.

Logs: ``ollama.log`` (stdout) and ``ollama.error.log`` (stderr, where Ollama logs) in
:attr:`DaemonSettings.logs_dir`, each renamed to ``.1`` at start when larger than
:attr:`DaemonSettings.log_max_bytes`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from shared_ollama._private_files import write_private

__all__ = [
    "DEFAULT_LOG_MAX_BYTES",
    "ERROR_TAIL_LINES",
    "DaemonSettings",
    "Identity",
    "PidRecord",
    "ProcessFacts",
    "identify",
    "identity_matches",
    "owned_record",
    "read_record",
    "rotate_log",
    "tail_lines",
    "write_record",
]

DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024
ERROR_TAIL_LINES = 20
_IDENTITY_TOLERANCE_S = 0.05


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    """Where the daemon's files live; the one place that reads the environment for them.

    Attributes:
        runtime_dir: Lock and pid files: ``SHARED_OLLAMA_RUNTIME_DIR``, else
            ``$XDG_RUNTIME_DIR/shared-ollama``, else ``~/.cache/shared-ollama/run``.
        logs_dir: ``ollama.log`` and ``ollama.error.log``: ``SHARED_OLLAMA_LOGS_DIR``, else
            ``~/.cache/shared-ollama/logs``.
        models_dir: Ollama's model store: ``OLLAMA_MODELS``, else ``~/.ollama/models``.
        log_max_bytes: A log larger than this is renamed to ``.1`` when the daemon starts.
        environ: The environment the daemon inherits and the binary is searched with.
    """

    runtime_dir: Path
    logs_dir: Path
    models_dir: Path
    log_max_bytes: int = DEFAULT_LOG_MAX_BYTES
    environ: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False, hash=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DaemonSettings:
        """Read the settings from ``environ`` (default ``os.environ``)."""
        env = dict(os.environ if environ is None else environ)
        home = Path(env.get("HOME") or Path.home())
        cache = home / ".cache" / "shared-ollama"
        if env.get("SHARED_OLLAMA_RUNTIME_DIR"):
            runtime = Path(env["SHARED_OLLAMA_RUNTIME_DIR"]).expanduser()
        elif env.get("XDG_RUNTIME_DIR"):
            runtime = Path(env["XDG_RUNTIME_DIR"]) / "shared-ollama"
        else:
            runtime = cache / "run"
        logs = Path(env.get("SHARED_OLLAMA_LOGS_DIR") or cache / "logs").expanduser()
        models = Path(env.get("OLLAMA_MODELS") or home / ".ollama" / "models").expanduser()
        return cls(runtime_dir=runtime, logs_dir=logs, models_dir=models, environ=env)

    def lock_path(self, port: int) -> Path:
        """The start/stop lock for the daemon on ``port``."""
        return self.runtime_dir / f"ollama-{port}.lock"

    def pid_path(self, port: int) -> Path:
        """The pid file of the daemon on ``port``."""
        return self.runtime_dir / f"ollama-{port}.pid"

    @property
    def log_path(self) -> Path:
        """The daemon's stdout."""
        return self.logs_dir / "ollama.log"

    @property
    def error_log_path(self) -> Path:
        """The daemon's stderr (Ollama logs there)."""
        return self.logs_dir / "ollama.error.log"


@dataclass(frozen=True, slots=True)
class PidRecord:
    """The identity of a daemon we started, as kept in its pid file.

    Attributes:
        pid: Its process id.
        create_time: When it started (seconds since the epoch), as the system reports it.
        port: The port it serves.
        binary: The executable we started (``<binary> serve``).
        base_url: Where it answers.
        exe: The executable the process ran once it answered (differs from ``binary`` when
            that is a wrapper that execs the real one), or ``None`` before that.
    """

    pid: int
    create_time: float
    port: int
    binary: str
    base_url: str
    exe: str | None = None

    def to_json(self) -> str:
        """The pid file's text."""
        data: dict[str, object] = {
            "pid": self.pid,
            "create_time": self.create_time,
            "port": self.port,
            "binary": self.binary,
            "base_url": self.base_url,
        }
        if self.exe is not None:
            data["exe"] = self.exe
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> PidRecord | None:
        """Parse a pid file's text; ``None`` when it is not a valid record."""
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                create_time=float(data["create_time"]),
                port=int(data["port"]),
                binary=str(data["binary"]),
                base_url=str(data["base_url"]),
                exe=str(data["exe"]) if data.get("exe") is not None else None,
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


@dataclass(frozen=True, slots=True)
class ProcessFacts:
    """What the system says about the living process holding a pid (``psutil`` in production).

    Attributes:
        create_time: When it started (seconds since the epoch).
        exe: Its executable, resolved, or ``None`` when the system would not say.
        cmdline: Its command line (empty when the system would not say).
        uid: Its real user id, or ``None`` where there is none (Windows).
    """

    create_time: float
    exe: str | None = None
    cmdline: tuple[str, ...] = ()
    uid: int | None = None


Identity = Literal["ours", "gone", "impostor"]
"""``ours``: the daemon we started. ``gone``: no living process holds the pid, or one started at
another time holds it (a recycled pid). ``impostor``: a process started at the recorded time
that is not ``<binary> serve`` of this user: a forged or corrupted pid file."""


def _same_file(recorded: str, actual: str | None) -> bool:
    if actual is None:
        return False
    actual = actual.removesuffix(" (deleted)")  # Linux, when the binary was upgraded in place
    return os.path.realpath(recorded) == os.path.realpath(actual)


def identify(record: PidRecord, facts: ProcessFacts | None, *, uid: int | None = None) -> Identity:
    """Whether the process a pid file names is the daemon shared-ollama started.

    Ours means: the same create time, the same user, a command line ending in ``serve``, and
    the recorded executable: ``binary`` itself, ``binary`` as the script an interpreter runs
    (a wrapper before it execs), or the ``exe`` observed once it answered, when that is an
    Ollama (its name says so). A forged file naming any other process is an impostor.

    Args:
        record: What the pid file says.
        facts: The living process now holding ``record.pid``, or ``None`` when none does.
        uid: This user's id (default ``os.getuid()`` where it exists).
    """
    if facts is None or abs(facts.create_time - record.create_time) > _IDENTITY_TOLERANCE_S:
        return "gone"
    me = uid if uid is not None else getattr(os, "getuid", lambda: None)()
    if me is not None and facts.uid is not None and facts.uid != me:
        return "impostor"
    cmdline = facts.cmdline
    if not cmdline or cmdline[-1] != "serve":
        return "impostor"
    if _same_file(record.binary, facts.exe):
        return "ours"
    if len(cmdline) == 3 and _same_file(record.binary, cmdline[1]):
        return "ours"  # an interpreter running the recorded script (a wrapper, or our tests)
    if (
        record.exe is not None
        and _same_file(record.exe, facts.exe)
        and "ollama" in os.path.basename(record.exe).lower()
    ):
        return "ours"  # what the wrapper exec'd, as seen when the daemon answered
    return "impostor"


def identity_matches(record: PidRecord, facts: ProcessFacts | None) -> bool:
    """Whether the living process holding ``record.pid`` is our daemon (see :func:`identify`)."""
    return identify(record, facts) == "ours"


def rotate_log(path: Path, max_bytes: int) -> bool:
    """Rename ``path`` to ``path.1`` (replacing it) when it is larger than ``max_bytes``.

    Returns:
        Whether the file was rotated.
    """
    try:
        if path.lstat().st_size <= max_bytes:
            return False
    except FileNotFoundError:
        return False
    os.replace(path, path.with_name(path.name + ".1"))  # renames a link itself, never its target
    return True


def tail_lines(path: Path, count: int = ERROR_TAIL_LINES, *, max_bytes: int = 65536) -> list[str]:
    """The last ``count`` lines of a text file (``[]`` when it is missing)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - max_bytes))
            data = handle.read()
    except FileNotFoundError:
        return []
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[-count:] if count > 0 else []


def read_record(path: Path) -> PidRecord | None:
    """The record in the pid file at ``path``, or ``None`` when it is missing or corrupt."""
    try:
        return PidRecord.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def write_record(path: Path, record: PidRecord) -> None:
    """Write the pid file atomically (a reader never sees half of it), mode 0600, no link followed."""
    write_private(path, record.to_json())


def owned_record(
    settings: DaemonSettings, port: int, inspect: Callable[[int], ProcessFacts | None]
) -> PidRecord | None:
    """The pid record of the daemon on ``port`` when its process is alive and is the one recorded.

    Args:
        settings: Where the pid file is.
        port: The daemon's port.
        inspect: The facts about a living pid, or ``None`` (``psutil`` in production).
    """
    record = read_record(settings.pid_path(port))
    if record is None or not identity_matches(record, inspect(record.pid)):
        return None
    return record
