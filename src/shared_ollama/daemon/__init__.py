"""The shared ``ollama serve`` on this machine: health probes, finding, starting and checking it.

Everything here loads on first use, so ``import shared_ollama`` does not pay for ``psutil`` or
file locks until a daemon function is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared_ollama._lazy import lazy_module_attributes

if TYPE_CHECKING:
    from shared_ollama.daemon._binary import OllamaBinaryNotFoundError, find_ollama_binary
    from shared_ollama.daemon._ensure import ensure_service_running
    from shared_ollama.daemon._files import DaemonSettings
    from shared_ollama.daemon._health import (
        ServiceHealth,
        acheck_service_health,
        check_service_health,
        wait_until_ready,
    )
    from shared_ollama.daemon._process import DaemonInfo, StopResult, start_daemon, stop_daemon
    from shared_ollama.daemon._serve_env import (
        MachineInfo,
        ServeEnvironment,
        memory_budget_bytes,
        serve_environment,
    )
    from shared_ollama.daemon._status import DaemonStatus, daemon_status
    from shared_ollama.daemon._warm import WarmResult, warm_models

__all__ = [
    "DaemonInfo",
    "DaemonSettings",
    "DaemonStatus",
    "MachineInfo",
    "OllamaBinaryNotFoundError",
    "ServeEnvironment",
    "ServiceHealth",
    "StopResult",
    "WarmResult",
    "acheck_service_health",
    "check_service_health",
    "daemon_status",
    "ensure_service_running",
    "find_ollama_binary",
    "memory_budget_bytes",
    "serve_environment",
    "start_daemon",
    "stop_daemon",
    "wait_until_ready",
    "warm_models",
]

_MODULES = {
    "_binary": ("OllamaBinaryNotFoundError", "find_ollama_binary"),
    "_ensure": ("ensure_service_running",),
    "_files": ("DaemonSettings",),
    "_health": (
        "ServiceHealth",
        "acheck_service_health",
        "check_service_health",
        "wait_until_ready",
    ),
    "_process": ("DaemonInfo", "StopResult", "start_daemon", "stop_daemon"),
    "_serve_env": ("MachineInfo", "ServeEnvironment", "memory_budget_bytes", "serve_environment"),
    "_status": ("DaemonStatus", "daemon_status"),
    "_warm": ("WarmResult", "warm_models"),
}
__getattr__, __dir__ = lazy_module_attributes(
    __name__,
    {name: f"{__name__}.{module}:{name}" for module, names in _MODULES.items() for name in names},
    listed=globals(),
)
