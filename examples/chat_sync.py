"""Chat with a model from synchronous code: ``ollama.Client``'s API, through shared-ollama.

Run it as is: ``python examples/chat_sync.py``. The server comes from ``SHARED_OLLAMA_URL``,
``OLLAMA_BASE_URL`` or ``OLLAMA_HOST`` (default ``http://127.0.0.1:11434``), the model from
``SHARED_OLLAMA_EXAMPLE_MODEL`` (default ``smollm2:135m``).
"""

from __future__ import annotations

import os
from typing import Any

from shared_ollama import SharedOllamaClient

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
# A fixed seed and temperature 0 make the answer repeatable; num_predict keeps it short.
OPTIONS = {"num_predict": 16, "seed": 42, "temperature": 0}


def main() -> None:
    # No address: the client looks where Ollama's own tools look (see the module docstring).
    # Use it as a context manager, or call close(), to release its connections.
    with SharedOllamaClient() as client:
        print(f"server: {client.base_url}")
        messages: list[Any] = [{"role": "user", "content": "Name one colour of the rainbow."}]
        reply = client.chat(MODEL, messages, options=OPTIONS)

        # Typed attributes, or the dict-style access that code written for `ollama` uses.
        print(f"reply: {reply.message.content!r}")
        same = reply["message"]["content"] == reply.message.content
        print(f"same as reply['message']['content']: {same}")
        print(f"tokens: {reply.prompt_eval_count} in, {reply.eval_count} out")
        print(f"done_reason: {reply.done_reason}")  # "length": num_predict cut it short

        # A second turn: the reply itself (a Message) goes back into the history.
        messages += [reply.message, {"role": "user", "content": "And another one?"}]
        follow_up = client.chat(MODEL, messages, options=OPTIONS)
        print(f"follow-up: {follow_up.message.content!r}")

        # Timings are Ollama's own, in nanoseconds; a long load_duration means a cold start
        # (the model had to be loaded into memory first).
        total, load = follow_up.total_duration or 0, follow_up.load_duration or 0
        print(f"server time for the follow-up: {total / 1e9:.2f}s (loading {load / 1e9:.2f}s)")


if __name__ == "__main__":
    main()
