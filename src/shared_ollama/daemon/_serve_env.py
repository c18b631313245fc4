"""The environment for ``ollama serve``, computed from a description of the machine.

Everything here is pure except :meth:`MachineInfo.detect`, so every platform is tested on any
machine by describing it. The rules:

=====================  ==========================================  ===========
variable               value                                       source
=====================  ==========================================  ===========
``OLLAMA_HOST``        ``127.0.0.1:<port>`` (``0.0.0.0:<port>``     computed
                       only with ``bind_all=True``, with a
                       warning)
``OLLAMA_KEEP_ALIVE``  ``5m``: idle models unload and free memory  default
``OLLAMA_NUM_THREAD``  the number of physical cores                computed
``OLLAMA_MAX_RAM``     :func:`memory_budget_bytes`, in bytes       computed
``OLLAMA_METAL``       ``1`` on Apple Silicon only                 computed
``OLLAMA_NUM_GPU``     ``-1`` (all layers) on Apple Silicon only   computed
=====================  ==========================================  ===========

A variable the user set in their environment wins over every row (source ``user``), except
``OLLAMA_HOST``: the daemon must listen where the client looks, so it always follows the port
that was asked for (the port itself comes from the user's ``OLLAMA_HOST`` or URL).

Only ``OLLAMA_HOST`` and ``OLLAMA_KEEP_ALIVE`` are server settings Ollama reads (its
``envconfig``; ``ollama serve --help`` lists them). ``OLLAMA_NUM_THREAD``, ``OLLAMA_MAX_RAM``,
``OLLAMA_METAL`` and ``OLLAMA_NUM_GPU`` are exported for compatibility with the original shell
tooling and have no effect on the server (threads and GPU layers are per-request options,
``num_thread`` and ``num_gpu``; Ollama sizes memory and picks Metal on its own):
:data:`NOT_SERVER_SETTINGS` says what each is for, and ``doctor`` marks them. shared-ollama uses
the budget to warn when the loaded models outgrow it (:func:`loaded_models_warning`).
"""

from __future__ import annotations

import logging
import os
import platform
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import psutil

__all__ = [
    "DEFAULT_KEEP_ALIVE",
    "GIB",
    "MEMORY_BUDGET_FLOOR_BYTES",
    "MEMORY_RESERVE_FRACTION",
    "MEMORY_RESERVE_MIN_BYTES",
    "NOT_SERVER_SETTINGS",
    "MachineInfo",
    "ServeEnvironment",
    "ServeSetting",
    "SettingSource",
    "budget_from_environ",
    "format_bytes",
    "loaded_models_warning",
    "memory_budget_bytes",
    "serve_environment",
]

logger = logging.getLogger("shared_ollama.daemon")

GIB = 1024**3
DEFAULT_KEEP_ALIVE = "5m"
MEMORY_RESERVE_FRACTION = 0.25
MEMORY_RESERVE_MIN_BYTES = 8 * GIB
MEMORY_BUDGET_FLOOR_BYTES = 4 * GIB
MAX_RAM_VARIABLE = "OLLAMA_MAX_RAM"

SettingSource = Literal["default", "computed", "user"]

NOT_SERVER_SETTINGS: dict[str, str] = {
    "OLLAMA_NUM_THREAD": "threads are the per-request option num_thread",
    MAX_RAM_VARIABLE: "shared-ollama's own memory budget, for its warnings",
    "OLLAMA_METAL": "Ollama picks Metal on its own",
    "OLLAMA_NUM_GPU": "GPU layers are the per-request option num_gpu",
}
"""The variables :func:`serve_environment` exports that are not among the server settings Ollama
reads (its ``envconfig``), with what each is for instead. Kept for the original shell tooling."""


