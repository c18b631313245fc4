"""pytest plugin for projects that call Ollama: offline replay, a ready client, a real daemon.

Installed with shared-ollama and loaded by pytest through the ``pytest11`` entry point (disable it
with ``-p no:shared_ollama``). It is opt-in: nothing runs and no variable changes until a test
asks for a fixture, carries the ``shared_ollama`` marker, or the run passes
``--shared-ollama-replay``.

It lives outside the ``shared_ollama`` package, and imports nothing of it at load time, because
pytest loads it in every run wherever shared-ollama is installed: a project that never calls
Ollama pays for a few function definitions, not for importing the client.

Between tests: once a run has imported ``shared_ollama``, :func:`shared_ollama.testing.reset`
runs before every test, so a test never inherits an open circuit breaker, a spent retry budget
or the default client from an earlier one (turn it off with ``shared_ollama_reset = false`` in
the pytest configuration).

Where cassettes come from, most specific first:

1. the marker, ``@pytest.mark.shared_ollama(cassettes="cassettes/chat")``, relative to the test
   file;
2. the option ``--shared-ollama-replay DIR``, relative to the directory pytest was started in;
3. the ini setting ``shared_ollama_cassettes = DIR``, relative to the ini file.

A test marked ``shared_ollama`` (every test, with ``--shared-ollama-replay``) runs with
``SHARED_OLLAMA_URL``, ``OLLAMA_BASE_URL`` and ``OLLAMA_HOST`` pointing at the replay server, so
clients the code under test builds itself (``ollama.Client()``, ``ChatOllama()``) replay too.

Fixtures:

* ``ollama_replay_server``: the :class:`~shared_ollama.testing._replay_server.ReplayServer` for the test's
  cassettes; one server per folder lives for the whole session, rewound before each test so a
  test always sees its recordings from the first;
* ``ollama_replay_url``: that server's base URL;
* ``shared_ollama_client``: a :class:`~shared_ollama.SharedOllamaClient` bound to the replay
  server when cassettes are configured, else to the live daemon the environment names
  (constructor arguments from the overridable ``shared_ollama_client_kwargs`` fixture);
* ``ollama_daemon`` (session): the base URL of a real ``ollama serve`` started on a free
  loopback port through the daemon bootstrap, stopped at the end; skipped, with the reason,
  when no ``ollama`` executable is found (set ``OLLAMA_BIN`` or put it on ``PATH``).
"""

from __future__ import annotations

import dataclasses
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from shared_ollama._core._sync_client import SharedOllamaClient
    from shared_ollama.testing._replay_server import ReplayServer

__all__ = [
    "CASSETTES_INI",
    "MARKER",
    "REPLAY_OPTION",
    "RESET_INI",
    "ollama_daemon",
    "ollama_replay_server",
    "ollama_replay_url",
    "pytest_addoption",
    "pytest_configure",
    "pytest_runtest_setup",
    "shared_ollama_client",
    "shared_ollama_client_kwargs",
]

MARKER = "shared_ollama"
REPLAY_OPTION = "--shared-ollama-replay"
CASSETTES_INI = "shared_ollama_cassettes"
RESET_INI = "shared_ollama_reset"
_NO_CASSETTES = (
    "no cassettes are configured for this test: mark it "
    "@pytest.mark.shared_ollama(cassettes='DIR'), run pytest with --shared-ollama-replay DIR, "
    "or set shared_ollama_cassettes = DIR in your pytest configuration"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--shared-ollama-replay`` and the ``shared_ollama_cassettes`` ini setting."""
    group = parser.getgroup("shared-ollama", "shared-ollama: offline Ollama replay")
    group.addoption(
        REPLAY_OPTION,
        dest="shared_ollama_replay",
        metavar="DIR",
        default=None,
        help="serve the cassettes in DIR as Ollama to every test (SHARED_OLLAMA_URL, "
        "OLLAMA_BASE_URL and OLLAMA_HOST point at the replay server)",
    )
    parser.addini(
        CASSETTES_INI,
        "folder of cassettes for shared-ollama's replay fixtures, relative to this file",
        default="",
    )
    parser.addini(
        RESET_INI,
        "reset shared-ollama's process-wide state (breakers, retry budgets, default client) "
        "before every test (default: true)",
        type="bool",
        default=True,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Reset shared-ollama's process-wide state before each test, once the run has loaded it.

    A run that never imports ``shared_ollama`` pays one dictionary lookup per test.
    """
    if "shared_ollama" in sys.modules and item.config.getini(RESET_INI):
        from shared_ollama.testing import reset  # noqa: PLC0415 (only once the client is loaded)

        reset()


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``shared_ollama`` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(cassettes=None): route this test's Ollama traffic to shared-ollama's replay "
        "server, serving the cassettes given here (relative to the test file), by "
        f"{REPLAY_OPTION} or by the {CASSETTES_INI} ini setting",
    )


def _cassettes_for(request: pytest.FixtureRequest) -> Path | None:
    """The cassettes folder for the requesting test: its marker, the option, then the ini file."""
    config = request.config
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        given = marker.kwargs.get("cassettes", marker.args[0] if marker.args else None)
        if given is not None:
            return (Path(request.node.path).parent / Path(given)).resolve()
    option = config.getoption("shared_ollama_replay")
    if option:
        return (config.invocation_params.dir / Path(option)).resolve()
    ini = str(config.getini(CASSETTES_INI) or "")
    if ini:
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        return (base / ini).resolve()
    return None


