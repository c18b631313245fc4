"""Record what every example sends to a real Ollama, for the offline replay of the example tests.

Usage::

    python tools/record_example_cassettes.py http://127.0.0.1:11434            # every example
    python tools/record_example_cassettes.py http://127.0.0.1:11434 chat_sync  # only some

Each example runs in a fresh Python process (so one example's global state, such as the
OpenTelemetry providers or LlamaIndex ``Settings``, never leaks into another), inside
``vcr.use_cassette(record_mode="all")``, with ``SHARED_OLLAMA_URL`` set to the given server and
the default model (``smollm2:135m``; the server must have it). Its HTTP exchanges are written to
``cassettes/examples/<example>/<example>.yaml``, replacing what was there; a failed example
leaves its old cassette in place. ``tests/examples/test_examples.py`` then runs every example
against :class:`shared_ollama.testing._replay_server.ReplayServer` over those folders.

The examples fix ``seed`` and ``temperature`` so that a re-run sends the same request bodies:
the replay server matches by the project's one rule (``shared_ollama.testing``: method, path,
query and the JSON body as Ollama reads it), and the recording uses the same vcrpy
configuration as the test suites. Review the diff before committing.
"""

from __future__ import annotations

import argparse
import os
import runpy
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CASSETTES = ROOT / "cassettes" / "examples"
NOT_RECORDED = frozenset({"demo"})
"""Examples with recordings elsewhere: ``demo.py`` replays ``cassettes/test_api_cassettes``."""
TIMEOUT_S = 600.0
# Variables that would make an example talk to another server or model than the one recorded.
_CLEARED = ("SHARED_OLLAMA_HOSTS", "SHARED_OLLAMA_EXAMPLE_MODEL", "OLLAMA_BASE_URL", "OLLAMA_HOST")


def example_names() -> list[str]:
    """Every example that has cassettes of its own, sorted."""
    return sorted(p.stem for p in EXAMPLES.glob("*.py") if p.stem not in NOT_RECORDED)


def cassette_path(name: str) -> Path:
    """Where the recording of example ``name`` lives."""
    return CASSETTES / name / f"{name}.yaml"


def record_one(name: str, url: str, cassette: Path) -> int:
    """Run example ``name`` in this process against ``url``, recording into ``cassette``.

    Returns:
        The example's exit status.
    """
    import vcr  # noqa: PLC0415 (a development dependency, needed only while recording)

    from shared_ollama.testing._matching import register_matcher, vcr_config  # noqa: PLC0415

    for variable in _CLEARED:
        os.environ.pop(variable, None)
    os.environ["SHARED_OLLAMA_URL"] = url
    recorder = vcr.VCR(**vcr_config(serializer="yaml", record_mode="all"))
    register_matcher(recorder)
    script = EXAMPLES / f"{name}.py"
    sys.path.insert(0, str(EXAMPLES))
    sys.argv = [str(script)]
    with recorder.use_cassette(str(cassette)):
        try:
            runpy.run_path(str(script), run_name="__main__")
        except SystemExit as done:
            code = done.code
            return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _record_in_child(name: str, url: str) -> tuple[bool, str]:
    """Record one example in a fresh interpreter; returns success and a one-line summary."""
    final = cassette_path(name)
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        draft = Path(scratch) / final.name
        started = time.monotonic()
        command = [sys.executable, __file__, "--child", name, url, str(draft)]
        try:
            done = subprocess.run(  # noqa: S603 (our own interpreter and script)
                command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            return False, f"{name}: no end after {TIMEOUT_S:g}s; old cassette kept"
        elapsed = time.monotonic() - started
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            return False, f"{name}: exit {done.returncode}; old cassette kept\n    " + (
                "\n    ".join(tail)
            )
        if not draft.exists():
            return False, f"{name}: sent no HTTP request, so there is nothing to record"
        for old in final.parent.glob("*.yaml"):
            old.unlink()
        final.write_text(draft.read_text(encoding="utf-8"), encoding="utf-8")
    count = final.read_text(encoding="utf-8").count("- request:")
    return True, f"{name}: {count} interactions in {final.relative_to(ROOT)} ({elapsed:.1f}s)"


def _server_answers(url: str) -> bool:
    import httpx  # noqa: PLC0415 (keeps --help instant)

    try:
        return httpx.get(f"{url.rstrip('/')}/api/version", timeout=5.0).status_code == 200
    except httpx.HTTPError:
        return False


def main(argv: list[str] | None = None) -> int:
    """Record the examples named on the command line (default: all) against a live Ollama."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("url", nargs="?", help="base URL of a real Ollama with smollm2:135m")
    parser.add_argument("examples", nargs="*", help="example names (default: every example)")
    parser.add_argument(
        "--child", nargs=3, metavar=("NAME", "URL", "CASSETTE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.child:
        name, url, cassette = args.child
        return record_one(name, url, Path(cassette))
    if not args.url:
        parser.error("give the base URL of a running Ollama, e.g. http://127.0.0.1:11434")
    url = args.url.rstrip("/")
    if not _server_answers(url):
        print(f"no Ollama answers at {url}/api/version: start one first", file=sys.stderr)
        return 2
    known = example_names()
    unknown = sorted(set(args.examples) - set(known))
    if unknown:
        parser.error(f"unknown examples {', '.join(unknown)}; known: {', '.join(known)}")
    failures = 0
    for name in args.examples or known:
        ok, summary = _record_in_child(name, url)
        failures += not ok
        print(("recorded " if ok else "FAILED   ") + summary, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
