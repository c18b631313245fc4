"""The README's main job: find (or start) the shared Ollama, then chat, stream and embed.

Order of attempts, each said plainly on the first line of output:

1. an Ollama that already answers (``SHARED_OLLAMA_URL`` / ``OLLAMA_BASE_URL`` / ``OLLAMA_HOST``
   or ``http://127.0.0.1:11434``);
2. one started here with the daemon bootstrap, when an ``ollama`` binary can be found;
3. otherwise an OFFLINE replay of answers recorded from a real Ollama (``cassettes/``): the
   client, its errors and streaming are real, the answers are recordings.

Run it with ``bash scripts/demo.sh`` (which installs everything first).
"""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path

from shared_ollama import (
    SharedOllamaClient,
    check_service_health,
    ensure_service_running,
    resolve_base_url,
)
from shared_ollama.testing import ReplayServer

RECORDED_MODEL = "smollm2:135m"
CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "test_api_cassettes"


def _pick_model(client: SharedOllamaClient) -> str | None:
    wanted = os.environ.get("SHARED_OLLAMA_DEMO_MODEL")
    names = [entry.model for entry in client.list().models if entry.model]
    if wanted:
        return wanted if wanted in names else None
    return RECORDED_MODEL if RECORDED_MODEL in names else (names[0] if names else None)


def _find_live_server() -> tuple[str | None, str]:
    """The URL of a live Ollama (or ``None``) and a sentence saying what it is or why not."""
    url = resolve_base_url()
    health = check_service_health(url)
    if health.up:
        return url, f"LIVE: Ollama {health.version} at {url}"
    try:
        started = ensure_service_running(url, start=True)
    except Exception as exc:  # any failure to start means: go offline, and say why
        return None, f"no Ollama answered at {url} and none could be started ({exc})"
    return url, f"LIVE: started Ollama {started.version} at {url} with the daemon bootstrap"


def _offline(stack: ExitStack, reason: str) -> str:
    server = stack.enter_context(ReplayServer(CASSETTES))
    print(
        f"OFFLINE: {reason}. Replaying answers recorded from a real Ollama "
        f"({CASSETTES.name}) at {server.url}: the client is real, the answers are recordings."
    )
    return server.url


def main() -> int:
    with ExitStack() as stack:
        url, banner = _find_live_server()
        model = None
        if url is not None:
            with SharedOllamaClient(url) as probe:
                model = _pick_model(probe)
            if model is None:
                banner = (
                    f"Ollama at {url} has no model pulled (pull one with "
                    f"`shared-ollama pull {RECORDED_MODEL}`)"
                )
        if url is None or model is None:
            url, model = _offline(stack, banner), RECORDED_MODEL
        else:
            print(banner)
        client = stack.enter_context(SharedOllamaClient(url))
        messages = [{"role": "user", "content": "Say hello."}]
        options = {"num_predict": 8, "seed": 7, "temperature": 0}
        reply = client.chat(model, messages, options=options)
        print(f"chat   {model}: {reply.message.content!r} ({reply.eval_count} tokens)")
        print(f"stream {model}: ", end="")
        for chunk in client.chat(model, messages, options=options, stream=True):
            print(chunk.message.content, end="", flush=True)
        print()
        vectors = client.embed(model, ["first text", "second text", "third"]).embeddings
        print(f"embed  {model}: {len(vectors)} vectors of {len(vectors[0])} dimensions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
