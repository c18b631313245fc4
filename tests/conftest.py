"""Fixtures shared by every test tier: the live server URL and cassette settings."""

from __future__ import annotations

import os
from typing import Any

import pytest

LIVE_URL_VARIABLE = "SHARED_OLLAMA_LIVE_URL"
LIVE_MODEL = "smollm2:135m"


@pytest.fixture
def live_url() -> str:
    """Base URL of a real Ollama for live tests, or skip with the reason when none is configured."""
    url = os.environ.get(LIVE_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{LIVE_URL_VARIABLE} is unset: to run the live tier against your own Ollama, start it (`ollama serve`), pull the model (`ollama pull smollm2:135m`) and export "
            f"{LIVE_URL_VARIABLE}=http://127.0.0.1:11434"
        )
    return url


@pytest.fixture
def live_model() -> str:
    """The small model every live test and cassette uses."""
    return os.environ.get("SHARED_OLLAMA_LIVE_MODEL", LIVE_MODEL)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live under cassettes/<test module name>/ at the repository root."""
    root = os.path.join(os.path.dirname(__file__), os.pardir, "cassettes")
    return os.path.abspath(os.path.join(root, request.module.__name__.rsplit(".", 1)[-1]))


@pytest.fixture(autouse=True)
def _instant_retries() -> Any:
    """Retry waits are instant (breakers and budgets start fresh through the pytest plugin)."""
    from shared_ollama._resilience._policy import set_testing

    set_testing(True)
    yield
    set_testing(False)
