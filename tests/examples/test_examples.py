"""Every example runs as-is against the offline replay of its recording, so none can rot.

Each example runs in its own Python process with ``SHARED_OLLAMA_URL`` pointing at a
:class:`~shared_ollama.testing._replay_server.ReplayServer` over ``cassettes/examples/<example>/`` (recorded from
a real Ollama by ``tools/record_example_cassettes.py``), and must exit 0 and print what it
promises. An example whose request bodies drift from the recording gets the replay server's 501
("no recorded interaction for ..."), fails, and says to re-record.

The recorded model cannot call tools, so the tool examples' other branch (run the function the
model asks for, send the result back) runs against a scripted stand-in for ``/api/chat``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared_ollama.testing._replay_server import ReplayServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CASSETTES = ROOT / "cassettes" / "examples"
RECORDED_MODEL = "smollm2:135m"
TIMEOUT_S = 180.0
QUOTED = r"""(?:'.+'|".+")"""  # the repr() of a non-empty string
NOT_REPLAYED = frozenset({"demo"})  # the README's main job; scripts/demo.sh exercises it
# Anything that would send an example elsewhere than the replay server, or change its requests.
_CLEARED = (
    "OLLAMA_BASE_URL",
    "OLLAMA_HOST",
    "SHARED_OLLAMA_HOSTS",
    "SHARED_OLLAMA_EXAMPLE_MODEL",
    "SHARED_OLLAMA_MACHINE_SLOTS",
    "SHARED_OLLAMA_PERFORMANCE_LOG",
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
)


@dataclass(frozen=True)
class Case:
    """One example: the modules it needs and the lines (regular expressions) it must print."""

    name: str
    expected: tuple[str, ...]
    needs: tuple[str, ...] = ()


CASES = (
    Case(
        "chat_sync",
        (
            r"^reply: " + QUOTED + "$",
            r"^same as reply\['message'\]\['content'\]: True$",
            r"^tokens: \d+ in, 16 out$",
            r"^done_reason: length$",
            r"^follow-up: " + QUOTED + "$",
        ),
    ),
    Case(
        "chat_async",
        (
            r"^Q: What is 2 \+ 2\?$",
            r"^Q: Name a planet\.$",
            r"^Q: Say hello in French\.$",
            r"^async stream: (1[0-9]|[2-9][0-9]) chunks$",
        ),
    ),
    Case(
        "streaming",
        (
            r"\[done: length, 16 tokens\]$",
            r"^chat stream: 17 chunks, \d+ characters$",
            r"^generate stream: 17 chunks: " + QUOTED + "$",
        ),
    ),
    Case(
        "structured_output",
        (r"^raw JSON: \{", r"^parsed: Pet\(name='\w+', species='\w+', age=\d+\)$"),
    ),
    Case(
        "embeddings",
        (
            r"^embedded 5 texts, \d+ dimensions each$",
            r"^query: 'pets playing at home'$",
            # Embeddings track meaning: both pet sentences rank above both finance ones.
            r"^1\. [+-]\d\.\d{3}  (The cat|A kitten)",
            r"^2\. [+-]\d\.\d{3}  (The cat|A kitten)",
            r"^4\. [+-]\d\.\d{3}  ",
        ),
    ),
    Case(
        "tools",
        (
            r"^smollm2:135m cannot use tools: Ollama said '.*does not support tools'$",
            r"^models on this server that support tools: none$",
        ),
    ),
    Case(
        "langchain_lcel",
        (
            r"^invoke: " + QUOTED + "$",
            r"^stream: \d+ pieces: " + QUOTED + "$",
            r"^batch owls: " + QUOTED + "$",
            r"^batch rivers: " + QUOTED + "$",
        ),
        needs=("langchain_shared_ollama",),
    ),
    Case(
        "langchain_agent",
        (
            r"^smollm2:135m cannot use tools: Ollama said '.*does not support tools'$",
            r"^models on this server that support tools: none$",
        ),
        needs=("langchain_shared_ollama",),
    ),
    Case(
        "llamaindex_rag",
        (
            r"^answer: " + QUOTED + "$",
            r"^retrieved 2 of 4 documents:$",
            r"^  [+-]\d\.\d{3}  \S",
        ),
        needs=("llama_index.llms.shared_ollama", "llama_index.embeddings.shared_ollama"),
    ),
    Case(
        "several_hosts",
        (
            r"^host http://127\.0\.0\.1:9: down$",
            r"^host http://127\.0\.0\.1:\d+: up, Ollama \S+$",
            r"^version \(after failover\): \S+$",
            r"^chat routed to a live host: " + QUOTED + "$",
        ),
    ),
    Case(
        "telemetry_console",
        (
            r'"name": "chat smollm2:135m"',
            r'"name": "embeddings smollm2:135m"',
            r'"gen_ai\.provider\.name": "ollama"',
            r'"gen_ai\.usage\.output_tokens": 16',
            r'"name": "gen_ai\.client\.operation\.duration"',
        ),
        needs=("opentelemetry.sdk",),
    ),
    Case(
        "daemon_bootstrap",
        (
            r"^status: already running$",
            r"^url: http://127\.0\.0\.1:\d+$",
            r"^version: \S+$",
            r"^model smollm2:135m: pulled$",
        ),
    ),
)


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:  # a parent package is missing
        return True


def _run_example(
    name: str, url: str, scratch: Path, *, model: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    if model is not None:
        env["SHARED_OLLAMA_EXAMPLE_MODEL"] = model
    env.update(
        SHARED_OLLAMA_URL=url,
        # Never start a real daemon from a test: a start attempt fails loudly instead.
        OLLAMA_BIN=str(scratch / "no-ollama-here"),
        SHARED_OLLAMA_RUNTIME_DIR=str(scratch / "run"),
        SHARED_OLLAMA_LOGS_DIR=str(scratch / "logs"),
        PYTHONIOENCODING="utf-8",
    )
    return subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
        cwd=scratch,
        check=False,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_examples_run_against_replay(case: Case, tmp_path: Path) -> None:
    """The example exits 0 against its replayed recording and prints each expected line."""
    missing = [module for module in case.needs if _missing(module)]
    if missing:
        pytest.skip(
            f"{case.name}.py needs {', '.join(missing)}: install the integrations "
            "(bash scripts/test.sh does) to run it"
        )
    with ReplayServer(CASSETTES / case.name) as replay:
        done = _run_example(case.name, replay.url, tmp_path)
    report = f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, report
    assert "no recorded interaction" not in done.stdout + done.stderr, report
    for pattern in case.expected:
        assert re.search(pattern, done.stdout, re.MULTILINE), f"no line matches {pattern}\n{report}"


def test_examples_every_example_has_a_case_and_a_recording() -> None:
    """A new example cannot skip this test: it needs a case here and a recording."""
    examples = {path.stem for path in EXAMPLES.glob("*.py")} - NOT_REPLAYED
    assert examples == {case.name for case in CASES}
    for name in examples:
        assert list((CASSETTES / name).glob("*.yaml")), (
            f"cassettes/examples/{name}/ is empty: run "
            f"python tools/record_example_cassettes.py URL {name}"
        )


def test_examples_recordings_use_the_default_model() -> None:
    """The cassettes were made with the examples' default model, the one the test runs with."""
    for name in (case.name for case in CASES):
        for cassette in (CASSETTES / name).glob("*.yaml"):
            text = cassette.read_text(encoding="utf-8")
            assert RECORDED_MODEL in text, f"{cassette} was recorded with another model"


