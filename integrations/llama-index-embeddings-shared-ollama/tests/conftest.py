"""Where llama-index-embeddings-shared-ollama's cassettes live: ``cassettes/llama_index/<module>/``.

The live server, cassette matching, per-test hosts and the ``events`` log come from
``integrations/conftest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CASSETTE_ROOT = Path(__file__).resolve().parents[3] / "cassettes" / "llama_index"


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live in ``cassettes/llama_index/<test module>/`` at the repository root."""
    return str(CASSETTE_ROOT / request.module.__name__.rsplit(".", 1)[-1])
