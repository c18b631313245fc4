"""The plugin resets shared-ollama's process-wide state between a downstream project's tests."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ("pytester",)

# Each test gets a 500 from a mocked server on the same address. Without a reset, the fifth
# failure opens that host's breaker and the tests after it fail with CircuitOpenError.
CASCADE_TESTS = """
import httpx
import pytest

from shared_ollama import RetryPolicy, ServerError, SharedOllamaClient


def fail(request):
    return httpx.Response(500, json={"error": "boom"})


@pytest.mark.parametrize("n", range(8))
def test_a_failing_mock_server(n):
    with SharedOllamaClient(
        "http://127.0.0.1:9", transport=httpx.MockTransport(fail), retry=RetryPolicy(attempts=1)
    ) as client:
        with pytest.raises(ServerError):
            client.version()
"""


def test_pytest_plugin_resets_breakers_before_every_test(downstream: pytest.Pytester) -> None:
    """Eight tests failing against one mock host all see its 500, never an open breaker."""
    downstream.makepyfile(test_cascade=CASCADE_TESTS)
    result = downstream.runpytest()
    result.assert_outcomes(passed=8)


def test_pytest_plugin_reset_can_be_turned_off(downstream: pytest.Pytester) -> None:
    """``shared_ollama_reset = false`` keeps state across tests: the breaker opens after five."""
    downstream.makepyfile(test_cascade=CASCADE_TESTS)
    config = downstream.path / "pyproject.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + "shared_ollama_reset = false\n", encoding="utf-8"
    )
    result = downstream.runpytest()
    result.assert_outcomes(passed=5, failed=3)
    result.stdout.fnmatch_lines(["*CircuitOpenError*"])


def test_pytest_plugin_loads_without_importing_shared_ollama() -> None:
    """The pytest11 module imports nothing of shared_ollama: a run that never uses it pays nothing."""
    probe = textwrap.dedent(
        """
        import sys
        import _shared_ollama_pytest
        loaded = sorted(name for name in sys.modules if name.startswith("shared_ollama"))
        print(loaded)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