def test_examples_several_hosts_fails_without_failover(tmp_path: Path) -> None:
    """Against only the dead host, several_hosts.py fails: the replayed success needs failover."""
    env_hosts = "http://127.0.0.1:9"
    with ReplayServer(CASSETTES / "several_hosts") as replay:
        env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
        env.update(SHARED_OLLAMA_URL=replay.url, SHARED_OLLAMA_HOSTS=env_hosts)
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "several_hosts.py")],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=env,
            cwd=tmp_path,
            check=False,
        )
    assert done.returncode != 0
    assert "OllamaUnavailableError" in done.stderr


# The happy path of the tool examples needs a model that calls tools, which the recorded
# smollm2:135m cannot do; a scripted stand-in for Ollama's /api/chat plays that model.
TOOL_SCRIPTS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "get_temperature": [("get_temperature", {"city": "Paris"})],
    "add": [("add", {"a": 3, "b": 4}), ("multiply", {"a": 7, "b": 5})],
}


class _ToolModelHandler(BaseHTTPRequestHandler):
    """Answers /api/chat like a tool-calling model following TOOL_SCRIPTS, one call per turn."""

    requests: list[dict[str, Any]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer({"models": []} if self.path == "/api/ps" else {"version": "0.0.0-scripted"})

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(request)
        offered = [tool["function"]["name"] for tool in request.get("tools") or []]
        script = next((TOOL_SCRIPTS[name] for name in offered if name in TOOL_SCRIPTS), [])
        done_calls = sum(message["role"] == "tool" for message in request["messages"])
        message: dict[str, Any] = {"role": "assistant", "content": ""}
        if done_calls < len(script):
            name, arguments = script[done_calls]
            message["tool_calls"] = [{"function": {"name": name, "arguments": arguments}}]
        else:
            message["content"] = "Done."
        self._answer(
            {"model": request["model"], "created_at": "2026-01-01T00:00:00Z", "message": message,
             "done": True, "done_reason": "stop", "prompt_eval_count": 10, "eval_count": 5}
        )  # fmt: skip


@pytest.fixture
def tool_model() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The URL of the scripted tool-calling model, and the chat requests it received."""
    requests: list[dict[str, Any]] = []
    handler = type("Handler", (_ToolModelHandler,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize(
    ("name", "expected", "needs"),
    [
        (
            "tools",
            (
                r"^tool call: get_temperature\(\{'city': 'Paris'\}\) -> '22 degrees celsius in Paris'$",
                r"^answer: 'Done\.'$",
            ),
            (),
        ),
        (
            "langchain_agent",
            (
                r"^step 1: add\(\{'a': 3, 'b': 4\}\) -> 7$",
                r"^step 2: multiply\(\{'a': 7, 'b': 5\}\) -> 35$",
                r"^answer after 3 step\(s\): 'Done\.'$",
            ),
            ("langchain_shared_ollama",),
        ),
    ],
)
def test_examples_tool_loop_runs_the_functions_the_model_asks_for(
    name: str,
    expected: tuple[str, ...],
    needs: tuple[str, ...],
    tool_model: tuple[str, list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    """With a model that calls tools, the example runs each call and sends the results back."""
    if any(_missing(module) for module in needs):
        pytest.skip(f"{name}.py needs {', '.join(needs)}: install the integrations to run it")
    url, requests = tool_model
    done = _run_example(name, url, tmp_path, model="scripted-tools")
    report = f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, report
    for pattern in expected:
        assert re.search(pattern, done.stdout, re.MULTILINE), f"no line matches {pattern}\n{report}"
    last = requests[-1]["messages"]
    assert [m["role"] for m in last if m["role"] == "tool"] == ["tool"] * (len(requests) - 1)
    assert all(request["model"] == "scripted-tools" for request in requests)


def _sensible(text: str) -> bool:
    """Whether a reply reads as words: most of its tokens are plain words.

    The old recordings, from a misconfigured server, were runs of punctuation (``-, the's----``).
    """
    tokens = text.split()
    words = [token for token in tokens if re.fullmatch(r"[A-Za-z][A-Za-z']*[.,!?]?", token)]
    return len(tokens) >= 3 and len(words) >= 0.8 * len(tokens)


def test_examples_demo_offline_prints_sensible_recorded_answers(tmp_path: Path) -> None:
    """With no Ollama and no binary, the demo replays recordings and its answers are words."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(
        SHARED_OLLAMA_URL="http://127.0.0.1:9",  # nothing listens on the discard port
        OLLAMA_BIN=str(tmp_path / "no-ollama-here"),
        SHARED_OLLAMA_RUNTIME_DIR=str(tmp_path / "run"),
        SHARED_OLLAMA_LOGS_DIR=str(tmp_path / "logs"),
        PYTHONIOENCODING="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "demo.py")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    report = f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, report
    assert done.stdout.startswith("OFFLINE: "), report
    chat = re.search(r"^chat   smollm2:135m: (['\"])(.+)\1 \(\d+ tokens\)$", done.stdout, re.M)
    assert chat is not None, report
    assert _sensible(chat.group(2)), report
    streamed = re.search(r"^stream smollm2:135m: (.+)$", done.stdout, re.MULTILINE)
    assert streamed is not None, report
    assert _sensible(streamed.group(1)), report
