"""Testing code that calls Ollama: record once, replay offline, one matching rule, a clean slate.

* :class:`ReplayServer` serves vcrpy cassettes as an Ollama HTTP API on loopback, and with a
  record mode forwards what has no recording to a real Ollama and writes it (:data:`RECORD_MODES`);
* :func:`vcr_config` and :func:`register_matcher` give vcrpy (and pytest-recording) the same
  matching rule (:data:`MATCHER_NAME`, :func:`match_key`);
* :func:`reset` returns shared-ollama's process-wide state (breakers, retry budgets, the default
  client, coordinators, what clients learned) to a fresh start; the pytest plugin calls it
  before every test, other test runners call it themselves;
* the pytest plugin (loaded by pytest on its own) adds the ``shared_ollama`` marker,
  ``--shared-ollama-record`` and the replay fixtures.

A request that no recording matches raises :class:`shared_ollama.CassetteMissError` in our
clients. The guide: ``docs/testing.md``. Everything but :func:`reset` loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared_ollama._lazy import lazy_module_attributes
from shared_ollama.testing._reset import reset

if TYPE_CHECKING:
    from shared_ollama.testing._cassette_file import RECORD_MODES
    from shared_ollama.testing._matching import (
        MATCHER_NAME,
        MatchKey,
        match_key,
        register_matcher,
        vcr_config,
    )
    from shared_ollama.testing._replay_book import ReplayBook, load_cassettes
    from shared_ollama.testing._replay_server import ReplayServer

__all__ = [
    "MATCHER_NAME",
    "RECORD_MODES",
    "MatchKey",
    "ReplayBook",
    "ReplayServer",
    "load_cassettes",
    "match_key",
    "register_matcher",
    "reset",
    "vcr_config",
]

__getattr__, __dir__ = lazy_module_attributes(
    __name__,
    {
        "MATCHER_NAME": f"{__name__}._matching:MATCHER_NAME",
        "MatchKey": f"{__name__}._matching:MatchKey",
        "RECORD_MODES": f"{__name__}._cassette_file:RECORD_MODES",
        "ReplayBook": f"{__name__}._replay_book:ReplayBook",
        "ReplayServer": f"{__name__}._replay_server:ReplayServer",
        "load_cassettes": f"{__name__}._replay_book:load_cassettes",
        "match_key": f"{__name__}._matching:match_key",
        "register_matcher": f"{__name__}._matching:register_matcher",
        "vcr_config": f"{__name__}._matching:vcr_config",
    },
    listed=globals(),
)
