"""Done-when of the testing kit: a throwaway downstream project records, then replays offline.

The project (written here with ``pytester``) marks its tests ``shared_ollama`` and calls Ollama
four ways: our client, the official client streaming, ``curl`` in a subprocess and the official
client in a subprocess. Run once with ``--shared-ollama-record=once`` against an upstream, it
writes one cassette per test; run again with the upstream gone, it passes from the cassettes; a
changed prompt then fails with the cassette-miss error naming the command that re-records it.

The upstream is the live dev Ollama (``-m live``) or, in every run, a stand-in: a replay server
over the fixture cassettes, whose prompts the stand-in project uses.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared_ollama.testing._replay_server import ReplayServer

pytest_plugins = ("pytester",)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cassettes"
NOWHERE = "http://127.0.0.1:9"  # nothing listens on the discard port
PYPROJECT = """\
[tool.pytest.ini_options]
addopts = ["--strict-markers", "-p", "no:cacheprovider", "-p", "shared_ollama"]
filterwarnings = ["error", "ignore::pytest.PytestAssertRewriteWarning"]
"""
APP_TESTS = """
import os
import subprocess
import sys

import ollama
import pytest

from shared_ollama import SharedOllamaClient

pytestmark = pytest.mark.shared_ollama
MODEL = "smollm2:135m"
PROMPT = {prompt!r}
OPTIONS = {options!r}
EXPECTED = {expected!r}


def test_chat_with_our_client():
    with SharedOllamaClient() as client:
        reply = client.chat(MODEL, [{{"role": "user", "content": PROMPT}}], options=OPTIONS)
    assert reply.done
    assert EXPECTED in reply.message.content


def test_stream_with_the_official_client():
    client = ollama.Client()
    try:
        messages = [{{"role": "user", "content": PROMPT}}]
        parts = list(client.chat(model=MODEL, messages=messages, options=OPTIONS, stream=True))
    finally:
        client.close()
    assert parts[-1].done
    assert len(parts) > 2


def test_curl_in_a_subprocess():
    url = os.environ["OLLAMA_HOST"] + "/api/tags"
    done = subprocess.run(["curl", "-sf", url], capture_output=True, text=True, check=True)
    assert MODEL in done.stdout


def test_official_client_in_a_subprocess():
    code = f"import ollama; print(ollama.Client().show({{MODEL!r}}).details.family)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "llama"
"""
TEST_NAMES = (
    "test_chat_with_our_client",
    "test_stream_with_the_official_client",
    "test_curl_in_a_subprocess",
    "test_official_client_in_a_subprocess",
)


@dataclass(frozen=True)
class Upstream:
    """Where recordings come from, and what the project asks it."""

    url: str
    prompt: str
    options: dict[str, int | float]
    expected: str


@pytest.fixture(params=["stand-in", pytest.param("live", marks=pytest.mark.live)])
def upstream(request: pytest.FixtureRequest) -> Iterator[Upstream]:
    """The stand-in (fixture cassettes, replayed) or the live dev Ollama."""
    if request.param == "live":
        url = request.getfixturevalue("live_url")
        options = {"temperature": 0, "seed": 1, "num_predict": 12}
        yield Upstream(url, "What is the capital of France?", options, "Paris")
        return
    with ReplayServer(FIXTURES) as server:
        yield Upstream(server.url, "Say hi", {"seed": 7, "num_predict": 8}, "")


def _write_app(pytester: pytest.Pytester, upstream: Upstream, prompt: str) -> None:
    source = APP_TESTS.format(prompt=prompt, options=upstream.options, expected=upstream.expected)
    tests = pytester.path / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "test_app.py").write_text(textwrap.dedent(source), encoding="utf-8")


@pytest.mark.skipif(shutil.which("curl") is None, reason="the project shells out to curl")
def test_downstream_project_records_replays_offline_and_explains_a_changed_prompt(
    pytester: pytest.Pytester,
    plugin_entry_point: Path,
    upstream: Upstream,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Record through the plugin, replay with no server, and a changed prompt names the fix."""
    del plugin_entry_point
    (pytester.path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    _write_app(pytester, upstream, upstream.prompt)
    for name in ("SHARED_OLLAMA_URL", "OLLAMA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    monkeypatch.setenv("OLLAMA_HOST", upstream.url)
    recorded = pytester.runpytest("--shared-ollama-record=once")
    recorded.assert_outcomes(passed=4)
    cassettes = pytester.path / "tests" / "cassettes" / "test_app"
    assert sorted(p.stem for p in cassettes.glob("*.yaml")) == sorted(TEST_NAMES)

    monkeypatch.setenv("OLLAMA_HOST", NOWHERE)  # no daemon: only the cassettes can answer
    replayed = pytester.runpytest()
    replayed.assert_outcomes(passed=4)

    _write_app(pytester, upstream, upstream.prompt + " Answer in one word.")
    changed = pytester.runpytest()
    changed.assert_outcomes(passed=2, failed=2)
    changed.stdout.fnmatch_lines(
        [
            "*CassetteMissError: Cassette miss: no recording matches POST /api/chat *"
            "differs in messages. *"
            "Record it against a real Ollama with: "
            "pytest --shared-ollama-record=all tests/test_app.py::test_chat_with_our_client"
        ]
    )
    changed.stdout.fnmatch_lines(
        [
            "*pytest --shared-ollama-record=all tests/test_app.py::test_stream_with_the_official_client*"
        ]
    )
    if upstream.expected:  # live: run the command the miss named, then replay again offline
        monkeypatch.setenv("OLLAMA_HOST", upstream.url)
        pytester.runpytest(
            "--shared-ollama-record=all", "tests/test_app.py::test_chat_with_our_client"
        ).assert_outcomes(passed=1)
        monkeypatch.setenv("OLLAMA_HOST", NOWHERE)
        pytester.runpytest("tests/test_app.py::test_chat_with_our_client").assert_outcomes(passed=1)


def test_plugin_host_variables_are_the_clients() -> None:
    """The plugin's copy of the host variables (kept to import nothing at load) is the client's."""
    import _shared_ollama_pytest
    from shared_ollama._host import HOST_VARIABLES

    assert _shared_ollama_pytest._HOST_VARIABLES == HOST_VARIABLES
