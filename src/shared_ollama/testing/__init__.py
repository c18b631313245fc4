"""Testing code that calls Ollama: offline replay of recorded cassettes and the pytest plugin.

:func:`reset` returns shared-ollama's process-wide state (breakers, retry budgets, the default
client, coordinators, what clients learned) to a fresh start; the pytest plugin calls it before
every test, other test runners call it themselves.
"""

from shared_ollama.testing._reset import reset

__all__ = ["reset"]
