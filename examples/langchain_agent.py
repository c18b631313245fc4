"""A LangChain tool-calling agent loop with ``ChatSharedOllama.bind_tools``.

The model sees the tools, may ask for some, we run them and send the results back, until it
answers in text. Only models whose template supports tools can do this (llama3.1+, qwen2.5+,
qwen3, ...); others make Ollama refuse the request, which arrives as shared-ollama's
``CapabilityError`` and is handled below.

Run it as is: ``python examples/langchain_agent.py`` (needs ``pip install
langchain-shared-ollama``; server from ``SHARED_OLLAMA_URL`` / ``OLLAMA_HOST``, model from
``SHARED_OLLAMA_EXAMPLE_MODEL``, default ``smollm2:135m``, which has no tool support).
"""

from __future__ import annotations

import os

from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_shared_ollama import ChatSharedOllama
from shared_ollama import CapabilityError, SharedOllamaClient

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
MAX_STEPS = 4  # an agent loop always needs a bound


@tool
def add(a: int, b: int) -> int:
    """Add two whole numbers."""
    return a + b


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two whole numbers."""
    return a * b


TOOLS = {t.name: t for t in (add, multiply)}


def supports_tools(client: SharedOllamaClient, model: str) -> bool:
    """Whether ``model`` can call tools: Ollama 0.6+ says so, older servers show the template."""
    details = client.show(model)
    return "tools" in (details.capabilities or []) or ".Tools" in (details.template or "")


def main() -> None:
    llm = ChatSharedOllama(model=MODEL, temperature=0, seed=42, num_predict=16)
    agent = llm.bind_tools(list(TOOLS.values()))
    messages: list[BaseMessage] = [HumanMessage("What is (3 + 4) * 5? Use the tools.")]
    try:
        for step in range(1, MAX_STEPS + 1):
            reply = agent.invoke(messages)
            messages.append(reply)
            if not reply.tool_calls:
                print(f"answer after {step} step(s): {reply.content!r}")
                return
            for call in reply.tool_calls:
                result = TOOLS[call["name"]].invoke(call["args"])
                print(f"step {step}: {call['name']}({call['args']}) -> {result}")
                messages.append(ToolMessage(str(result), tool_call_id=call["id"]))
        print(f"no answer within {MAX_STEPS} steps")
    except CapabilityError as exc:
        # The core client's error passes through LangChain unchanged.
        print(f"{exc.model} cannot use {exc.capability}: Ollama said {exc.error!r}")
        with SharedOllamaClient() as client:
            names = [entry.model or "" for entry in client.list().models]
            able = [name for name in names if supports_tools(client, name)]
        print(f"models on this server that support tools: {', '.join(able) or 'none'}")


if __name__ == "__main__":
    main()
