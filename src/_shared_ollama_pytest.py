"""pytest plugin for projects that call Ollama: record once, replay offline, a ready client.

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

A test marked ``shared_ollama`` (every test, with ``--shared-ollama-replay``) runs with
``SHARED_OLLAMA_URL``, ``OLLAMA_BASE_URL`` and ``OLLAMA_HOST`` pointing at a replay server, so
clients the code under test builds itself (``ollama.Client()``, ``ChatOllama()``, a subprocess
running ``curl``) replay too. A request with no recording fails with a cassette miss that names
the command re-recording the test.

``--shared-ollama-record=MODE`` (``none``, ``once``, ``new_episodes``, ``all``: vcrpy's modes)
turns the server into a recording proxy in front of the real Ollama that the usual variables
name (``SHARED_OLLAMA_URL``, ``OLLAMA_BASE_URL``, ``OLLAMA_HOST``, else
``http://127.0.0.1:11434``), read when pytest starts. Each test records into a cassette of its
own, named as pytest-recording names them: ``<folder>/<test module>/<test name>.yaml``
(``<Class>.<test name>.yaml`` in a class).

Where the cassettes folder is, most specific first:

1. the marker, ``@pytest.mark.shared_ollama(cassettes="cassettes/chat")``, relative to the test
   file;
2. the option ``--shared-ollama-replay DIR``, relative to the directory pytest was started in;
3. the ini setting ``shared_ollama_cassettes = DIR``, relative to the ini file;
4. for an opted-in test, ``cassettes/`` next to the test file.

Every cassette under the folder is replayed (tests may share recordings). With
pytest-recording installed, the plugin also registers the one matching rule as the vcrpy
matcher ``shared_ollama`` (see :func:`shared_ollama.testing.vcr_config`).

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
import os
import shlex
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
    "RECORD_OPTION",
    "REPLAY_OPTION",
    "RESET_INI",
    "ollama_daemon",
    "ollama_replay_server",
    "ollama_replay_url",
    "pytest_addoption",
    "pytest_configure",
    "pytest_recording_configure",
    "pytest_runtest_setup",
    "shared_ollama_client",
    "shared_ollama_client_kwargs",
]

MARKER = "shared_ollama"
REPLAY_OPTION = "--shared-ollama-replay"
RECORD_OPTION = "--shared-ollama-record"
CASSETTES_INI = "shared_ollama_cassettes"
RESET_INI = "shared_ollama_reset"
_RECORD_MODES = ("none", "once", "new_episodes", "all")  # vcrpy's; checked again by the server
# shared_ollama._host.HOST_VARIABLES, written out so that loading the plugin imports nothing of
# ours (a test pins the two equal).
_HOST_VARIABLES = ("SHARED_OLLAMA_URL", "OLLAMA_BASE_URL", "OLLAMA_HOST")
_UPSTREAM_ENVIRONMENT = pytest.StashKey[dict[str, str]]()
_FORBIDDEN_IN_NAMES = r"<>?%*:|\"'/\\"  # replaced in cassette names, as pytest-recording does
_NO_CASSETTES = (
    "no cassettes are configured for this test: mark it @pytest.mark.shared_ollama (cassettes/ "
    "beside the test) or @pytest.mark.shared_ollama(cassettes='DIR'), run pytest with "
    "--shared-ollama-replay DIR, "
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
    group.addoption(
        RECORD_OPTION,
        dest="shared_ollama_record",
        choices=_RECORD_MODES,
        default="none",
        help="record what opted-in tests send to the real Ollama that SHARED_OLLAMA_URL, "
        "OLLAMA_BASE_URL or OLLAMA_HOST names (else 127.0.0.1:11434), one cassette per test: "
        "none replays only (default); once records tests without a cassette; new_episodes "
        "records what has no recording; all records everything again",
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
    """Register the ``shared_ollama`` marker; note where recordings come from."""
    # Read now: during tests the plugin points these variables at its own server.
    config.stash[_UPSTREAM_ENVIRONMENT] = {
        name: os.environ[name] for name in _HOST_VARIABLES if name in os.environ
    }
    config.addinivalue_line(
        "markers",
        f"{MARKER}(cassettes=None): route this test's Ollama traffic to shared-ollama's replay "
        "server, serving the cassettes given here (relative to the test file), by "
        f"{REPLAY_OPTION} or by the {CASSETTES_INI} ini setting",
    )


@pytest.hookimpl(optionalhook=True)
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Register the one matching rule on pytest-recording's ``VCR`` as ``shared_ollama``."""
    del config
    from shared_ollama.testing._matching import register_matcher  # noqa: PLC0415 (when used)

    register_matcher(vcr)


