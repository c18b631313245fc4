"""The ``shared-ollama`` command, run through ``main([...])`` against a fake Ollama on loopback."""

from __future__ import annotations

import argparse
import io
import json
import os
import plistlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared_ollama._cli._app import COMMANDS, Command, build_parser, main
from shared_ollama._cli._output import server_down_message
from shared_ollama._host import HOST_VARIABLES
from shared_ollama._version import __version__
from shared_ollama.daemon._serve_env import MachineInfo, memory_budget_bytes

PS = {
    "models": [
        {
            "name": "smollm2:135m",
            "model": "smollm2:135m",
            "size": 250_000_000,
            "size_vram": 0,
            "expires_at": "2030-01-01T00:00:00Z",
            "digest": "abc",
            "details": {"format": "gguf", "family": "llama"},
        }
    ]
}
TAGS = {
    "models": [
        {
            "name": "smollm2:135m",
            "model": "smollm2:135m",
            "size": 98_000_000,
            "digest": "abc",
            "modified_at": "2025-01-01T00:00:00Z",
            "details": {"format": "gguf", "family": "llama"},
        },
        {
            "name": "qwen2.5:0.5b",
            "model": "qwen2.5:0.5b",
            "size": 400_000_000,
            "digest": "def",
            "modified_at": "2025-01-02T00:00:00Z",
            "details": {"format": "gguf", "family": "qwen2"},
        },
    ]
}
PULL = [
    {"status": "pulling manifest"},
    {"status": "pulling abc", "digest": "sha256:abc", "total": 1000, "completed": 0},
    {"status": "pulling abc", "digest": "sha256:abc", "total": 1000, "completed": 500},
    {"status": "pulling abc", "digest": "sha256:abc", "total": 1000, "completed": 1000},
    {"status": "verifying sha256 digest"},
    {"status": "success"},
]
MISSING = {"error": 'model "missing" not found, try pulling it first'}


class FakeOllama(BaseHTTPRequestHandler):
    """Enough of Ollama's HTTP API for every CLI command; records what it received."""

    received: list[tuple[str, str, Any]]
    is_ollama = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _ndjson(self, lines: list[Any]) -> None:
        data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.received.append(("GET", self.path, None))
        if not self.is_ollama:
            self._json(404, {"error": "not here"})
        elif self.path == "/api/version":
            self._json(200, {"version": "0.5.4"})
        elif self.path == "/api/ps":
            self._json(200, PS)
        elif self.path == "/api/tags":
            self._json(200, TAGS)
        else:
            self._json(404, {"error": "404 page not found"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.received.append(("POST", self.path, body))
        model = body.get("model")
        if model == "missing":
            self._json(404, MISSING)
        elif self.path == "/api/pull":
            self._ndjson(PULL)
        elif self.path == "/api/generate" and body.get("prompt") == "":
            self._json(
                200,
                {
                    "model": model,
                    "created_at": "2025-01-01T00:00:00Z",
                    "response": "",
                    "done": True,
                    "done_reason": "load",
                    "load_duration": 2_000_000_000,
                },
            )
        elif self.path == "/api/generate":
            self._ndjson(
                [
                    {
                        "model": model,
                        "created_at": "2025-01-01T00:00:00Z",
                        "response": "Hel",
                        "done": False,
                    },
                    {
                        "model": model,
                        "created_at": "2025-01-01T00:00:00Z",
                        "response": "lo",
                        "done": True,
                        "done_reason": "stop",
                        "eval_count": 2,
                    },
                ]
            )
        elif self.path == "/api/chat":
            self._ndjson(
                [
                    {
                        "model": model,
                        "created_at": "2025-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": "Hi "},
                        "done": False,
                    },
                    {
                        "model": model,
                        "created_at": "2025-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": "there"},
                        "done": True,
                        "done_reason": "stop",
                        "eval_count": 2,
                    },
                ]
            )
        else:
            self._json(404, {"error": "404 page not found"})


class Server:
    """A running fake Ollama: its URL and what it received."""

    def __init__(self, url: str, received: list[tuple[str, str, Any]]) -> None:
        self.url = url
        self.received = received

    def posts(self, path: str) -> list[Any]:
        """The bodies POSTed to ``path``."""
        return [body for method, seen, body in self.received if method == "POST" and seen == path]


