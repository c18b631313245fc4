"""Adds ``plugins`` and ``replay`` to the ``shared-ollama`` command (import registers them).

Listed in ``shared_ollama._cli.COMMAND_MODULES``, so :func:`shared_ollama._cli.main` imports it.
The commands' code lives with what they drive: :mod:`shared_ollama._plugins` and
:mod:`shared_ollama._replay`.
"""

from __future__ import annotations

from shared_ollama._cli import register_command
from shared_ollama._plugins import configure_plugins_parser, run_plugins
from shared_ollama._replay import configure_replay_parser, run_replay

__all__: list[str] = []

register_command(
    "plugins",
    "list the installed shared-ollama integrations (entry points, not imported)",
    configure_plugins_parser,
    run_plugins,
    replace=True,  # importing this module again (tests do) registers the same command again
)
register_command(
    "replay",
    "serve recorded cassettes as an offline Ollama on loopback (a replay, not a live server)",
    configure_replay_parser,
    run_replay,
    replace=True,
)
