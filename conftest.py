"""Settings for every test folder of the repository (core and both integrations)."""

from __future__ import annotations

from typing import Any

import pytest

from shared_ollama.testing import vcr_config as shared_vcr_config


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """The one vcrpy configuration of every suite here: the replay server's matching rule.

    ``shared_ollama.testing.vcr_config()`` matches with the ``shared_ollama`` matcher (method,
    path, query, and the body as Ollama reads it: ``"tools": []`` and an absent key are the
    same), which shared-ollama's pytest plugin registers on pytest-recording's ``VCR``, and it
    keeps secrets and per-exchange headers out of cassettes. ``x-project`` names the machine's
    project, so it stays out too.
    """
    return shared_vcr_config(filter_headers=["x-project"])
