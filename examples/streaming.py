"""Stream a reply chunk by chunk, and keep what arrived when a stream breaks.

``stream=True`` returns an iterator of typed chunks (``ChatResponse`` for chat,
``GenerateResponse`` for generate). The last chunk has ``done=True`` and the statistics.

Run it as is: ``python examples/streaming.py`` (server from ``SHARED_OLLAMA_URL`` /
``OLLAMA_HOST``, model from ``SHARED_OLLAMA_EXAMPLE_MODEL``, default ``smollm2:135m``).
"""

from __future__ import annotations

import os

from shared_ollama import SharedOllamaClient, StreamInterruptedError

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
OPTIONS = {"num_predict": 16, "seed": 42, "temperature": 0}


def main() -> None:
    with SharedOllamaClient() as client:
        messages = [{"role": "user", "content": "Tell me a very short story."}]
        chunks, text = 0, []
        try:
            for chunk in client.chat(MODEL, messages, options=OPTIONS, stream=True):
                chunks += 1
                text.append(chunk.message.content or "")
                print(chunk.message.content, end="", flush=True)
                if chunk.done:
                    print(f"\n[done: {chunk.done_reason}, {chunk.eval_count} tokens]")
        except StreamInterruptedError as exc:
            # Nothing is retried once bytes have arrived (that would repeat text); the error
            # carries what came before the break, so nothing already shown is lost.
            print(f"\nstream broke after {exc.chunks_received} chunks: {exc.error}")
            print(f"partial text kept: {exc.partial!r}")
            return
        print(f"chat stream: {chunks} chunks, {len(''.join(text))} characters")

        # /api/generate streams the same way; a chunk's text is in `.response`.
        pieces = [
            chunk.response
            for chunk in client.generate(MODEL, "Once upon a time", options=OPTIONS, stream=True)
        ]
        print(f"generate stream: {len(pieces)} chunks: {''.join(pieces)!r}")


if __name__ == "__main__":
    main()