def _opted_in(request: pytest.FixtureRequest) -> bool:
    return (
        request.node.get_closest_marker(MARKER) is not None
        or request.config.getoption("shared_ollama_replay") is not None
    )


def _cassettes_for(request: pytest.FixtureRequest) -> Path | None:
    """The cassettes folder for the requesting test.

    Its marker, the option, the ini file, then ``cassettes/`` beside an opted-in test.
    """
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
    if _opted_in(request):
        return (Path(request.node.path).parent / "cassettes").resolve()
    return None


def _cassette_name(request: pytest.FixtureRequest) -> str:
    """The test's own cassette name, as pytest-recording names it."""
    name = str(request.node.name)
    if request.cls is not None:
        name = f"{request.cls.__name__}.{name}"
    for character in _FORBIDDEN_IN_NAMES:
        name = name.replace(character, "-")
    return name


def _test_cassette(request: pytest.FixtureRequest, folder: Path) -> Path:
    """Where the test records: ``<folder>/<module>/<name>.yaml``."""
    return folder / Path(request.node.path).stem / f"{_cassette_name(request)}.yaml"


def _record_command(request: pytest.FixtureRequest) -> str:
    """The command that re-records the requesting test."""
    config = request.config
    words = ["pytest"]
    option = config.getoption("shared_ollama_replay")
    if option:
        words += [REPLAY_OPTION, str(option)]
    words += [f"{RECORD_OPTION}=all", request.node.nodeid]
    command = " ".join(shlex.quote(word) for word in words)
    if config.invocation_params.dir != config.rootpath:
        command = f"cd {shlex.quote(str(config.rootpath))} && {command}"
    return command


def _upstream(config: pytest.Config) -> str:
    from shared_ollama._host import resolve_base_url  # noqa: PLC0415 (only when recording)

    return resolve_base_url(environ=config.stash.get(_UPSTREAM_ENVIRONMENT, {}))


class _ReplayServers:
    """One replay server per cassettes folder, started on first use, stopped at session end."""

    def __init__(self) -> None:
        self._servers: dict[Path, ReplayServer] = {}
        self._prepared_for: dict[Path, str] = {}

    def for_test(self, request: pytest.FixtureRequest, folder: Path) -> ReplayServer:
        """The folder's server, rewound and pointed at the test's own cassette once per test."""
        mode = str(request.config.getoption("shared_ollama_record") or "none")
        server = self._servers.get(folder)
        if server is None:
            from shared_ollama.testing._replay_server import (  # noqa: PLC0415 (only when used)
                ReplayServer,
            )

            upstream = _upstream(request.config) if mode != "none" else None
            server = ReplayServer(folder, record=mode, upstream=upstream, missing_ok=True).start()
            self._servers[folder] = server
        test_id = request.node.nodeid
        if self._prepared_for.get(folder) != test_id:
            server.rewind()
            server.use_cassette(_test_cassette(request, folder), command=_record_command(request))
            self._prepared_for[folder] = test_id
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
        return servers.for_test(request, folder)
    except (OSError, ValueError, ImportError) as exc:
        pytest.fail(f"shared-ollama replay: {exc}", pytrace=False)


@pytest.fixture(autouse=True)
def _shared_ollama_route(request: pytest.FixtureRequest) -> Iterator[None]:
    """Point the Ollama variables at the replay server for opted-in tests; else do nothing."""
    folder = _cassettes_for(request) if _opted_in(request) else None
    if folder is None:
        yield
        return
    url = _server_for(request, folder).url
    with pytest.MonkeyPatch.context() as patch:
        for name in _HOST_VARIABLES:
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
