"""Service definitions that keep the shared daemon running: a launchd agent or a systemd unit.

Pure text builders for ``shared-ollama service install``: the daemon runs ``ollama serve`` with
the computed serve environment, restarts when it dies, and logs where ``shared-ollama start``
would. Nothing here writes files or talks to launchd/systemd.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

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


def launchd_plist(binary: str, env: Mapping[str, str], *, logs_dir: Path) -> str:
    """A launchd agent that runs ``binary serve`` with ``env`` and keeps it alive."""
    variables = "".join(
        f"      <key>{escape(name)}</key>\n      <string>{escape(value)}</string>\n"
        for name, value in sorted(env.items())
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n'
        "  <dict>\n"
        f"    <key>Label</key>\n    <string>{LAUNCHD_LABEL}</string>\n"
        "    <key>ProgramArguments</key>\n"
        f"    <array>\n      <string>{escape(binary)}</string>\n      <string>serve</string>\n"
        "    </array>\n"
        f"    <key>EnvironmentVariables</key>\n    <dict>\n{variables}    </dict>\n"
        "    <key>RunAtLoad</key>\n    <true/>\n"
        "    <key>KeepAlive</key>\n    <true/>\n"
        "    <key>StandardOutPath</key>\n"
        f"    <string>{escape(str(logs_dir / 'ollama.log'))}</string>\n"
        "    <key>StandardErrorPath</key>\n"
        f"    <string>{escape(str(logs_dir / 'ollama.error.log'))}</string>\n"
        "  </dict>\n"
        "</plist>\n"
    )


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
