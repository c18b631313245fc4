"""The daemon's files: where they live (from the environment), its pid record, and its logs.

Files, per port, in the runtime folder (:attr:`DaemonSettings.runtime_dir`):

- ``ollama-<port>.lock``: the cross-process lock held by whoever starts or stops the daemon.
- ``ollama-<port>.pid``: JSON ``{"pid", "create_time", "port", "binary", "base_url"}`` of the
  daemon shared-ollama started. A process is ours only when both its pid and its create time
  match (:func:`identity_matches`), so a recycled pid or someone else's daemon is never touched.

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

__all__ = [
    "DEFAULT_LOG_MAX_BYTES",
    "ERROR_TAIL_LINES",
    "DaemonSettings",
    "PidRecord",
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
    """The identity of a daemon we started, as kept in its pid file."""

    pid: int
    create_time: float
    port: int
    binary: str
    base_url: str

    def to_json(self) -> str:
        """The pid file's text."""
        return json.dumps(
            {
                "pid": self.pid,
                "create_time": self.create_time,
                "port": self.port,
                "binary": self.binary,
                "base_url": self.base_url,
            }
        )

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
            )
        except (ValueError, TypeError, KeyError):
            return None


def identity_matches(record: PidRecord, create_time: float | None) -> bool:
    """Whether the live process with ``record.pid`` (created at ``create_time``) is our daemon.

    Args:
        record: What the pid file says.
        create_time: The create time of the process now holding that pid, or ``None`` when no
            (living) process holds it.
    """
    return (
        create_time is not None and abs(create_time - record.create_time) <= _IDENTITY_TOLERANCE_S
    )


def rotate_log(path: Path, max_bytes: int) -> bool:
    """Rename ``path`` to ``path.1`` (replacing it) when it is larger than ``max_bytes``.

    Returns:
        Whether the file was rotated.
    """
    try:
        if path.stat().st_size <= max_bytes:
            return False
    except FileNotFoundError:
        return False
    os.replace(path, path.with_name(path.name + ".1"))
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
    """Write the pid file atomically (a reader never sees half of it)."""
    scratch = path.with_name(path.name + ".tmp")
    scratch.write_text(record.to_json(), encoding="utf-8")
    os.replace(scratch, path)


def owned_record(
    settings: DaemonSettings, port: int, create_time: Callable[[int], float | None]
) -> PidRecord | None:
    """The pid record of the daemon on ``port`` when its process is alive and is the one recorded.

    Args:
        settings: Where the pid file is.
        port: The daemon's port.
        create_time: The create time of a living pid, or ``None`` (``psutil`` in production).
    """
    record = read_record(settings.pid_path(port))
    if record is None or not identity_matches(record, create_time(record.pid)):
        return None
    return record
