"""What every command shares: exit codes and the ways to print a result or a failure.

``rich`` draws progress bars when it is installed and stdout is a terminal; plain text otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from shared_ollama._errors import CircuitOpenError, OllamaUnavailableError, RequestTimeoutError
from shared_ollama._host import mask_url, resolve_base_url

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "configure_nothing",
    "echo",
    "emit_json",
    "fail",
    "is_server_down",
    "rich_console",
    "server_down_message",
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


def server_down_message(url: str) -> str:
    """The one sentence every command prints when no Ollama server answers at ``url``.

    The URL is masked (no password); the sentence says how to start a server.
    """
    return (
        f"no Ollama server answers at {mask_url(url)}; start one with `shared-ollama start` "
        "(or `ollama serve`), or point --host at a running server"
    )


def is_server_down(exc: BaseException) -> bool:
    """Whether ``exc`` means nothing answered at all (refused, unresolvable, breaker open)."""
    if isinstance(exc, RequestTimeoutError):
        return exc.phase == "connect"
    return isinstance(exc, (OllamaUnavailableError, CircuitOpenError))


def fail(exc: BaseException, args: argparse.Namespace) -> int:
    """Report ``exc`` (as JSON with ``--json``, else on stderr); returns :data:`EXIT_FAILURE`.

    A server that is down is reported with :func:`server_down_message`, the same for every
    command.
    """
    text = str(exc)
    if is_server_down(exc):
        url = getattr(exc, "host", None) or resolve_base_url(getattr(args, "host", None))
        text = server_down_message(url)
    if getattr(args, "json", False):
        emit_json({"ok": False, "error": mask_url(text), "type": type(exc).__name__})
    else:
        warn(text)
    return EXIT_FAILURE
