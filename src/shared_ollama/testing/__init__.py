"""Testing code that calls Ollama: offline replay of recorded cassettes and the pytest plugin.

:func:`reset` returns shared-ollama's process-wide state (breakers, retry budgets, the default
client, coordinators, what clients learned) to a fresh start; the pytest plugin calls it before
every test, other test runners call it themselves. The replay server loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared_ollama._lazy import lazy_module_attributes
from shared_ollama.testing._reset import reset

if TYPE_CHECKING:
    from shared_ollama.testing._replay_book import ReplayBook, load_cassettes
    from shared_ollama.testing._replay_server import ReplayServer

__all__ = ["ReplayBook", "ReplayServer", "load_cassettes", "reset"]

__getattr__, __dir__ = lazy_module_attributes(
    __name__,
    {
        "ReplayBook": f"{__name__}._replay_book:ReplayBook",
        "ReplayServer": f"{__name__}._replay_server:ReplayServer",
        "load_cassettes": f"{__name__}._replay_book:load_cassettes",
    },
    listed=globals(),
)
