"""Where langchain-shared-ollama's cassettes live: ``<repo>/cassettes/langchain/<test module>/``.

The live server, cassette matching and the other shared fixtures come from
``integrations/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "langchain"


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live under cassettes/langchain/<test module name>/ at the repository root."""
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])
