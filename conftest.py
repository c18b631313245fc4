"""Settings for every test folder of the repository (core and both integrations)."""

from __future__ import annotations

from typing import Any

from shared_ollama.testing._replay_book import same_body


def _vcr_body(first: Any, second: Any) -> None:
    """Vcrpy's ``body`` matcher, by the rule our replay server uses (``same_body``)."""
    assert same_body(first.body, second.body), "the request bodies ask Ollama different things"


def pytest_recording_configure(config: Any, vcr: Any) -> None:
    """Cassettes match bodies as replay does: ``"tools": []`` and an absent key are the same.

    A request recorded before a field was sent empty (``"tools": []``, as ollama-python sends
    it) still replays.
    """
    vcr.register_matcher("body", _vcr_body)