@dataclass(frozen=True, slots=True)
class MachineInfo:
    """What the serve environment depends on: platform, memory, cores and accelerators.

    Attributes:
        system: ``platform.system()``: ``Darwin``, ``Linux`` or ``Windows``.
        machine: The CPU architecture: ``arm64``, ``x86_64``, ``aarch64``...
        total_memory_bytes: Physical memory in bytes.
        physical_cores: Physical CPU cores (not hyper-threads).
        has_nvidia_gpu: Whether an NVIDIA driver is present (Ollama then uses CUDA by itself).
    """

    system: str
    machine: str
    total_memory_bytes: int
    physical_cores: int
    has_nvidia_gpu: bool = False

    @property
    def is_apple_silicon(self) -> bool:
        """Whether this is a Mac with an Apple (arm64) chip, where Metal runs the models."""
        return self.system == "Darwin" and self.machine in {"arm64", "aarch64"}

    @classmethod
    def detect(cls) -> MachineInfo:
        """Describe this machine with ``platform`` and ``psutil``."""
        system = platform.system()
        machine = platform.machine()
        if system == "Darwin" and machine == "x86_64" and _runs_under_rosetta():
            machine = "arm64"
        cores = psutil.cpu_count(logical=False) or os.cpu_count() or 1
        return cls(
            system=system,
            machine=machine,
            total_memory_bytes=int(psutil.virtual_memory().total),
            physical_cores=int(cores),
            has_nvidia_gpu=shutil.which("nvidia-smi") is not None
            or os.path.exists("/proc/driver/nvidia/version"),
        )


