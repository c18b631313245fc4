"""The ``shared-ollama`` command: run, inspect and use the shared daemon from a shell.

Every command takes ``--host`` (the server; default from the environment) and ``--json`` (one
JSON document on stdout, for scripts). Exit codes: 0 success, 1 failure or server down, 2 usage
error, 130 interrupted.

:data:`COMMANDS` is the one table of commands, written out here: importing a module never adds a
command, so what the program offers does not depend on what was imported first. Each command's
code lives beside what it drives (``_daemon``: the daemon; ``_api``: models and one-shot calls;
the plugins, replay, report, load-test and coordinator (``top``) modules for theirs).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shared_ollama._cli import _api, _daemon
from shared_ollama._cli._output import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    configure_nothing,
    fail,
    warn,
)
from shared_ollama._coordinator import _top
from shared_ollama._errors import SharedOllamaError
from shared_ollama._host import DEFAULT_BASE_URL, HOST_VARIABLES
from shared_ollama._report import _command as _report_command
from shared_ollama._report import _load_test
from shared_ollama._version import __version__
from shared_ollama.plugins._command import configure_plugins_parser, run_plugins
from shared_ollama.testing._replay_cli import configure_replay_parser, run_replay

__all__ = [
    "COMMANDS",
    "HOST_HELP",
    "Command",
    "CommandRun",
    "ConfigureParser",
    "build_parser",
    "main",
]

HOST_HELP = (
    f"Ollama address (default: the first of {', '.join(HOST_VARIABLES)} that is set, "
    f"else {DEFAULT_BASE_URL})"
)
"""The help of ``--host``: every variable it reads, in the order host resolution reads them."""

ConfigureParser = Callable[[argparse.ArgumentParser], None]
CommandRun = Callable[[argparse.Namespace], int]


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


COMMANDS: tuple[Command, ...] = (
    # the daemon
    Command(
        "status",
        "is the daemon up? version, pid, memory, loaded models",
        configure_nothing,
        _daemon.run_status,
    ),
    Command(
        "doctor",
        "check binary, service, port, environment, models, versions",
        configure_nothing,
        _daemon.run_doctor,
    ),
    Command(
        "start", "start the daemon unless one answers", _daemon.configure_start, _daemon.run_start
    ),
    Command(
        "stop",
        "stop the daemon that shared-ollama started",
        _daemon.configure_stop,
        _daemon.run_stop,
    ),
    Command(
        "restart", "stop, then start the daemon", _daemon.configure_restart, _daemon.run_restart
    ),
    Command(
        "service",
        "install the daemon as a launchd/systemd service",
        _daemon.configure_service,
        _daemon.run_service,
    ),
    Command(
        "memory-limit",
        "print the memory budget for models",
        _daemon.configure_memory_limit,
        _daemon.run_memory_limit,
    ),
    # the API
    Command("models", "list pulled and loaded models", configure_nothing, _api.run_models),
    Command("pull", "pull a model, with progress", _api.configure_pull, _api.run_pull),
    Command("warm", "load models now and keep them loaded", _api.configure_warm, _api.run_warm),
    Command("chat", "one chat turn, streamed", _api.configure_one_shot, _api.run_chat),
    Command("generate", "one completion, streamed", _api.configure_one_shot, _api.run_generate),
    # the toolkit
    Command(
        "plugins",
        "list the installed shared-ollama integrations (entry points, not imported)",
        configure_plugins_parser,
        run_plugins,
    ),
    Command(
        "replay",
        "serve recorded cassettes as an offline Ollama on loopback (a replay, not a live server)",
        configure_replay_parser,
        run_replay,
    ),
    Command(
        _report_command.COMMAND_NAME,
        _report_command.COMMAND_HELP,
        _report_command.configure_parser,
        _report_command.run,
    ),
    Command(
        _load_test.COMMAND_NAME,
        _load_test.COMMAND_HELP,
        _load_test.configure_parser,
        _load_test.run,
    ),
    Command(_top.COMMAND_NAME, _top.COMMAND_HELP, _top.configure_parser, _top.run),
)
"""Every sub-command, in the order ``--help`` lists them."""


def _has_option(parser: argparse.ArgumentParser, option: str) -> bool:
    return any(option in action.option_strings for action in parser._actions)


def build_parser(commands: Sequence[Command] = COMMANDS) -> argparse.ArgumentParser:
    """The argument parser of ``commands``.

    ``--host`` and ``--json`` are added to each command's parser unless it adds them itself.

    Raises:
        ValueError: Two commands share a name.
    """
    names = [command.name for command in commands]
    if len(set(names)) != len(names):
        duplicates = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(f"command names must be unique; repeated: {', '.join(duplicates)}")
    parser = argparse.ArgumentParser(
        prog="shared-ollama",
        description="Run, inspect and use the Ollama daemon shared by your projects.",
    )
    parser.add_argument("--version", action="version", version=f"shared-ollama {__version__}")
    parser.add_argument("--host", dest="global_host", metavar="URL", default=None, help=HOST_HELP)
    parser.add_argument(
        "--json",
        dest="global_json",
        action="store_true",
        help="print one JSON document, for scripts",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in commands:
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.configure_parser(sub)
        if not _has_option(sub, "--host"):
            sub.add_argument("--host", default=None, metavar="URL", help=HOST_HELP)
        if not _has_option(sub, "--json"):
            sub.add_argument("--json", action="store_true", help="print JSON, for scripts")
        sub.set_defaults(_run=command.run)
    return parser


def main(argv: list[str] | None = None, *, commands: Sequence[Command] = COMMANDS) -> int:
    """Run ``shared-ollama`` with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Args:
        argv: The arguments after the program's name.
        commands: The command table (tests pass their own).
    """
    parser = build_parser(commands)
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
