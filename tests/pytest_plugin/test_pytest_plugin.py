"""The pytest plugin, exercised the way a downstream project uses it: through ``pytester`` runs.

Each test writes a small project (tests, cassettes, pytest configuration) and runs pytest on it
in-process with the plugin autoloaded from its ``pytest11`` entry point, with no daemon running.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
from pathlib import Path

import httpx
import pytest

# Enabled here rather than in this folder's conftest: pytest refuses ``pytest_plugins`` in a
# conftest below the rootdir when the whole suite is collected.
pytest_plugins = ("pytester",)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cassettes"
FILTERWARNINGS = '["error", "ignore::pytest.PytestAssertRewriteWarning"]'

CHAT_TESTS = """
import os

import ollama
import pytest

MODEL = "smollm2:135m"
SAY_HI = [{"role": "user", "content": "Say hi"}]
OPTIONS = {"seed": 7, "num_predict": 8}


@pytest.fixture
def client(ollama_replay_url):
    client = ollama.Client(host=ollama_replay_url)
    yield client
    client.close()


def test_official_client_replays(client):
    reply = client.chat(model=MODEL, messages=SAY_HI, options=OPTIONS)
    assert reply.message.role == "assistant"
    assert reply.eval_count == 8


def test_streaming_replays(client):
    parts = list(client.chat(model=MODEL, messages=SAY_HI, options=OPTIONS, stream=True))
    assert parts[-1].done


@pytest.mark.shared_ollama
def test_marker_routes_default_clients(ollama_replay_url):
    assert os.environ["OLLAMA_HOST"] == ollama_replay_url
    assert os.environ["SHARED_OLLAMA_URL"] == ollama_replay_url
    default = ollama.Client()
    try:
        assert [m.model for m in default.list().models] == [MODEL]
    finally:
        default.close()


def test_shared_ollama_client_replays(shared_ollama_client, ollama_replay_url):
    assert shared_ollama_client.base_url.rstrip("/") == ollama_replay_url
    assert shared_ollama_client.version().version == "0.5.4-ipexllm-20250407"
    assert [m.model for m in shared_ollama_client.list().models] == [MODEL]
    reply = shared_ollama_client.chat(model=MODEL, messages=SAY_HI, options=OPTIONS)
    assert reply.message.role == "assistant"


def test_unrecorded_request_is_explained(client):
    with pytest.raises(ollama.ResponseError) as caught:
        client.chat(model=MODEL, messages=[])
    assert caught.value.status_code == 501
    assert caught.value.error.startswith("Cassette miss: no recording matches POST /api/chat")
    command = f"pytest --shared-ollama-record=all {__name__}.py::test_unrecorded_request_is_explained"
    assert caught.value.error.endswith(command)


def test_unmarked_test_is_left_alone():
    assert os.environ.get("OLLAMA_HOST") == "untouched:1"
"""


def configure(pytester: pytest.Pytester, ini_line: str) -> None:
    """Add one line to the downstream project's pytest configuration."""
    pyproject = pytester.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + ini_line + "\n", encoding="utf-8")


@pytest.fixture(autouse=True)
def _outer_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outer run's Ollama variables, which the plugin must leave alone unless asked."""
    monkeypatch.setenv("OLLAMA_HOST", "untouched:1")
    monkeypatch.delenv("SHARED_OLLAMA_URL", raising=False)
    monkeypatch.delenv("OLLAMA_BASE_URL", raising=False)


def test_pytest_plugin_replays_cassettes_for_a_downstream_project(
    downstream: pytest.Pytester,
) -> None:
    """With the ini setting only, fixtures and the marker replay the project's cassettes."""
    configure(downstream, 'shared_ollama_cassettes = "cassettes"')
    downstream.makepyfile(test_downstream=CHAT_TESTS)
    result = downstream.runpytest()
    result.assert_outcomes(passed=6)


def test_pytest_plugin_autoloads_from_its_entry_point(
    downstream: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With autoloading on and no ``-p``, pytest loads the plugin from its entry point."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    (downstream.path / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        'addopts = ["-p", "no:cacheprovider", "-p", "no:asyncio"]\n'
        'shared_ollama_cassettes = "cassettes"\n'
        f"filterwarnings = {FILTERWARNINGS}\n",
        encoding="utf-8",
    )
    downstream.makepyfile(test_auto=CHAT_TESTS)
    result = downstream.runpytest()
    result.assert_outcomes(passed=6)


