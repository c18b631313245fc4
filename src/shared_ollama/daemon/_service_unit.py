"""Service definitions that keep the shared daemon running: a launchd agent or a systemd unit.

Pure text builders for ``shared-ollama service install``: the daemon runs ``ollama serve`` with
the computed serve environment, restarts when it dies, and logs where ``shared-ollama start``
would. Nothing here writes files or talks to launchd/systemd. The launchd property list is
written by the standard library's :mod:`plistlib`, so escaping and the document type are its.
"""

from __future__ import annotations

import plistlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "LAUNCHD_LABEL",
    "SYSTEMD_UNIT_NAME",
    "ServiceDefinition",
    "ServicePlatform",
    "launchd_plist",
    "service_definition",
    "systemd_unit",
]

LAUNCHD_LABEL = "com.shared-ollama.daemon"
SYSTEMD_UNIT_NAME = "shared-ollama.service"
ServicePlatform = Literal["launchd", "systemd"]


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    """A service file and how to enable it.

    Attributes:
        platform: ``launchd`` (macOS) or ``systemd`` (Linux).
        path: Where the file belongs.
        text: Its content.
        enable_commands: What to run once the file is in place.
    """

    platform: ServicePlatform
    path: Path
    text: str
    enable_commands: tuple[str, ...]


# XML 1.0 cannot carry these characters at all, so plistlib refuses them; we say which value.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _plist_string(value: str, what: str) -> str:
    if _NOT_IN_XML.search(value):
        raise ValueError(
            f"{what} contains a control character ({value!r}), which a launchd property list "
            f"cannot hold: remove it and install the service again."
        )
    return value


def launchd_plist(binary: str, env: Mapping[str, str], *, logs_dir: Path) -> str:
    """A launchd agent that runs ``binary serve`` with ``env`` and keeps it alive (XML plist).

    Raises:
        ValueError: A value holds a control character no property list can carry.
    """
    agent: dict[str, Any] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": [_plist_string(binary, "the ollama binary path"), "serve"],
        "EnvironmentVariables": {
            _plist_string(name, "an environment variable name"): _plist_string(value, name)
            for name, value in sorted(env.items())
        },
        "RunAtLoad": True,
        "KeepAlive": True,
        "StandardOutPath": _plist_string(str(logs_dir / "ollama.log"), "the logs folder"),
        "StandardErrorPath": _plist_string(str(logs_dir / "ollama.error.log"), "the logs folder"),
    }
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=False).decode("utf-8")


def _systemd_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_unit(binary: str, env: Mapping[str, str], *, logs_dir: Path) -> str:
    """A systemd user unit that runs ``binary serve`` with ``env`` and restarts it on failure."""
    environment = "".join(
        f"Environment={_systemd_quote(f'{name}={value}')}\n" for name, value in sorted(env.items())
    )
    return (
        "[Unit]\n"
        "Description=Shared Ollama daemon (managed by shared-ollama)\n"
        "After=network-online.target\n\n"
        "[Service]\n"
        "Type=exec\n"
        f"ExecStart={_systemd_quote(binary)} serve\n"
        f"{environment}"
        "Restart=on-failure\n"
        "RestartSec=3\n"
        f"StandardOutput=append:{logs_dir / 'ollama.log'}\n"
        f"StandardError=append:{logs_dir / 'ollama.error.log'}\n\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def service_definition(
    platform: ServicePlatform,
    *,
    binary: str,
    env: Mapping[str, str],
    logs_dir: Path,
    home: Path,
) -> ServiceDefinition:
    """The service file for ``platform``, where it goes, and how to enable it.

    Args:
        platform: ``launchd`` or ``systemd``.
        binary: The ``ollama`` executable.
        env: The serve environment (``ServeEnvironment.env``).
        logs_dir: Where the daemon logs.
        home: The user's home folder.
    """
    if platform == "launchd":
        path = home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
        return ServiceDefinition(
            platform,
            path,
            launchd_plist(binary, env, logs_dir=logs_dir),
            (f"launchctl bootstrap gui/$(id -u) {path}",),
        )
    path = home / ".config" / "systemd" / "user" / SYSTEMD_UNIT_NAME
    return ServiceDefinition(
        platform,
        path,
        systemd_unit(binary, env, logs_dir=logs_dir),
        ("systemctl --user daemon-reload", f"systemctl --user enable --now {SYSTEMD_UNIT_NAME}"),
    )
