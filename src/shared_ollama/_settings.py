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
``SHARED_OLLAMA_RUNTIME_DIR``  where the machine-wide lock files live
======================  =========================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared_ollama._host import mask_url

__all__ = ["ClientSettings", "default_runtime_dir"]


def default_runtime_dir(environ: dict[str, str] | None = None) -> Path:
    """``SHARED_OLLAMA_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/shared-ollama``, else the cache."""
    env = os.environ if environ is None else environ
    if env.get("SHARED_OLLAMA_RUNTIME_DIR"):
        return Path(env["SHARED_OLLAMA_RUNTIME_DIR"])
    if env.get("XDG_RUNTIME_DIR"):
        return Path(env["XDG_RUNTIME_DIR"]) / "shared-ollama"
    return Path.home() / ".cache" / "shared-ollama" / "run"


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """What a client takes from the environment when no argument says otherwise.

    Attributes:
        environ: The variables that decide the host (a snapshot; see ``_host.resolve_host``).
        api_key: ``OLLAMA_API_KEY``, or ``None``.
        project: ``SHARED_OLLAMA_PROJECT``, or ``None``.
        machine_slots: ``SHARED_OLLAMA_MACHINE_SLOTS``, or ``None`` (no machine-wide cap).
        runtime_dir: Folder for machine-wide lock files.
    """

    environ: Mapping[str, str]
    api_key: str | None = None
    project: str | None = None
    machine_slots: int | None = None
    runtime_dir: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ClientSettings:
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
        return cls(
            environ=hosts,
            api_key=env.get("OLLAMA_API_KEY") or None,
            project=env.get("SHARED_OLLAMA_PROJECT") or None,
            machine_slots=int(slots) if slots else None,
            runtime_dir=default_runtime_dir(dict(env)),
        )

    def __repr__(self) -> str:
        key = "set" if self.api_key else "unset"
        hosts = {name: mask_url(value) for name, value in self.environ.items()}
        return f"ClientSettings(hosts={hosts!r}, api_key={key}, project={self.project!r})"
