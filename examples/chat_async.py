"""Chat from asyncio: ``AsyncSharedOllamaClient`` replaces ``ollama.AsyncClient``.

Three questions are asked at once. The client caps its own requests in flight per host
(``max_in_flight``, default 4), so many coroutines never flood a daemon other projects share.

Run it as is: ``python examples/chat_async.py`` (server from ``SHARED_OLLAMA_URL`` /
``OLLAMA_HOST``, model from ``SHARED_OLLAMA_EXAMPLE_MODEL``, default ``smollm2:135m``).
"""

from __future__ import annotations

import asyncio
import os

from shared_ollama import AsyncSharedOllamaClient

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
OPTIONS = {"num_predict": 16, "seed": 42, "temperature": 0}
QUESTIONS = ("What is 2 + 2?", "Name a planet.", "Say hello in French.")


async def ask(client: AsyncSharedOllamaClient, question: str) -> str:
    reply = await client.chat(MODEL, [{"role": "user", "content": question}], options=OPTIONS)
    return reply.message.content or ""


async def main() -> None:
    # `async with` closes the connection pool at the end, like `ollama.AsyncClient`.
    async with AsyncSharedOllamaClient(max_in_flight=2) as client:
        answers = await asyncio.gather(*(ask(client, q) for q in QUESTIONS))
        for question, answer in zip(QUESTIONS, answers, strict=True):
            print(f"Q: {question}\nA: {answer!r}")

        # Streaming is an async iterator of typed chunks.
        chunks = 0
        stream = await client.chat(
            MODEL, [{"role": "user", "content": QUESTIONS[0]}], options=OPTIONS, stream=True
        )
        async for chunk in stream:
            chunks += 1
            print(chunk.message.content, end="", flush=True)
        print(f"\nasync stream: {chunks} chunks")


if __name__ == "__main__":
    asyncio.run(main())