def _serve(is_ollama: bool) -> Iterator[Server]:
    received: list[tuple[str, str, Any]] = []
    handler = type("Handler", (FakeOllama,), {"received": received, "is_ollama": is_ollama})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", received)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def server() -> Iterator[Server]:
    """A fake Ollama on a free loopback port."""
    yield from _serve(is_ollama=True)


@pytest.fixture
def impostor() -> Iterator[Server]:
    """A web server on a loopback port that is not Ollama (404 everywhere)."""
    yield from _serve(is_ollama=False)


@pytest.fixture
def down_url() -> str:
    """A loopback URL where nothing listens (a port of this helper's range, checked free)."""
    import socket

    for port in range(12180, 12190):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return f"http://127.0.0.1:{port}"
    pytest.skip("no free port in 12180-12189 for a 'nothing listens here' test")


@pytest.fixture
def fake_binary(tmp_path: Path) -> Path:
    """An executable that answers ``--version`` like ollama does."""
    path = tmp_path / "bin" / "ollama"
    path.parent.mkdir()
    path.write_text("#!/bin/sh\necho 'ollama version is 0.5.4'\n")
    path.chmod(0o755)
    return path


@pytest.fixture(autouse=True)
def isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_binary: Path
) -> None:
    """Every test gets its own folders, the fake binary, and no host variables."""
    for name in (
        "SHARED_OLLAMA_URL",
        "OLLAMA_BASE_URL",
        "OLLAMA_HOST",
        "OLLAMA_MAX_RAM",
        "OLLAMA_KEEP_ALIVE",
        "XDG_RUNTIME_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SHARED_OLLAMA_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("SHARED_OLLAMA_LOGS_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("OLLAMA_BIN", str(fake_binary))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI; return its exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """Run the CLI with ``--json``; return its exit code and the parsed document."""
    code, out, _ = run(capsys, "--json", *argv)
    return code, json.loads(out)


# --- parsing and the command table -----------------------------------------------------------


def test_cli_help_exits_zero_and_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` lists every built-in command."""
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in (
        "status",
        "doctor",
        "start",
        "stop",
        "restart",
        "models",
        "pull",
        "warm",
        "chat",
        "generate",
        "service",
        "memory-limit",
    ):
        assert name in out


def test_cli_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` prints the program and the installed version, exit 0."""
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"shared-ollama {__version__}"


def test_cli_host_help_names_every_variable_in_resolution_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--host`` help (top level and per command) lists what resolve_host reads, in its order."""
    for argv in (["--help"], ["status", "--help"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0
        flat = " ".join(out.split())
        positions = [flat.index(name) for name in HOST_VARIABLES]
        assert positions == sorted(positions), flat
        assert "http://127.0.0.1:11434" in flat
    assert HOST_VARIABLES == ("SHARED_OLLAMA_URL", "OLLAMA_BASE_URL", "OLLAMA_HOST")


@pytest.mark.parametrize(
    "argv",
    [["status"], ["models"], ["pull", "m"], ["warm", "m"], ["chat", "m", "hi"]],
    ids=lambda argv: argv[0],
)
def test_every_command_says_server_down_the_same_way(
    capsys: pytest.CaptureFixture[str], down_url: str, argv: list[str]
) -> None:
    """status, models, pull, warm and chat print one sentence for a down server, exit 1."""
    code, out, err = run(capsys, "--host", down_url, *argv)
    assert code == 1
    assert (out + err).strip().removeprefix("shared-ollama: ") == server_down_message(down_url)


def test_server_down_message_masks_the_password_and_says_how_to_start() -> None:
    """The URL's password never shows; both ways of starting a server are named."""
    text = server_down_message("http://me:s3cret@127.0.0.1:11434")
    assert "s3cret" not in text
    assert "127.0.0.1:11434" in text
    assert "`shared-ollama start`" in text
    assert "`ollama serve`" in text


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["status", "--bogus"], ["pull"]])
def test_cli_usage_errors_exit_two(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """A missing or unknown command, or a bad option, is a usage error (2)."""
    assert run(capsys, *argv)[0] == 2


def test_cli_bad_host_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unparsable --host exits 2 with the parser's explanation."""
    code, _, err = run(capsys, "--host", "ftp://x", "status")
    assert code == 2
    assert "neither http nor https" in err


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_cli_error_never_prints_the_password_of_ollama_host(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, json_flag: list[str]
) -> None:
    """A bad OLLAMA_HOST with credentials is reported with its user-info hidden."""
    monkeypatch.delenv("SHARED_OLLAMA_URL", raising=False)
    monkeypatch.delenv("OLLAMA_BASE_URL", raising=False)
    monkeypatch.setenv("OLLAMA_HOST", "http://ann:s3cret@gpu:99999")
    code, out, err = run(capsys, *json_flag, "status")
    assert code == 2
    assert "OLLAMA_HOST='http://***@gpu:99999'" in err
    assert "s3cret" not in out + err
    assert "ann" not in out + err


@pytest.fixture
def extra_command() -> tuple[list[argparse.Namespace], tuple[Command, ...]]:
    """A command table with one extra test command, and the arguments it was run with."""
    seen: list[argparse.Namespace] = []

    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("word")

    def run_it(args: argparse.Namespace) -> int:
        seen.append(args)
        return 7

    return seen, (*COMMANDS, Command("echo-word", "repeat a word", configure, run_it))


@pytest.mark.parametrize(
    "argv",
    [
        ["--host", ":12111", "--json", "echo-word", "hi"],
        ["echo-word", "hi", "--host", ":12111", "--json"],
    ],
)
def test_command_table_entry_runs_with_host_and_json(
    extra_command: tuple[list[argparse.Namespace], tuple[Command, ...]], argv: list[str]
) -> None:
    """A command in the table runs with its arguments, and --host/--json work in either place."""
    seen, commands = extra_command
    assert main(argv, commands=commands) == 7
    [args] = seen
    assert args.word == "hi"
    assert args.host == ":12111"
    assert args.json is True


def test_command_table_refuses_a_duplicate_name() -> None:
    """Two commands of the same name in one table is a mistake the parser names."""
    again = Command("status", "again", lambda parser: None, lambda args: 0)
    with pytest.raises(ValueError, match="repeated: status"):
        build_parser((*COMMANDS, again))


def test_command_table_does_not_depend_on_imports() -> None:
    """The table is written out: the same commands, in order, whatever was imported before."""
    names = [command.name for command in COMMANDS]
    assert names[:2] == ["status", "doctor"]
    assert {"plugins", "replay", "report", "load-test", "chat"} <= set(names)
    subparsers = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    assert list(subparsers.choices) == names


def test_command_with_its_own_json_option_does_not_clash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A command that adds its own --json (like ``plugins``) does not clash with ours."""
    code, out, _ = run(capsys, "plugins", "--json")
    assert code == 0
    assert "plugins" in json.loads(out)


# --- status / doctor -------------------------------------------------------------------------


def test_status_of_a_down_server_exits_one(
    capsys: pytest.CaptureFixture[str], down_url: str
) -> None:
    """Down is exit 1, with the reason and how to start it."""
    code, out, _ = run(capsys, "--host", down_url, "status")
    assert code == 1
    assert out == server_down_message(down_url) + "\n"
    assert "shared-ollama start" in out


def test_status_json_of_an_up_server(capsys: pytest.CaptureFixture[str], server: Server) -> None:
    """Up is exit 0; the JSON has the version and the loaded models."""
    code, data = run_json(capsys, "--host", server.url, "status")
    assert code == 0
    assert data["up"] is True
    assert data["version"] == "0.5.4"
    assert data["managed"] is False
    assert [m["name"] for m in data["loaded_models"]] == ["smollm2:135m"]


def test_status_text_lists_loaded_models(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """The text form names the version, each loaded model and the budget."""
    code, out, _ = run(capsys, "status", "--host", server.url)
    assert code == 0
    assert f"Ollama 0.5.4 is up at {server.url}" in out
    assert "loaded: smollm2:135m (238.4 MiB, until 2030-01-01T00:00:00Z)" in out
    assert "Memory budget for models" in out


def test_doctor_passes_against_a_healthy_server(
    capsys: pytest.CaptureFixture[str], server: Server, fake_binary: Path
) -> None:
    """Every check is reported in order; a healthy setup exits 0."""
    code, data = run_json(capsys, "--host", server.url, "doctor")
    assert code == 0
    checks = {c["name"]: c for c in data["checks"]}
    assert list(checks) == ["binary", "service", "port", "environment", "models", "versions"]
    assert checks["binary"]["data"] == {"path": str(fake_binary), "version": "0.5.4"}
    assert checks["service"]["level"] == "ok"
    assert checks["models"]["data"]["pulled"] == ["smollm2:135m", "qwen2.5:0.5b"]
    assert checks["environment"]["data"]["OLLAMA_KEEP_ALIVE"] == {
        "value": "5m",
        "source": "default",
        "read_by_server": True,
    }
    assert checks["versions"]["data"]["server"] == "0.5.4"


def doctor_environment(capsys: pytest.CaptureFixture[str], url: str) -> dict[str, Any]:
    """The data of doctor's ``environment`` check against ``url``."""
    _, data = run_json(capsys, "--host", url, "doctor")
    check: dict[str, Any] = next(c for c in data["checks"] if c["name"] == "environment")
    return check["data"]  # type: ignore[no-any-return]


def test_doctor_shows_user_values_as_user(
    capsys: pytest.CaptureFixture[str], server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable the user exported shows up with source ``user``."""
    monkeypatch.setenv("OLLAMA_KEEP_ALIVE", "24h")
    environment = doctor_environment(capsys, server.url)
    assert environment["OLLAMA_KEEP_ALIVE"] == {
        "value": "24h",
        "source": "user",
        "read_by_server": True,
    }


def test_doctor_marks_variables_the_server_does_not_read(
    capsys: pytest.CaptureFixture[str], server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OLLAMA_NUM_THREAD and OLLAMA_MAX_RAM are shown as having no effect on ``ollama serve``."""
    monkeypatch.setenv("OLLAMA_NUM_THREAD", "3")
    environment = doctor_environment(capsys, server.url)
    read = {name for name, v in environment.items() if v["read_by_server"]}
    assert read == {"OLLAMA_HOST", "OLLAMA_KEEP_ALIVE"}
    assert environment["OLLAMA_NUM_THREAD"]["source"] == "user"
    code, out, _ = run(capsys, "--host", server.url, "doctor")
    assert code == 0
    line = next(line for line in out.splitlines() if "] environment:" in line)
    took_effect, _, ignored = line.partition("NOT READ by Ollama's server")
    assert "OLLAMA_KEEP_ALIVE=" in took_effect
    assert "OLLAMA_NUM_THREAD" not in took_effect
    assert "OLLAMA_MAX_RAM" not in took_effect
    assert "OLLAMA_NUM_THREAD=3 (user; threads are the per-request option num_thread)" in ignored


def test_doctor_prints_fixes_for_a_down_server(
    capsys: pytest.CaptureFixture[str], down_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Down and no binary: both fail, each with its fix, and the exit code is 1."""
    monkeypatch.setenv("OLLAMA_BIN", "/nonexistent/ollama")
    code, out, _ = run(capsys, "--host", down_url, "doctor")
    assert code == 1
    assert "[FAIL] binary" in out
    assert "fix: Install Ollama from https://ollama.com/download" in out
    assert "[FAIL] service" in out
    assert "fix: run `shared-ollama start`" in out


def test_doctor_spots_a_port_taken_by_something_else(
    capsys: pytest.CaptureFixture[str], impostor: Server
) -> None:
    """A port answered by a non-Ollama server fails the port check with the fix."""
    code, data = run_json(capsys, "--host", impostor.url, "doctor")
    assert code == 1
    port = next(c for c in data["checks"] if c["name"] == "port")
    assert port["level"] == "fail"
    assert "OLLAMA_HOST=127.0.0.1:<port>" in port["fix"]


# --- start / stop without a real daemon ------------------------------------------------------


def test_start_refuses_a_remote_host(capsys: pytest.CaptureFixture[str]) -> None:
    """Starting a daemon for another machine fails with exit 1 and says why."""
    code, _, err = run(capsys, "--host", "http://gpu-box.invalid:11434", "start")
    assert code == 1
    assert "cannot manage a daemon" in err


def test_start_with_a_server_already_up_starts_nothing(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """Something already answers: nothing is started and exit is 0."""
    code, data = run_json(capsys, "--host", server.url, "start")
    assert code == 0
    assert data["started"] is False
    assert data["version"] == "0.5.4"


def test_stop_leaves_a_server_it_did_not_start(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """Stopping someone else's Ollama is refused with exit 1."""
    code, data = run_json(capsys, "--host", server.url, "stop")
    assert code == 1
    assert data["outcome"] == "not_ours"


def test_stop_with_nothing_running_exits_zero(
    capsys: pytest.CaptureFixture[str], down_url: str
) -> None:
    """Nothing to stop is success."""
    code, out, _ = run(capsys, "--host", down_url, "stop")
    assert code == 0
    assert "no Ollama runs" in out


# --- models / pull / warm / chat / generate --------------------------------------------------


def test_models_lists_pulled_and_loaded(capsys: pytest.CaptureFixture[str], server: Server) -> None:
    """Each pulled model is listed with whether it is loaded."""
    code, data = run_json(capsys, "--host", server.url, "models")
    assert code == 0
    assert [(m["name"], m["loaded"]) for m in data["models"]] == [
        ("smollm2:135m", True),
        ("qwen2.5:0.5b", False),
    ]
    code, out, _ = run(capsys, "--host", server.url, "models")
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "SIZE", "LOADED"]
    assert [(row.split()[0], row.split()[-1]) for row in rows] == [
        ("smollm2:135m", "yes"),
        ("qwen2.5:0.5b", "no"),
    ]
    assert header.index("SIZE") + len("SIZE") == rows[0].index("MiB") + len("MiB")


def test_pull_prints_progress_from_the_stream(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """Plain progress shows each status and the layer's percentage; the request streams."""
    code, out, _ = run(capsys, "--host", server.url, "pull", "smollm2:135m")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "pulling manifest"
    assert "pulling abc 50% of 1000 B" in lines
    assert "pulling abc 100% of 1000 B" in lines
    assert lines[-1] == "success"
    [body] = server.posts("/api/pull")
    assert body["model"] == "smollm2:135m"
    assert body["stream"] is True


def test_pull_draws_rich_bars_on_a_terminal(
    capsys: pytest.CaptureFixture[str], server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal with rich installed, pull draws a bar per layer and each step."""
    from rich.console import Console

    from shared_ollama._cli import _api

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(_api, "rich_console", lambda: console)
    assert run(capsys, "--host", server.url, "pull", "smollm2:135m")[0] == 0
    drawn = screen.getvalue()
    for label in ("pulling manifest", "pulling abc", "success", "1.0/1.0 kB"):
        assert label in drawn


def test_pull_json_reports_the_final_status(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """With --json, one document with the last status."""
    code, data = run_json(capsys, "--host", server.url, "pull", "smollm2:135m")
    assert code == 0
    assert data == {"ok": True, "model": "smollm2:135m", "status": "success"}


def test_warm_loads_models_and_fails_for_a_missing_one(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """Warm sends an empty generate with keep_alive; a missing model makes exit 1."""
    code, data = run_json(
        capsys, "--host", server.url, "warm", "smollm2:135m", "missing", "--keep-alive", "1h"
    )
    assert code == 1
    assert [m["ok"] for m in data["models"]] == [True, False]
    assert data["models"][0]["load_duration_s"] == 2.0
    assert "shared-ollama pull missing" in data["models"][1]["error"]
    assert server.posts("/api/generate")[0] == {
        "model": "smollm2:135m",
        "prompt": "",
        "keep_alive": "1h",
        "stream": False,
    }


def test_chat_streams_the_reply_to_stdout(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """Chat prints the streamed content and sends the prompt, system and options."""
    code, out, _ = run(
        capsys,
        "--host",
        server.url,
        "chat",
        "smollm2:135m",
        "hello",
        "--system",
        "be brief",
        "--num-predict",
        "8",
    )
    assert code == 0
    assert out == "Hi there\n"
    [body] = server.posts("/api/chat")
    assert body["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hello"},
    ]
    assert body["options"] == {"num_predict": 8}
    assert body["stream"] is True


def test_generate_json_collects_the_stream(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """With --json, generate prints one document with the whole text and the stats."""
    code, data = run_json(capsys, "--host", server.url, "generate", "smollm2:135m", "hi")
    assert code == 0
    assert data["content"] == "Hello"
    assert data["done_reason"] == "stop"
    assert data["eval_count"] == 2
    assert server.posts("/api/generate")[0]["prompt"] == "hi"


def test_chat_with_a_missing_model_says_how_to_pull(
    capsys: pytest.CaptureFixture[str], server: Server
) -> None:
    """A 404 exits 1 and the message gives the pull command."""
    code, _, err = run(capsys, "--host", server.url, "chat", "missing", "hi")
    assert code == 1
    assert "pull missing" in err


def test_models_of_a_down_server_exits_one(
    capsys: pytest.CaptureFixture[str], down_url: str
) -> None:
    """API commands against a down server fail with exit 1 and a JSON error."""
    code, data = run_json(capsys, "--host", down_url, "models")
    assert code == 1
    assert data["ok"] is False
    assert data["type"] in {"OllamaUnavailableError", "CircuitOpenError"}


# --- service / memory-limit ------------------------------------------------------------------


def test_service_install_dry_run_prints_a_launchd_plist(
    capsys: pytest.CaptureFixture[str], fake_binary: Path
) -> None:
    """The plist parses, runs ``ollama serve`` and carries the serve environment."""
    code, out, err = run(
        capsys, "--host", ":12120", "service", "install", "--dry-run", "--platform", "launchd"
    )
    assert code == 0
    plist = plistlib.loads(out.encode())
    assert plist["ProgramArguments"] == [str(fake_binary), "serve"]
    assert plist["EnvironmentVariables"]["OLLAMA_HOST"] == "127.0.0.1:12120"
    assert plist["KeepAlive"] is True
    assert plist["StandardErrorPath"].endswith("ollama.error.log")
    assert "launchctl bootstrap" in err


def test_service_install_dry_run_prints_a_systemd_unit_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], fake_binary: Path, tmp_path: Path
) -> None:
    """The unit starts ``ollama serve`` with the environment; a dry run writes no file."""
    code, data = run_json(capsys, "service", "install", "--dry-run", "--platform", "systemd")
    assert code == 0
    assert f'ExecStart="{fake_binary}" serve' in data["text"]
    assert 'Environment="OLLAMA_HOST=127.0.0.1:11434"' in data["text"]
    assert "WantedBy=default.target" in data["text"]
    assert data["written"] is False
    assert not Path(data["path"]).exists()


def test_service_install_writes_the_unit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without --dry-run the unit is written under the home folder."""
    code, out, _ = run(capsys, "service", "install", "--platform", "systemd")
    assert code == 0
    unit = tmp_path / "home" / ".config" / "systemd" / "user" / "shared-ollama.service"
    assert unit.read_text().startswith("[Unit]")
    assert "systemctl --user enable --now shared-ollama.service" in out


def test_memory_limit_prints_the_budget_in_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    """The default output is the budget as an integer, for scripts."""
    code, out, _ = run(capsys, "memory-limit")
    assert code == 0
    assert int(out) == memory_budget_bytes(MachineInfo.detect().total_memory_bytes)


def test_memory_limit_honours_the_user_value_and_formats(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """OLLAMA_MAX_RAM set by the user wins; ``--format export`` prints a shell line."""
    monkeypatch.setenv("OLLAMA_MAX_RAM", "1073741824")
    assert (
        run(capsys, "memory-limit", "--format", "export")[1] == "export OLLAMA_MAX_RAM=1073741824\n"
    )
    assert run(capsys, "memory-limit", "--format", "gib")[1] == "1.0\n"
    _, data = run_json(capsys, "memory-limit")
    assert data["budget_bytes"] == 1073741824


# --- the scripts and python -m ---------------------------------------------------------------

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of scripts/*.sh with this interpreter's ``shared-ollama`` first on PATH."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", str(SCRIPTS / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_calculate_memory_limit_script_prints_the_budget() -> None:
    """The seed's script name still prints the budget (now from the CLI)."""
    done = run_script("calculate_memory_limit.sh", "--format", "export")
    assert done.returncode == 0, done.stderr
    expected = memory_budget_bytes(MachineInfo.detect().total_memory_bytes)
    assert done.stdout == f"export OLLAMA_MAX_RAM={expected}\n"


def test_health_check_script_is_silent_when_up_and_loud_when_down(
    server: Server, down_url: str
) -> None:
    """Exit 0 and no output when up; exit 1 with the status on stderr when down."""
    up = run_script("health_check.sh", "--host", server.url)
    assert (up.returncode, up.stdout, up.stderr) == (0, "", "")
    down = run_script("health_check.sh", "--host", down_url)
    assert down.returncode == 1
    assert json.loads(down.stderr)["up"] is False


def test_python_dash_m_runs_the_cli(server: Server) -> None:
    """``python -m shared_ollama`` is the same command."""
    done = subprocess.run(
        [sys.executable, "-m", "shared_ollama", "--host", server.url, "--json", "status"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == "0.5.4"
