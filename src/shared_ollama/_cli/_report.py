"""Adds ``report`` and ``load-test`` to the ``shared-ollama`` command (import registers them).

Listed in ``shared_ollama._cli.COMMAND_MODULES``, so :func:`shared_ollama._cli.main` imports it.
"""

from __future__ import annotations

from shared_ollama import _load_test
from shared_ollama._cli import register_command
from shared_ollama._report import _command

__all__: list[str] = []

register_command(
    _command.COMMAND_NAME,
    _command.COMMAND_HELP,
    _command.configure_parser,
    _command.run,
    replace=True,  # importing this module again (tests do) registers the same command again
)
register_command(
    _load_test.COMMAND_NAME,
    _load_test.COMMAND_HELP,
    _load_test.configure_parser,
    _load_test.run,
    replace=True,
)
