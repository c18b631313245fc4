"""Fixtures for langchain-shared-ollama's tests: the live server and the cassettes.

The repository's ``tests/conftest.py`` does not reach this directory, so the same ``live_url``
and ``live_model`` fixtures are defined here. Cassettes live in
``<repo>/cassettes/langchain/<test module>/`` and are matched on method, path, query and body,
so they replay whatever base URL the test was built with.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

LIVE_URL_VARIABLE = "SHARED_OLLAMA_LIVE_URL"
LIVE_MODEL = "smollm2:135m"
CASSETTES = Path(__file__).resolve().parents[3] / "cassettes" / "langchain"
_VOLATILE_RESPONSE_HEADERS = ("date", "set-cookie")


@pytest.fixture
def live_url() -> str:
    """Base URL of a real Ollama for live tests, or skip with the reason when none is configured."""
    url = os.environ.get(LIVE_URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{LIVE_URL_VARIABLE} is unset: start an Ollama (e.g. ../shared/ollama-dev/serve.sh PORT) "
            f"and export {LIVE_URL_VARIABLE}=http://127.0.0.1:PORT to run live tests"
        )
    return url


@pytest.fixture
def live_model() -> str:
    """The small model every live test and cassette uses."""
    return os.environ.get("SHARED_OLLAMA_LIVE_MODEL", LIVE_MODEL)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop response headers that change on every recording."""
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _VOLATILE_RESPONSE_HEADERS:
            del headers[name]
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Match on method, path, query and body; keep no volatile or secret headers."""
    return {
        "match_on": ["method", "path", "query", "body"],
        "filter_headers": ["authorization", "date", "user-agent", "x-request-id"],
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        "allow_playback_repeats": True,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Cassettes live under cassettes/langchain/<test module name>/ at the repository root."""
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])
