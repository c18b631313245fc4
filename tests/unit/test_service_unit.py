"""Service definitions: the launchd plist read back by plistlib, the systemd unit's quoting."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest

from shared_ollama.daemon._service_unit import LAUNCHD_LABEL, launchd_plist, service_definition

ENV = {
    "OLLAMA_HOST": "127.0.0.1:11434",
    "OLLAMA_KEEP_ALIVE": "5m",
    "OLLAMA_MODELS": "/Users/a & b/<models>",
    "ODD": "quote \" apostrophe ' and ]]> end",
}


def test_launchd_plist_round_trips_through_plistlib(tmp_path: Path) -> None:
    """plistlib.loads gives back exactly the agent: label, program, environment, logs, flags."""
    binary = "/Applications/Ollama & Co.app/Contents/Resources/ollama"
    text = launchd_plist(binary, ENV, logs_dir=tmp_path / "logs <1>")

    assert plistlib.loads(text.encode()) == {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": [binary, "serve"],
        "EnvironmentVariables": ENV,
        "RunAtLoad": True,
        "KeepAlive": True,
        "StandardOutPath": str(tmp_path / "logs <1>" / "ollama.log"),
        "StandardErrorPath": str(tmp_path / "logs <1>" / "ollama.error.log"),
    }
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC')


def test_launchd_plist_keeps_non_ascii_values(tmp_path: Path) -> None:
    """A home folder with accents survives the trip (UTF-8 document)."""
    logs = tmp_path / "Journaux d'été"
    text = launchd_plist("/usr/local/bin/ollama", {"HOME": "/Users/zoë"}, logs_dir=logs)
    loaded = plistlib.loads(text.encode())
    assert loaded["EnvironmentVariables"] == {"HOME": "/Users/zoë"}
    assert loaded["StandardErrorPath"] == str(logs / "ollama.error.log")


def test_launchd_plist_rejects_a_control_character_naming_the_variable(tmp_path: Path) -> None:
    """A value no plist can hold is a ValueError that names the variable, not a broken file."""
    with pytest.raises(ValueError, match="OLLAMA_ORIGINS contains a control character"):
        launchd_plist("/bin/ollama", {"OLLAMA_ORIGINS": "a\x01b"}, logs_dir=tmp_path)


def test_service_definition_for_launchd_is_the_plist_under_launch_agents(tmp_path: Path) -> None:
    """The launchd definition goes to ~/Library/LaunchAgents and is bootstrapped by launchctl."""
    definition = service_definition(
        "launchd", binary="/bin/ollama", env=ENV, logs_dir=tmp_path, home=tmp_path
    )
    assert definition.path == tmp_path / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
    assert plistlib.loads(definition.text.encode())["EnvironmentVariables"] == ENV
    assert definition.enable_commands == (f"launchctl bootstrap gui/$(id -u) {definition.path}",)