def test_pytest_plugin_marker_cassettes_are_relative_to_the_test_file(
    downstream: pytest.Pytester,
) -> None:
    """``@pytest.mark.shared_ollama(cassettes=...)`` finds a folder next to the test file."""
    package = downstream.path / "tests" / "chat"
    shutil.copytree(FIXTURES, package / "recordings")
    (package / "test_marked.py").write_text(
        "import ollama, pytest\n\n"
        "@pytest.mark.shared_ollama(cassettes='recordings')\n"
        "def test_marked(ollama_replay_server):\n"
        "    assert ollama_replay_server.cassettes_dir.name == 'recordings'\n"
        "    client = ollama.Client()\n"
        "    assert client.show('smollm2:135m').details.family == 'llama'\n"
        "    client.close()\n",
        encoding="utf-8",
    )
    result = downstream.runpytest("tests")
    result.assert_outcomes(passed=1)


def test_pytest_plugin_option_routes_every_test(downstream: pytest.Pytester) -> None:
    """``--shared-ollama-replay DIR`` sends every test's default clients to the replay."""
    downstream.makepyfile(
        test_option="""
        import ollama

        def test_plain_code_replays():
            client = ollama.Client()
            assert client.list().models[0].model == "smollm2:135m"
            client.close()
        """
    )
    result = downstream.runpytest("--shared-ollama-replay", "cassettes")
    result.assert_outcomes(passed=1)


def test_pytest_plugin_rewinds_sequences_for_each_test(downstream: pytest.Pytester) -> None:
    """A request recorded several times is replayed from its first answer in every test.

    The rewind happens once per test, however many of the plugin's fixtures it uses.
    """
    (downstream.path / "cassettes" / "sequence.yaml").write_text(
        "interactions:\n"
        + "".join(
            "- request: {method: GET, uri: 'http://h/api/ps', body: '', headers: {}}\n"
            "  response:\n"
            "    status: {code: 200, message: OK}\n"
            "    headers: {Content-Type: [application/json]}\n"
            f'    body: {{string: \'{{"models": [], "n": {n}}}\'}}\n'
            for n in (1, 2)
        ),
        encoding="utf-8",
    )
    configure(downstream, 'shared_ollama_cassettes = "cassettes"')
    downstream.makepyfile(
        test_sequence="""
        import httpx
        import pytest

        @pytest.mark.parametrize("run", [1, 2])
        def test_sequence_starts_over(ollama_replay_url, run):
            first = httpx.get(ollama_replay_url + "/api/ps").json()["n"]
            second = httpx.get(ollama_replay_url + "/api/ps").json()["n"]
            third = httpx.get(ollama_replay_url + "/api/ps").json()["n"]
            assert (first, second, third) == (1, 2, 2)

        @pytest.fixture
        def first_answer(ollama_replay_url):
            return httpx.get(ollama_replay_url + "/api/ps").json()["n"]

        def test_rewound_once_per_test(first_answer, shared_ollama_client, ollama_replay_url):
            assert (first_answer, httpx.get(ollama_replay_url + "/api/ps").json()["n"]) == (1, 2)
        """
    )
    result = downstream.runpytest()
    result.assert_outcomes(passed=3)


def test_pytest_plugin_is_inert_without_opt_in(downstream: pytest.Pytester) -> None:
    """Without a fixture, marker or option nothing starts and no variable changes."""
    downstream.makepyfile(
        test_plain="""
        import os
        import threading

        def test_nothing_happens():
            assert os.environ.get("OLLAMA_HOST") == "untouched:1"
            assert "SHARED_OLLAMA_URL" not in os.environ
            names = [thread.name for thread in threading.enumerate()]
            assert not [name for name in names if name.startswith("shared-ollama-replay")]
        """
    )
    configure(downstream, 'shared_ollama_cassettes = "cassettes"')
    result = downstream.runpytest()
    result.assert_outcomes(passed=1)