class _ReplayServers:
    """One replay server per cassettes folder, started on first use, stopped at session end."""

    def __init__(self) -> None:
        self._servers: dict[Path, ReplayServer] = {}
        self._rewound_for: dict[Path, str] = {}

    def for_test(self, folder: Path, test_id: str) -> ReplayServer:
        """The folder's server, rewound once at the start of each test that uses it."""
        server = self._servers.get(folder)
        if server is None:
            from shared_ollama.testing._replay_server import ReplayServer  # noqa: PLC0415 (only when used)

            server = ReplayServer(folder).start()
            self._servers[folder] = server
        if self._rewound_for.get(folder) != test_id:
            server.rewind()
            self._rewound_for[folder] = test_id
        return server

    def stop_all(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()


@pytest.fixture(scope="session")
def _shared_ollama_replay_servers() -> Iterator[_ReplayServers]:
    """The session's replay servers (private: use ``ollama_replay_server``)."""
    servers = _ReplayServers()
    yield servers
    servers.stop_all()


def _server_for(request: pytest.FixtureRequest, folder: Path) -> ReplayServer:
    servers: _ReplayServers = request.getfixturevalue("_shared_ollama_replay_servers")
    try:
        return servers.for_test(folder, request.node.nodeid)
    except (OSError, ValueError, ImportError) as exc:
        pytest.fail(f"shared-ollama replay: {exc}", pytrace=False)


@pytest.fixture(autouse=True)
def _shared_ollama_route(request: pytest.FixtureRequest) -> Iterator[None]:
    """Point the Ollama variables at the replay server for opted-in tests; else do nothing."""
    opted_in = (
        request.node.get_closest_marker(MARKER) is not None
        or request.config.getoption("shared_ollama_replay") is not None
    )
    folder = _cassettes_for(request) if opted_in else None
    if folder is None:
        yield
        return
    from shared_ollama._host import HOST_VARIABLES  # noqa: PLC0415 (only for opted-in tests)

    url = _server_for(request, folder).url
    with pytest.MonkeyPatch.context() as patch:
        for name in HOST_VARIABLES:
            patch.setenv(name, url)
        yield


@pytest.fixture
def ollama_replay_server(request: pytest.FixtureRequest) -> ReplayServer:
    """The replay server for this test's cassettes (started once per folder and session)."""
    folder = _cassettes_for(request)
    if folder is None:
        pytest.fail(f"ollama_replay_server: {_NO_CASSETTES}", pytrace=False)
    return _server_for(request, folder)


@pytest.fixture
def ollama_replay_url(ollama_replay_server: ReplayServer) -> str:
    """The base URL of the replay server, for any Ollama client."""
    return ollama_replay_server.url


@pytest.fixture
def shared_ollama_client_kwargs() -> dict[str, Any]:
    """Extra constructor arguments for ``shared_ollama_client``; override it in a conftest."""
    return {}


@pytest.fixture
def shared_ollama_client(
    request: pytest.FixtureRequest, shared_ollama_client_kwargs: dict[str, Any]
) -> Iterator[SharedOllamaClient]:
    """A ``SharedOllamaClient`` on the replay server when cassettes are configured, else live.

    Bound to the replay server, its retries do not wait and its breaker is off: recorded
    answers never recover with time, so waiting would only slow the test down.
    """
    from shared_ollama import SharedOllamaClient  # noqa: PLC0415 (only when used)

    kwargs = dict(shared_ollama_client_kwargs)
    folder = _cassettes_for(request)
    if folder is not None:
        from shared_ollama._resilience._policy import (  # noqa: PLC0415 (only when used)
            BreakerPolicy,
            RetryPolicy,
        )

        kwargs.setdefault("host", _server_for(request, folder).url)
        kwargs.setdefault(
            "retry", RetryPolicy(backoff_base=0.0, backoff_cap=0.0, overload_delay=(0.0, 0.0))
        )
        kwargs.setdefault("breaker", BreakerPolicy(enabled=False))
    with SharedOllamaClient(**kwargs) as client:
        yield client


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def ollama_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start a real ``ollama serve`` for the session on a free loopback port; yield its URL.

    Its pid, lock and log files go to a temporary folder; its models are the usual ones
    (``OLLAMA_MODELS``, else ``~/.ollama/models``). Skipped, with the reason, when no ``ollama``
    executable is found.
    """
    from shared_ollama.daemon._binary import (  # noqa: PLC0415 (only when used)
        OllamaBinaryNotFoundError,
        find_ollama_binary,
    )
    from shared_ollama.daemon._files import DaemonSettings  # noqa: PLC0415
    from shared_ollama.daemon._process import start_daemon, stop_daemon  # noqa: PLC0415

    try:
        binary = find_ollama_binary()
    except OllamaBinaryNotFoundError as exc:
        pytest.skip(f"ollama_daemon needs an ollama executable: {exc}")
    root = tmp_path_factory.mktemp("shared-ollama-daemon")
    settings = dataclasses.replace(
        DaemonSettings.from_env(), runtime_dir=root / "run", logs_dir=root / "logs"
    )
    url = f"http://127.0.0.1:{_free_loopback_port()}"
    info = start_daemon(base_url=url, settings=settings, binary=binary)
    try:
        yield info.base_url
    finally:
        stop_daemon(base_url=url, settings=settings)
