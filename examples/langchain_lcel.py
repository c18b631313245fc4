"""A LangChain LCEL chain: prompt | ChatSharedOllama | StrOutputParser.

``ChatSharedOllama`` (from the ``langchain-shared-ollama`` distribution) takes the same fields
as ``langchain_ollama.ChatOllama`` and talks to Ollama through shared-ollama's resilient client.

Run it as is: ``python examples/langchain_lcel.py`` (needs ``pip install langchain-shared-ollama``;
server from ``SHARED_OLLAMA_URL`` / ``OLLAMA_HOST``, model from ``SHARED_OLLAMA_EXAMPLE_MODEL``,
default ``smollm2:135m``).
"""

from __future__ import annotations

import os

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_shared_ollama import ChatSharedOllama

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")


def main() -> None:
    # base_url=None (the default) finds the server like every shared-ollama client does.
    # Ollama's options are fields; num_predict keeps the answers short.
    llm = ChatSharedOllama(model=MODEL, temperature=0, seed=42, num_predict=16)
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You answer in one short sentence."),
            ("human", "Tell me one fact about {topic}."),
        ]
    )
    chain = prompt | llm | StrOutputParser()

    print(f"invoke: {chain.invoke({'topic': 'the moon'})!r}")

    # The same chain streams: StrOutputParser passes each chunk's text through.
    pieces = list(chain.stream({"topic": "the sea"}))
    print(f"stream: {len(pieces)} pieces: {''.join(pieces)!r}")

    # batch() runs the inputs concurrently; the client's in-flight cap keeps the daemon calm.
    for topic, answer in zip(
        ("owls", "rivers"), chain.batch([{"topic": "owls"}, {"topic": "rivers"}]), strict=True
    ):
        print(f"batch {topic}: {answer!r}")


if __name__ == "__main__":
    main()
