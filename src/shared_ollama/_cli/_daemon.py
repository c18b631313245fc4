"""The daemon's commands: status, doctor, start, stop, restart, service, memory-limit."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from shared_ollama._cli._output import (
    EXIT_FAILURE,
    EXIT_OK,
    echo,
    emit_json,
    fail,
    server_down_message,
    stdout,
    warn,
)
from shared_ollama._errors import SharedOllamaError
from shared_ollama._host import resolve_host
from shared_ollama._private_files import private_dir
from shared_ollama.daemon._binary import find_ollama_binary
from shared_ollama.daemon._doctor import doctor_checks
from shared_ollama.daemon._files import DaemonSettings
from shared_ollama.daemon._process import (
    DEFAULT_START_DEADLINE_S,
    DEFAULT_STOP_TIMEOUT_S,
    start_daemon,
    stop_daemon,
)
from shared_ollama.daemon._serve_env import (
    DEFAULT_KEEP_ALIVE,
    MachineInfo,
    budget_from_environ,
    format_bytes,
    memory_budget_bytes,
    serve_environment,
)
from shared_ollama.daemon._service_unit import ServicePlatform, service_definition
from shared_ollama.daemon._status import daemon_status

__all__ = [
    "configure_memory_limit",
    "configure_restart",
    "configure_service",
    "configure_start",
    "configure_stop",
    "run_doctor",
    "run_memory_limit",
    "run_restart",
    "run_service",
    "run_start",
    "run_status",
    "run_stop",
]


# --- status / doctor ----------------------------------------------------------------------------


def run_status(args: argparse.Namespace) -> int:
    status = daemon_status(base_url=args.host)
    if args.json:
        emit_json(status.to_dict())
        return EXIT_OK if status.up else EXIT_FAILURE
    if not status.up:
        echo(server_down_message(status.base_url))
        return EXIT_FAILURE
    owner = "started by shared-ollama" if status.managed else "not started by shared-ollama"
    memory = f", {format_bytes(status.rss_bytes)} resident" if status.rss_bytes else ""
    pid = f"pid {status.pid}, " if status.pid else ""
    echo(f"Ollama {status.version} is up at {status.base_url} ({pid}{owner}{memory})")
    if status.loaded_models:
        for model in status.loaded_models:
            until = f", until {model.expires_at}" if model.expires_at else ""
            echo(f"  loaded: {model.name} ({format_bytes(model.size_bytes)}{until})")
    else:
        echo("  no model is loaded")
    echo(f"Model store: {status.models_dir} ({format_bytes(status.models_dir_bytes)})")
    echo(f"Memory budget for models: {format_bytes(status.budget_bytes)}")
    for warning in status.warnings:
        echo(f"WARNING: {warning}")
    return EXIT_OK


def run_doctor(args: argparse.Namespace) -> int:
    checks = doctor_checks(args.host, os.environ)
    failed = any(c.level == "fail" for c in checks)
    if args.json:
        emit_json({"ok": not failed, "checks": [c.to_dict() for c in checks]})
    else:
        marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL"}
        for c in checks:
            echo(f"[{marks[c.level]}] {c.name}: {c.detail}")
            if c.fix and c.level != "ok":
                echo(f"       fix: {c.fix}")
    return EXIT_FAILURE if failed else EXIT_OK


# --- start / stop / restart ------------------------------------------------------------------


def configure_start(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep-alive",
        default=DEFAULT_KEEP_ALIVE,
        help="how long idle models stay loaded (OLLAMA_KEEP_ALIVE; default 5m)",
    )
    parser.add_argument(
        "--bind-all",
        action="store_true",
        help="listen on ALL interfaces (0.0.0.0) instead of loopback: unsafe",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_START_DEADLINE_S,
        help="seconds to wait for the daemon to answer (default 30)",
    )


def run_start(args: argparse.Namespace) -> int:
    try:
        info = start_daemon(
            base_url=args.host,
            keep_alive=args.keep_alive,
            bind_all=args.bind_all,
            deadline_s=args.deadline,
        )
    except (SharedOllamaError, ValueError) as exc:
        return fail(exc, args)
    if info.environment is not None:
        for warning in info.environment.warnings:
            warn(f"WARNING: {warning}")
    if args.json:
        emit_json(
            {
                "ok": True,
                "base_url": info.base_url,
                "started": info.started,
                "pid": info.pid,
                "version": info.version,
                "binary": info.binary,
                "log": str(info.log_path),
                "error_log": str(info.error_log_path),
            }
        )
    elif info.started:
        echo(
            f"Started Ollama {info.version} (pid {info.pid}) at {info.base_url}; "
            f"logs: {info.error_log_path}"
        )
    else:
        echo(f"Ollama {info.version} already answers at {info.base_url}")
    return EXIT_OK


def configure_stop(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_STOP_TIMEOUT_S,
        help="seconds between SIGTERM and SIGKILL (default 10)",
    )


def run_stop(args: argparse.Namespace) -> int:
    try:
        result = stop_daemon(base_url=args.host, timeout_s=args.timeout)
    except (SharedOllamaError, ValueError) as exc:
        return fail(exc, args)
    if args.json:
        emit_json(
            {
                "ok": result.ok,
                "outcome": result.outcome,
                "base_url": result.base_url,
                "pid": result.pid,
                "message": result.message,
            }
        )
    else:
        echo(result.message)
    return EXIT_OK if result.ok else EXIT_FAILURE


def configure_restart(parser: argparse.ArgumentParser) -> None:
    configure_start(parser)
    configure_stop(parser)


def run_restart(args: argparse.Namespace) -> int:
    try:
        result = stop_daemon(base_url=args.host, timeout_s=args.timeout)
    except (SharedOllamaError, ValueError) as exc:
        return fail(exc, args)
    if not result.ok:
        return fail(SharedOllamaError(result.message, host=result.base_url), args)
    if not args.json:
        echo(result.message)
    return run_start(args)


# --- service / memory-limit ------------------------------------------------------------------


def configure_service(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["install"], help="install the daemon as a service")
    parser.add_argument("--dry-run", action="store_true", help="print the file; write nothing")
    parser.add_argument(
        "--platform",
        choices=["launchd", "systemd"],
        default=None,
        help="service manager (default: launchd on macOS, systemd elsewhere)",
    )
    parser.add_argument("--keep-alive", default=DEFAULT_KEEP_ALIVE, help="OLLAMA_KEEP_ALIVE")


def run_service(args: argparse.Namespace) -> int:
    default: ServicePlatform = "launchd" if sys.platform == "darwin" else "systemd"
    chosen: ServicePlatform = args.platform or default
    settings = DaemonSettings.from_env()
    try:
        binary = str(find_ollama_binary(settings.environ))
        host = resolve_host(args.host)
    except (SharedOllamaError, ValueError) as exc:
        return fail(exc, args)
    serve = serve_environment(
        MachineInfo.detect(), port=host.port, user_env=settings.environ, keep_alive=args.keep_alive
    )
    home = Path(settings.environ.get("HOME") or Path.home())
    unit = service_definition(
        chosen, binary=binary, env=serve.env, logs_dir=settings.logs_dir, home=home
    )
    if not args.dry_run:
        unit.path.parent.mkdir(parents=True, exist_ok=True)
        private_dir(settings.logs_dir, variable="SHARED_OLLAMA_LOGS_DIR")
        unit.path.write_text(unit.text, encoding="utf-8")
    if args.json:
        emit_json(
            {
                "ok": True,
                "platform": unit.platform,
                "path": str(unit.path),
                "written": not args.dry_run,
                "text": unit.text,
                "enable": list(unit.enable_commands),
            }
        )
    elif args.dry_run:
        stdout().write(unit.text)
        warn(f"dry run: would write {unit.path}; then run: " + " && ".join(unit.enable_commands))
    else:
        echo(f"Wrote {unit.path}. Enable it with: " + " && ".join(unit.enable_commands))
    return EXIT_OK


def configure_memory_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=["bytes", "gib", "export"],
        default="bytes",
        help="bytes (default), GiB, or an `export OLLAMA_MAX_RAM=...` line",
    )


def run_memory_limit(args: argparse.Namespace) -> int:
    machine = MachineInfo.detect()
    budget = budget_from_environ(machine, os.environ)
    if args.json:
        emit_json(
            {
                "total_bytes": machine.total_memory_bytes,
                "budget_bytes": budget,
                "computed_bytes": memory_budget_bytes(machine.total_memory_bytes),
            }
        )
    elif args.format == "gib":
        echo(f"{budget / 1024**3:.1f}")
    elif args.format == "export":
        echo(f"export OLLAMA_MAX_RAM={budget}")
    else:
        echo(str(budget))
    return EXIT_OK
