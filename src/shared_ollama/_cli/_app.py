"""The ``shared-ollama`` command: run, inspect and use the shared daemon from a shell.

Every command takes ``--host`` (the server; default from the environment) and ``--json`` (one
JSON document on stdout, for scripts). Exit codes: 0 success, 1 failure or server down, 2 usage
error, 130 interrupted.

Commands live in a table, filled by the modules listed in :data:`COMMAND_MODULES` (``_cli_daemon``:
the daemon; ``_cli_api``: models and one-shot calls; then ``plugins``, ``replay``, ``report``...),
which :func:`main` imports: each calls :func:`register_command` at import. ``rich`` draws progress bars when it is installed and
stdout is a terminal; plain text is printed otherwise.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from shared_ollama._errors import SharedOllamaError
from shared_ollama._host import mask_url

__all__ = [
    "COMMAND_MODULES",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "Command",
    "CommandRun",
    "ConfigureParser",
    "build_parser",
    "echo",
    "emit_json",
    "fail",
    "load_commands",
    "main",
    "register_command",
    "rich_console",
    "stdout",
    "warn",
]

ConfigureParser = Callable[[argparse.ArgumentParser], None]
CommandRun = Callable[[argparse.Namespace], int]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Command:
    """One sub-command of ``shared-ollama``.

    Attributes:
        name: What the user types (``status``).
        help: One line for ``--help``.
        configure_parser: Adds the command's arguments to its parser.
        run: Does the work with the parsed arguments; returns the exit code.
    """

    name: str
    help: str
    configure_parser: ConfigureParser
    run: CommandRun


_COMMANDS: dict[str, Command] = {}
COMMAND_MODULES: tuple[str, ...] = (
    "shared_ollama._cli_daemon",  # status doctor start stop restart service memory-limit
    "shared_ollama._cli_api",  # models pull warm chat generate
    "shared_ollama._cli_toolkit",  # plugins replay
    "shared_ollama._report._register",  # report load-test
)
"""Modules whose import registers commands, imported by :func:`main` in this order."""


def register_command(
    name: str,
    help: str,
    configure_parser: ConfigureParser,
    run: CommandRun,
    *,
    replace: bool = False,
) -> Command:
    """Add a sub-command to ``shared-ollama``.

    ``--host`` and ``--json`` are added to its parser unless ``configure_parser`` adds them.

    Args:
        name: The sub-command's name.
        help: One line for ``--help``.
        configure_parser: Adds its arguments to the parser it is given.
        run: Called with the parsed arguments; returns the exit code.
        replace: Allow replacing a command of the same name.

    Returns:
        The registered command.

    Raises:
        ValueError: ``name`` is taken and ``replace`` is false.
    """
    if name in _COMMANDS and not replace:
        raise ValueError(f"the command {name!r} is already registered; pass replace=True")
    command = Command(name, help, configure_parser, run)
    _COMMANDS[name] = command
    return command


# --- output ----------------------------------------------------------------------------------


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


def load_commands() -> None:
    """Import :data:`COMMAND_MODULES`, which register their commands."""
    for module in COMMAND_MODULES:
        importlib.import_module(module)


def _has_option(parser: argparse.ArgumentParser, option: str) -> bool:
    return any(option in action.option_strings for action in parser._actions)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered command."""
    load_commands()
    parser = argparse.ArgumentParser(
        prog="shared-ollama",
        description="Run, inspect and use the Ollama daemon shared by your projects.",
    )
    parser.add_argument(
        "--host",
        dest="global_host",
        metavar="URL",
        default=None,
        help="Ollama address (default: SHARED_OLLAMA_URL, OLLAMA_HOST, http://127.0.0.1:11434)",
    )
    parser.add_argument(
        "--json",
        dest="global_json",
        action="store_true",
        help="print one JSON document, for scripts",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in _COMMANDS.values():
        sub = commands.add_parser(command.name, help=command.help, description=command.help)
        command.configure_parser(sub)
        if not _has_option(sub, "--host"):
            sub.add_argument("--host", default=None, metavar="URL", help="Ollama address")
        if not _has_option(sub, "--json"):
            sub.add_argument("--json", action="store_true", help="print JSON, for scripts")
        sub.set_defaults(_run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``shared-ollama`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    args.host = getattr(args, "host", None) or args.global_host
    args.json = bool(getattr(args, "json", False) or args.global_json)
    run: CommandRun = args._run
    try:
        return run(args)
    except KeyboardInterrupt:
        warn("interrupted")
        return EXIT_INTERRUPTED
    except SharedOllamaError as exc:
        return fail(exc, args)
    except ValueError as exc:  # a bad --host or environment value
        warn(str(exc))
        return EXIT_USAGE
