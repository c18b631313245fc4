"""What ``shared-ollama status`` shows: up or down, version, pid, memory, models, store size."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from shared_ollama._host import resolve_host
from shared_ollama._json import json_ready
from shared_ollama._resilience._listings import listed_models, model_name
from shared_ollama.daemon._files import DaemonSettings, owned_record
from shared_ollama.daemon._health import check_service_health
from shared_ollama.daemon._runtime import DEFAULT_RUNTIME, DaemonRuntime
from shared_ollama.daemon._serve_env import budget_from_environ, loaded_models_warning

__all__ = [
    "DaemonStatus",
    "LoadedModel",
    "daemon_status",
    "folder_size",
    "loaded_models_from_ps",
]


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A model in the daemon's memory (from ``/api/ps``)."""

    name: str
    size_bytes: int
    size_vram_bytes: int
    expires_at: str | None


@dataclass(frozen=True, slots=True)
class DaemonStatus:
    """Everything ``shared-ollama status`` shows.

    Attributes:
        up: Whether Ollama answers.
        base_url: The address probed.
        version: The server's version when up.
        managed: Whether shared-ollama started the daemon that runs now.
        pid: The daemon's pid (ours, or the listener's when it can be found).
        rss_bytes: The daemon's resident memory (not counting its model runners).
        loaded_models: Models in memory.
        models_dir: The model store: the running daemon's ``OLLAMA_MODELS`` when it can be
            read, else :attr:`DaemonSettings.models_dir`.
        models_dir_bytes: Its size on disk.
        budget_bytes: The memory budget for models.
        warnings: Things to act on (e.g. models over budget).
        error: Why the server is down.
    """

    up: bool
    base_url: str
    version: str | None
    managed: bool
    pid: int | None
    rss_bytes: int | None
    loaded_models: tuple[LoadedModel, ...]
    models_dir: Path
    models_dir_bytes: int
    budget_bytes: int
    warnings: tuple[str, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The status as plain JSON-ready data."""
        return json_ready(self)  # type: ignore[no-any-return]


def loaded_models_from_ps(payload: Mapping[str, Any] | None) -> tuple[LoadedModel, ...]:
    """The models of a ``/api/ps`` answer."""

    def number(value: object) -> int:
        return int(value) if isinstance(value, (int, float)) else 0

    return tuple(
        LoadedModel(
            name=model_name(m),
            size_bytes=number(m.get("size")),
            size_vram_bytes=number(m.get("size_vram")),
            expires_at=m.get("expires_at") if isinstance(m.get("expires_at"), str) else None,
        )
        for m in listed_models(payload) or []
    )


def folder_size(path: Path) -> int:
    """Total size of the files under ``path`` (0 when it is missing)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _listener_pid(port: int) -> int | None:
    """The pid listening on ``port``, when the system lets us see it."""
    try:
        connections = psutil.net_connections(kind="inet")
    except (psutil.AccessDenied, OSError):
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            return conn.pid
    return None


def _models_dir_of(process: psutil.Process) -> Path | None:
    """The model store the running daemon uses (its ``OLLAMA_MODELS``), when readable."""
    try:
        value = process.environ().get("OLLAMA_MODELS")
    except (psutil.Error, OSError):
        return None
    return Path(value).expanduser() if value else None


def daemon_status(
    *,
    base_url: str | None = None,
    settings: DaemonSettings | None = None,
    timeout: float = 2.0,
    transport: httpx.BaseTransport | None = None,
    runtime: DaemonRuntime = DEFAULT_RUNTIME,
) -> DaemonStatus:
    """Describe the daemon: up or down, version, pid, memory, loaded models, model store size.

    Args:
        base_url: The address (default: resolved from the environment). A remote address is
            probed too; pid and memory are then unknown.
        settings: Folders (default :meth:`DaemonSettings.from_env`).
        timeout: Seconds allowed for each request.
        transport: An ``httpx`` transport (tests pass ``httpx.MockTransport``).
        runtime: The I/O seam (tests pass fakes).

    Returns:
        The status; never raises for a server that is down.
    """
    cfg = settings or DaemonSettings.from_env()
    host = resolve_host(base_url)
    url = host.base_url
    health = check_service_health(url, timeout=timeout, transport=transport)
    loaded: tuple[LoadedModel, ...] = ()
    if health.up:
        try:
            with httpx.Client(
                base_url=host.with_credentials(), timeout=timeout, transport=transport
            ) as client:
                response = client.get("/api/ps")
            loaded = loaded_models_from_ps(response.json() if response.status_code == 200 else None)
        except (httpx.HTTPError, ValueError):
            loaded = tuple(LoadedModel(n, 0, 0, None) for n in health.loaded_models)
    record = owned_record(cfg, host.port, runtime.inspect) if host.is_loopback else None
    pid = (
        record.pid
        if record
        else (_listener_pid(host.port) if health.up and host.is_loopback else None)
    )
    rss = None
    models_dir = cfg.models_dir
    if pid is not None:
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(pid)
            rss = int(process.memory_info().rss)
            models_dir = _models_dir_of(process) or models_dir
    budget = budget_from_environ(runtime.machine(), cfg.environ)
    warning = loaded_models_warning(((m.name, m.size_bytes) for m in loaded), budget)
    return DaemonStatus(
        up=health.up,
        base_url=url,
        version=health.version,
        managed=record is not None,
        pid=pid,
        rss_bytes=rss,
        loaded_models=loaded,
        models_dir=models_dir,
        models_dir_bytes=folder_size(models_dir),
        budget_bytes=budget,
        warnings=(warning,) if warning else (),
        error=health.error,
    )