def test_pytest_plugin_fixture_without_cassettes_says_how_to_configure(
    downstream: pytest.Pytester,
) -> None:
    """Asking for the replay server with no cassettes configured errors with the three ways."""
    downstream.makepyfile(test_unset="def test_needs_replay(ollama_replay_url):\n    pass\n")
    result = downstream.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no cassettes are configured for this test*"])
    result.stdout.fnmatch_lines(["*--shared-ollama-replay DIR*"])


def test_pytest_plugin_missing_cassettes_folder_misses_with_the_command(
    downstream: pytest.Pytester,
) -> None:
    """A configured folder that does not exist replays nothing.

    Each request is a miss naming the folder and the command that records the test.
    """
    configure(downstream, 'shared_ollama_cassettes = "no-such-folder"')
    downstream.makepyfile(
        test_missing="""
        import httpx

        def test_needs_replay(ollama_replay_url):
            reply = httpx.post(ollama_replay_url + "/api/generate", json={"model": "m"})
            assert reply.status_code == 501
            print(reply.json()["error"])
            assert False
        """
    )
    result = downstream.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Cassette miss: no recording matches POST /api/generate (model 'm', body sha256:*) "
            "in */no-such-folder. *Record it against a real Ollama with: "
            "pytest --shared-ollama-record=all test_missing.py::test_needs_replay"
        ]
    )


def test_pytest_plugin_registers_its_marker_and_option(downstream: pytest.Pytester) -> None:
    """The marker is listed by ``--markers`` and the option by ``--help``."""
    markers = downstream.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.shared_ollama(cassettes=None):*"])
    usage = downstream.runpytest("--help")
    usage.stdout.fnmatch_lines(["*--shared-ollama-replay=DIR*", "*shared_ollama_cassettes*"])


def test_pytest_plugin_can_be_disabled(
    downstream: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-p no:shared_ollama`` removes the plugin, even when autoloaded: its fixtures are unknown."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    (downstream.path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = ["-p", "no:cacheprovider", "-p", "no:asyncio"]\n',
        encoding="utf-8",
    )
    downstream.makepyfile(test_off="def test_off(ollama_replay_url):\n    pass\n")
    result = downstream.runpytest("-p", "no:shared_ollama")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'ollama_replay_url' not found*"])


def test_pytest_plugin_ollama_daemon_skips_without_a_binary(
    downstream: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With no ollama executable, ``ollama_daemon`` skips and says why."""
    monkeypatch.setenv("OLLAMA_BIN", str(tmp_path / "no-ollama-here"))
    downstream.makepyfile(test_daemon="def test_daemon(ollama_daemon):\n    pass\n")
    result = downstream.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*ollama_daemon needs an ollama executable*"])


@pytest.mark.daemon
def test_pytest_plugin_ollama_daemon_starts_and_stops_a_real_server(
    downstream: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ollama_daemon`` serves a real Ollama for the session and stops it afterwards."""
    binary = os.environ.get("OLLAMA_BIN") or shutil.which("ollama")
    if not binary:
        pytest.skip(
            "no ollama executable: install Ollama (https://ollama.com/download) or set "
            "OLLAMA_BIN to its executable"
        )
    monkeypatch.setenv("OLLAMA_BIN", binary)
    downstream.makepyfile(
        test_daemon="""
        import pathlib

        import httpx

        def test_daemon(ollama_daemon):
            pathlib.Path("daemon-url.txt").write_text(ollama_daemon)
            assert httpx.get(ollama_daemon + "/api/version").status_code == 200
        """
    )
    result = downstream.runpytest()
    result.assert_outcomes(passed=1)
    url = (downstream.path / "daemon-url.txt").read_text(encoding="utf-8")
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/api/version", timeout=2.0)


def test_pytest_plugin_entry_point_is_declared_by_shared_ollama() -> None:
    """The installed shared-ollama distribution declares the plugin for pytest to autoload."""
    try:
        distribution = importlib.metadata.distribution("shared-ollama")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("shared-ollama is not installed: run `pip install -e .` at the repository root")
    declared = {
        entry.name: entry.value for entry in distribution.entry_points if entry.group == "pytest11"
    }
    assert declared.get("shared_ollama") == "_shared_ollama_pytest"