def _runs_under_rosetta() -> bool:
    """Whether an x86_64 Python runs translated on an Apple Silicon Mac."""
    try:
        done = subprocess.run(
            ["/usr/sbin/sysctl", "-n", "sysctl.proc_translated"],
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.stdout.strip() == "1"


def memory_budget_bytes(total_memory_bytes: int) -> int:
    """The memory the models may use: the seed's rule.

    ``budget = max(total - max(25% of total, 8 GiB), 4 GiB)``, never more than ``total``. The
    reserve keeps the operating system and the projects themselves responsive.

    Args:
        total_memory_bytes: Physical memory of the machine.

    Returns:
        The budget in bytes.

    Raises:
        ValueError: ``total_memory_bytes`` is not positive.
    """
    if total_memory_bytes <= 0:
        raise ValueError(f"total memory must be positive, got {total_memory_bytes}")
    reserve = max(int(total_memory_bytes * MEMORY_RESERVE_FRACTION), MEMORY_RESERVE_MIN_BYTES)
    budget = max(total_memory_bytes - reserve, MEMORY_BUDGET_FLOOR_BYTES)
    return min(budget, total_memory_bytes)


@dataclass(frozen=True, slots=True)
class ServeSetting:
    """One variable of the serve environment and where its value came from.

    Attributes:
        name: The variable, e.g. ``OLLAMA_KEEP_ALIVE``.
        value: Its value.
        source: ``default`` (our opinion), ``computed`` (from the machine) or ``user`` (the
            user's environment, which always wins).
    """

    name: str
    value: str
    source: SettingSource

    @property
    def read_by_server(self) -> bool:
        """Whether ``ollama serve`` reads this variable (see :data:`NOT_SERVER_SETTINGS`)."""
        return self.name not in NOT_SERVER_SETTINGS


@dataclass(frozen=True, slots=True)
class ServeEnvironment:
    """The variables shared-ollama sets for ``ollama serve``.

    Attributes:
        settings: Every variable with its source, in a stable order.
        warnings: What the user should know (binding all interfaces, a tiny budget).
    """

    settings: tuple[ServeSetting, ...]
    warnings: tuple[str, ...] = ()

    @property
    def env(self) -> dict[str, str]:
        """The variables as a dictionary, to merge over the process environment."""
        return {s.name: s.value for s in self.settings}

    @property
    def sources(self) -> dict[str, SettingSource]:
        """Where each variable's value came from."""
        return {s.name: s.source for s in self.settings}

    def merged(self, base: Mapping[str, str]) -> dict[str, str]:
        """The complete environment for the daemon: ``base`` with these variables over it."""
        return {**base, **self.env}


def serve_environment(
    machine: MachineInfo,
    *,
    port: int,
    user_env: Mapping[str, str],
    keep_alive: str = DEFAULT_KEEP_ALIVE,
    bind_all: bool = False,
    loopback: str = "127.0.0.1",
) -> ServeEnvironment:
    """Compute the environment for ``ollama serve`` on ``machine`` (rules in the module docstring).

    Args:
        machine: The machine the daemon runs on.
        port: The TCP port the daemon listens on.
        user_env: The user's environment; any managed variable set there (non-empty) wins.
        keep_alive: How long idle models stay loaded, unless the user set ``OLLAMA_KEEP_ALIVE``.
        bind_all: Listen on every interface (``0.0.0.0``) instead of loopback. Anyone on the
            network can then use the daemon: a warning is logged and returned.
        loopback: The loopback address to listen on: ``127.0.0.1`` or ``[::1]``.

    Returns:
        The variables, their sources and the warnings.

    Raises:
        ValueError: ``port`` is not a TCP port.
    """
    if not 0 < port <= 65535:
        raise ValueError(f"port must be from 1 to 65535, got {port}")
    warnings: list[str] = []
    bind = "0.0.0.0" if bind_all else loopback  # noqa: S104 (only when asked, with a warning)
    if bind_all:
        warnings.append(
            f"ollama serve will listen on ALL network interfaces (0.0.0.0:{port}): anyone who can "
            "reach this machine can run models on it. Drop --bind-all to keep it on loopback."
        )
    budget = memory_budget_bytes(machine.total_memory_bytes)
    proposals: list[tuple[str, str, SettingSource]] = [
        ("OLLAMA_HOST", f"{bind}:{port}", "computed"),
        ("OLLAMA_KEEP_ALIVE", keep_alive, "default"),
        ("OLLAMA_NUM_THREAD", str(max(1, machine.physical_cores)), "computed"),
        (MAX_RAM_VARIABLE, str(budget), "computed"),
    ]
    if machine.is_apple_silicon:
        proposals += [("OLLAMA_METAL", "1", "computed"), ("OLLAMA_NUM_GPU", "-1", "computed")]
    settings: list[ServeSetting] = []
    for name, value, source in proposals:
        user_value = user_env.get(name, "").strip()
        if user_value and name != "OLLAMA_HOST":
            settings.append(ServeSetting(name, user_value, "user"))
        else:
            settings.append(ServeSetting(name, value, source))
    for warning in warnings:
        logger.warning("%s", warning)
    return ServeEnvironment(tuple(settings), tuple(warnings))


def budget_from_environ(machine: MachineInfo, environ: Mapping[str, str]) -> int:
    """The memory budget in force: ``OLLAMA_MAX_RAM`` from the user when it is a byte count.

    Args:
        machine: The machine, for the computed budget.
        environ: The environment that may hold ``OLLAMA_MAX_RAM``.

    Returns:
        The budget in bytes.
    """
    raw = environ.get(MAX_RAM_VARIABLE, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return memory_budget_bytes(machine.total_memory_bytes)


def format_bytes(count: int | float) -> str:
    """Format a byte count for people: ``8.0 GiB``, ``135.0 MiB``, ``512 B``."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def loaded_models_warning(sizes: Iterable[tuple[str, int]], budget_bytes: int) -> str | None:
    """Say when the models loaded in the daemon (from ``/api/ps``) use more than the budget.

    Args:
        sizes: ``(model name, size in bytes)`` of every loaded model.
        budget_bytes: The memory budget (:func:`memory_budget_bytes` or ``OLLAMA_MAX_RAM``).

    Returns:
        A warning naming the models and what to do, or ``None`` when they fit.
    """
    loaded = list(sizes)
    total = sum(size for _, size in loaded)
    if total <= budget_bytes:
        return None
    names = ", ".join(f"{name} ({format_bytes(size)})" for name, size in loaded)
    return (
        f"loaded models use {format_bytes(total)}, more than the memory budget of "
        f"{format_bytes(budget_bytes)}: {names}. Unload some (`keep_alive=0`, or "
        "`ollama stop MODEL`), use smaller or more quantized models, or raise OLLAMA_MAX_RAM."
    )
