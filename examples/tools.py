"""Tool calling: hand the model a plain Python function; run what it asks for; answer back.

The function's signature and Google-style docstring become the tool's JSON schema. Only models
whose template supports tools can use them (llama3.1+, qwen2.5+, qwen3, mistral-nemo, ...); any
other model makes Ollama refuse the request, which arrives here as ``CapabilityError``.

Run it as is: ``python examples/tools.py`` (server from ``SHARED_OLLAMA_URL`` / ``OLLAMA_HOST``,
model from ``SHARED_OLLAMA_EXAMPLE_MODEL``, default ``smollm2:135m``, which has no tool support:
the example then lists the models on the server that do).
"""

from __future__ import annotations

import os
from typing import Any

from shared_ollama import CapabilityError, SharedOllamaClient

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
OPTIONS = {"num_predict": 16, "seed": 42, "temperature": 0}


def get_temperature(city: str, unit: str = "celsius") -> str:
    """Get the current temperature in a city.

    Args:
        city: The city, e.g. "Paris".
        unit: "celsius" or "fahrenheit".
    """
    return f"22 degrees {unit} in {city}"  # a stand-in for a real weather service


TOOLS: dict[str, Any] = {"get_temperature": get_temperature}


def models_with_tools(client: SharedOllamaClient) -> list[str]:
    """The models on the server that can call tools, from ``show()``."""
    supported = []
    for entry in client.list().models:
        name = entry.model or ""
        details = client.show(name)
        # Ollama 0.6+ lists capabilities; older servers only show it in the template.
        if "tools" in (details.capabilities or []) or ".Tools" in (details.template or ""):
            supported.append(name)
    return supported


def main() -> None:
    with SharedOllamaClient() as client:
        messages: list[Any] = [{"role": "user", "content": "How warm is it in Paris?"}]
        try:
            reply = client.chat(MODEL, messages, tools=[get_temperature], options=OPTIONS)
        except CapabilityError as exc:
            print(f"{exc.model} cannot use {exc.capability}: Ollama said {exc.error!r}")
            able = models_with_tools(client)
            print(f"models on this server that support tools: {', '.join(able) or 'none'}")
            if not able:
                print(
                    "pull one, e.g. `shared-ollama pull qwen2.5:0.5b`, and set SHARED_OLLAMA_EXAMPLE_MODEL"
                )
            return

        messages.append(reply.message)
        for call in reply.message.tool_calls or []:
            # `arguments` is already a dict; run the function the model picked.
            result = TOOLS[call.function.name](**call.function.arguments)
            print(f"tool call: {call.function.name}({call.function.arguments}) -> {result!r}")
            messages.append({"role": "tool", "content": result, "tool_name": call.function.name})
        if not reply.message.tool_calls:
            print(f"the model answered without a tool: {reply.message.content!r}")
            return
        final = client.chat(MODEL, messages, tools=[get_temperature], options=OPTIONS)
        print(f"answer: {final.message.content!r}")


if __name__ == "__main__":
    main()
