"""``shared-ollama doctor``: every check that tells why the shared daemon does not work, with a fix.

Checks, in order: the ``ollama`` binary, the service, its port, the serve environment (with the
source of each value), the models, and the versions. Each is a small function returning a
:class:`Check`; ``fail`` means the daemon cannot be used until it is fixed, ``warn`` means it works
but something deserves attention.
"""

from __future__ import annotations

import platform
import socket
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from shared_ollama._errors import SharedOllamaError
from shared_ollama._host import HOST_VARIABLES, OllamaHost, resolve_host
from shared_ollama._json import json_ready
from shared_ollama.daemon._binary import INSTALL_HINT, OllamaBinaryNotFoundError, find_ollama_binary
from shared_ollama.daemon._health import ServiceHealth, check_service_health, list_model_names
from shared_ollama.daemon._serve_env import (
    NOT_SERVER_SETTINGS,
    MachineInfo,
    budget_from_environ,
    loaded_models_warning,
    serve_environment,
)
from shared_ollama.daemon._status import daemon_status

__all__ = ["Check", "CheckLevel", "doctor_checks", "port_taken"]

CheckLevel = Literal["ok", "warn", "fail"]


@dataclass(frozen=True, slots=True)
class Check:
    """One line of ``doctor``.

    Attributes:
        name: What was checked: ``binary``, ``service``, ``port``, ``environment``, ``models``,
            ``versions``.
        level: ``ok``, ``warn`` or ``fail``.
        detail: What was found.
        fix: What to do, when the level is not ``ok``.
        data: The findings as JSON-ready data, for ``--json``.
    """

    name: str
    level: CheckLevel
    detail: str
    fix: str | None = None
    data: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The check as plain JSON-ready data."""
        return json_ready(self)  # type: ignore[no-any-return]


def binary_version(binary: Path) -> str | None:
    """The version ``ollama --version`` reports (``None`` when it cannot say)."""
    try:
        done = subprocess.run(  # noqa: S603 (the ollama binary that was found)
            [str(binary), "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    for line in (done.stdout + "\n" + done.stderr).splitlines():
        if "version is" in line.lower():
            return line.rsplit(" ", 1)[-1].strip()
    return None


def port_taken(host: str, port: int) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _check_binary(environ: Mapping[str, str], health: ServiceHealth) -> tuple[Check, str | None]:
    try:
        binary = find_ollama_binary(environ)
    except OllamaBinaryNotFoundError as exc:
        level: CheckLevel = "warn" if health.up else "fail"
        found = Check(
            "binary",
            level,
            "no `ollama` executable found",
            INSTALL_HINT,
            data={"searched": list(exc.searched)},
        )
        return found, None
    version = binary_version(binary)
    detail = f"{binary} (version {version or 'unknown'})"
    return Check("binary", "ok", detail, data={"path": str(binary), "version": version}), version


def _check_service(host: OllamaHost, health: ServiceHealth, url_from: str) -> Check:
    if health.up:
        millis = (health.latency_s or 0.0) * 1000
        detail = (
            f"Ollama {health.version} answers at {host.base_url} ({url_from}) in {millis:.0f} ms"
        )
        return Check("service", "ok", detail, data=health.to_dict())
    fix = (
        "run `shared-ollama start`"
        if host.is_loopback
        else f"start Ollama on {host.host}, or point SHARED_OLLAMA_URL at a running server"
    )
    return Check("service", "fail", f"{health.error} (URL {url_from})", fix, data=health.to_dict())


def _check_port(host: OllamaHost, health: ServiceHealth) -> Check:
    if not host.is_loopback:
        return Check("port", "ok", f"{host.host}:{host.port} is on another machine; not checked")
    if health.up:
        return Check("port", "ok", f"port {host.port} is served by Ollama")
    if port_taken(host.host, host.port):
        return Check(
            "port",
            "fail",
            f"port {host.port} is taken by a program that is not Ollama",
            "stop that program, or pick another port: OLLAMA_HOST=127.0.0.1:<port>",
        )
    return Check("port", "ok", f"port {host.port} is free for `shared-ollama start`")


def _check_environment(machine: MachineInfo, port: int, environ: Mapping[str, str]) -> Check:
    serve = serve_environment(machine, port=port, user_env=environ)
    read = [s for s in serve.settings if s.read_by_server]
    unread = [s for s in serve.settings if not s.read_by_server]
    detail = "; ".join(f"{s.name}={s.value} ({s.source})" for s in read)
    if unread:
        ignored = "; ".join(
            f"{s.name}={s.value} ({s.source}; {NOT_SERVER_SETTINGS[s.name]})" for s in unread
        )
        detail += f"; NOT READ by Ollama's server, no effect on it: {ignored}"
    data = {
        s.name: {"value": s.value, "source": s.source, "read_by_server": s.read_by_server}
        for s in serve.settings
    }
    if serve.warnings:
        return Check("environment", "warn", detail, "; ".join(serve.warnings), data=data)
    return Check("environment", "ok", detail, data=data)


def _check_models(
    url: str, health: ServiceHealth, machine: MachineInfo, environ: Mapping[str, str]
) -> Check:
    if not health.up:
        return Check("models", "warn", "unknown while the service is down", "start it first")
    try:
        names = list_model_names(url)
    except SharedOllamaError as exc:
        return Check("models", "fail", str(exc), "see `shared-ollama status` and its logs")
    loaded = daemon_status(base_url=url).loaded_models
    over = loaded_models_warning(
        ((m.name, m.size_bytes) for m in loaded), budget_from_environ(machine, environ)
    )
    detail = (
        f"{len(names)} pulled ({', '.join(names) or 'none'}); "
        f"loaded: {', '.join(m.name for m in loaded) or 'none'}"
    )
    data = {"pulled": names, "loaded": [m.name for m in loaded]}
    if not names:
        return Check("models", "warn", detail, "pull one: `shared-ollama pull llama3.2`", data)
    return Check("models", "warn" if over else "ok", detail, over, data)


def _check_versions(host: OllamaHost, health: ServiceHealth, binary: str | None) -> Check:
    try:
        ours = metadata.version("shared-ollama")
    except metadata.PackageNotFoundError:
        ours = "unknown"
    versions = {
        "python": platform.python_version(),
        "shared-ollama": ours,
        "server": health.version,
        "binary": binary,
    }
    detail = ", ".join(f"{name} {value}" for name, value in versions.items() if value)
    if health.version and binary and host.is_loopback and not binary.startswith(health.version):
        fix = "the running server is not the installed binary: run `shared-ollama restart`"
        return Check("versions", "warn", detail, fix, versions)
    return Check("versions", "ok", detail, data=versions)


def doctor_checks(
    host: str | None,
    environ: Mapping[str, str],
    *,
    machine: MachineInfo | None = None,
) -> list[Check]:
    """Run every check against the server at ``host``.

    Args:
        host: The ``--host`` value, or ``None`` for the environment's choice.
        environ: The environment (``os.environ``; tests pass a dict).
        machine: This machine (default :meth:`MachineInfo.detect`).

    Returns:
        The checks in order: binary, service, port, environment, models, versions.
    """
    target = resolve_host(host, environ=environ)
    source = next((name for name in HOST_VARIABLES if environ.get(name, "").strip()), "default")
    url_from = "from --host" if host else f"from {source}"
    health = check_service_health(target.base_url)
    this = machine or MachineInfo.detect()
    binary_check, version = _check_binary(environ, health)
    return [
        binary_check,
        _check_service(target, health, url_from),
        _check_port(target, health),
        _check_environment(this, target.port, environ),
        _check_models(target.base_url, health, this, environ),
        _check_versions(target, health, version),
    ]
