"""What every command shares: exit codes and the ways to print a result or a failure.

``rich`` draws progress bars when it is installed and stdout is a terminal; plain text otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from shared_ollama._host import mask_url

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "configure_nothing",
    "echo",
    "emit_json",
    "fail",
    "rich_console",
    "stdout",
    "warn",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def configure_nothing(parser: argparse.ArgumentParser) -> None:
    """The parser set-up of a command that takes only ``--host`` and ``--json``."""
    del parser


def stdout() -> TextIO:
    """Where command output goes (``sys.stdout`` at the time of the call)."""
    return sys.stdout


def echo(text: str = "") -> None:
    """Print one line of output."""
    stdout().write(text + "\n")


def warn(text: str) -> None:
    """Print a message to stderr, prefixed with the program's name."""
    sys.stderr.write(f"shared-ollama: {mask_url(text)}\n")


def emit_json(data: Any) -> None:
    """Print ``data`` as one indented JSON document."""
    echo(json.dumps(data, indent=2, default=str))


def rich_console() -> Any | None:
    """A ``rich`` console when rich is installed and stdout is a terminal."""
    if not stdout().isatty():
        return None
    try:
        from rich.console import Console  # noqa: PLC0415 (optional extra)
    except ImportError:
        return None
    return Console()


def fail(exc: BaseException, args: argparse.Namespace) -> int:
    """Report ``exc`` (as JSON with ``--json``, else on stderr); returns :data:`EXIT_FAILURE`."""
    if getattr(args, "json", False):
        emit_json({"ok": False, "error": mask_url(str(exc)), "type": type(exc).__name__})
    else:
        warn(str(exc))
    return EXIT_FAILURE
