"""The environment variables a client reads, read in one place.

======================  =========================================================
variable                meaning
======================  =========================================================
``SHARED_OLLAMA_URL``   the server (wins over the two below); see ``_host.py``
``OLLAMA_BASE_URL``     the server, as LangChain and LlamaIndex users set it
``OLLAMA_HOST``         the server, by Ollama's own rules
``OLLAMA_API_KEY``      bearer token sent as ``Authorization``
``SHARED_OLLAMA_PROJECT``  the calling project's name, for analytics
``SHARED_OLLAMA_MACHINE_SLOTS``  requests in flight per host from all processes of this user
``SHARED_OLLAMA_RUNTIME_DIR``  where the machine-wide coordinator's database lives
``SHARED_OLLAMA_PRIORITY``  ``interactive``, ``normal`` (default) or ``batch``
``SHARED_OLLAMA_COORDINATOR``  ``redis://host:port/db`` to share the slots across machines
``SHARED_OLLAMA_NUM_CTX_CEILING``  the largest ``num_ctx`` the processes may agree on
``SHARED_OLLAMA_AGING_STEP``  seconds of waiting that raise a request by one priority
``SHARED_OLLAMA_PROJECT_WEIGHT``  this project's share of contended slots (default 1)
======================  =========================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared_ollama._host import mask_url

__all__ = [
    "EnvironmentDefaults",
    "api_key_from_environ",
    "default_project_name",
    "default_runtime_dir",
]

_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")


def default_project_name(cwd: Path | None = None) -> str:
    """The project a process works for when ``SHARED_OLLAMA_PROJECT`` is unset.

    The name of the nearest folder at or above ``cwd`` that holds a ``pyproject.toml``,
    ``setup.py``, ``setup.cfg`` or ``.git``; else the name of ``cwd`` itself.
    """
    start = Path.cwd() if cwd is None else cwd
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in _PROJECT_MARKERS):
            return folder.name or str(folder)
    return start.name or str(start)


def _positive(env: Mapping[str, str], name: str, kind: type[float], meaning: str) -> float | None:
    """A positive number from ``env[name]``, ``None`` when unset, a clear error otherwise."""
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if not value > 0:
        raise ValueError(f"{name}={text!r} must be a positive {meaning}, or unset.")
    return value


def api_key_from_environ(environ: Mapping[str, str] | None = None) -> str | None:
    """``OLLAMA_API_KEY``, or ``None`` when unset or blank."""
    env = os.environ if environ is None else environ
    return env.get("OLLAMA_API_KEY", "").strip() or None


def default_runtime_dir(environ: dict[str, str] | None = None) -> Path:
    """``SHARED_OLLAMA_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/shared-ollama``, else the cache."""
    env = os.environ if environ is None else environ
    if env.get("SHARED_OLLAMA_RUNTIME_DIR"):
        return Path(env["SHARED_OLLAMA_RUNTIME_DIR"])
    if env.get("XDG_RUNTIME_DIR"):
        return Path(env["XDG_RUNTIME_DIR"]) / "shared-ollama"
    return Path.home() / ".cache" / "shared-ollama" / "run"


@dataclass(frozen=True, slots=True)
class EnvironmentDefaults:
    """What a client takes from the environment when no argument says otherwise.

    Attributes:
        environ: The variables that decide the host (a snapshot; see ``_host.resolve_host``).
        api_key: ``OLLAMA_API_KEY``, or ``None``.
        project: ``SHARED_OLLAMA_PROJECT``, or ``None``.
        machine_slots: ``SHARED_OLLAMA_MACHINE_SLOTS``, or ``None`` (no machine-wide cap).
        runtime_dir: Folder of the embedded coordinator's database.
        priority: ``SHARED_OLLAMA_PRIORITY``, or ``None`` (``normal``).
        coordinator: ``SHARED_OLLAMA_COORDINATOR`` (a ``redis://`` URL), or ``None``
            (the embedded coordinator in ``runtime_dir``).
        num_ctx_ceiling: ``SHARED_OLLAMA_NUM_CTX_CEILING``, or ``None`` (no cap).
        aging_step: ``SHARED_OLLAMA_AGING_STEP`` seconds, or ``None`` (the default).
        project_weight: ``SHARED_OLLAMA_PROJECT_WEIGHT``, or ``None`` (1).
    """

    environ: Mapping[str, str]
    api_key: str | None = None
    project: str | None = None
    machine_slots: int | None = None
    runtime_dir: Path | None = None
    priority: str | None = None
    coordinator: str | None = None
    num_ctx_ceiling: int | None = None
    aging_step: float | None = None
    project_weight: float | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> EnvironmentDefaults:
        """Read the settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ
        hosts = {
            name: env[name]
            for name in ("SHARED_OLLAMA_URL", "OLLAMA_BASE_URL", "OLLAMA_HOST")
            if name in env
        }
        slots = env.get("SHARED_OLLAMA_MACHINE_SLOTS", "").strip()
        if slots and not (slots.isdigit() and int(slots) > 0):
            raise ValueError(
                f"SHARED_OLLAMA_MACHINE_SLOTS={slots!r} must be a positive whole number "
                "(requests in flight per host from all processes), or unset."
            )
        priority = env.get("SHARED_OLLAMA_PRIORITY", "").strip() or None
        if priority is not None:
            from shared_ollama._coordinator._policy import parse_priority  # noqa: PLC0415 (light)

            priority = parse_priority(priority, source="SHARED_OLLAMA_PRIORITY")
        coordinator = env.get("SHARED_OLLAMA_COORDINATOR", "").strip() or None
        if coordinator is not None and not coordinator.startswith(("redis://", "rediss://")):
            raise ValueError(
                f"SHARED_OLLAMA_COORDINATOR={coordinator!r} must be a redis://host:port/db URL "
                "(or unset for the embedded coordinator of this machine)."
            )
        ceiling = _positive(env, "SHARED_OLLAMA_NUM_CTX_CEILING", int, "whole number of tokens")
        return cls(
            environ=hosts,
            api_key=api_key_from_environ(env),
            project=env.get("SHARED_OLLAMA_PROJECT") or None,
            machine_slots=int(slots) if slots else None,
            runtime_dir=default_runtime_dir(dict(env)),
            priority=priority,
            coordinator=coordinator,
            num_ctx_ceiling=None if ceiling is None else int(ceiling),
            aging_step=_positive(env, "SHARED_OLLAMA_AGING_STEP", float, "number of seconds"),
            project_weight=_positive(env, "SHARED_OLLAMA_PROJECT_WEIGHT", float, "number"),
        )

    def __repr__(self) -> str:
        key = "set" if self.api_key else "unset"
        hosts = {name: mask_url(value) for name, value in self.environ.items()}
        return f"EnvironmentDefaults(hosts={hosts!r}, api_key={key}, project={self.project!r})"
