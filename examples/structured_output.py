"""Structured output: pass a pydantic model class as ``format=`` and validate the reply with it.

Ollama constrains the model's output to the class's JSON schema, so the reply parses straight
into the class. A reply cut short by ``num_predict`` is incomplete JSON: check ``done_reason``.

Run it as is: ``python examples/structured_output.py`` (server from ``SHARED_OLLAMA_URL`` /
``OLLAMA_HOST``, model from ``SHARED_OLLAMA_EXAMPLE_MODEL``, default ``smollm2:135m``).
"""

from __future__ import annotations

import os

from pydantic import BaseModel, ValidationError

from shared_ollama import SharedOllamaClient

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
# JSON needs a few more tokens than prose; still small.
OPTIONS = {"num_predict": 48, "seed": 42, "temperature": 0}


class Pet(BaseModel):
    """What the model must answer: one pet, in this exact shape."""

    name: str
    species: str
    age: int


def main() -> None:
    with SharedOllamaClient() as client:
        messages = [
            {"role": "user", "content": "Invent a pet. Answer in JSON with name, species, age."}
        ]
        # The class itself (not an instance): its model_json_schema() is sent as `format`.
        reply = client.chat(MODEL, messages, format=Pet, options=OPTIONS)
        print(f"raw JSON: {reply.message.content}")
        try:
            pet = Pet.model_validate_json(reply.message.content or "")
        except ValidationError as exc:
            # A tiny model (or one cut short by num_predict) can stop mid-object.
            print(
                f"not a valid Pet ({exc.error_count()} errors, done_reason={reply.done_reason!r}): "
                "tiny models often fail here; try a bigger one via SHARED_OLLAMA_EXAMPLE_MODEL"
            )
            return
        print(f"parsed: {pet!r}")
        print(f"{pet.name} is a {pet.species}, {pet.age} years old")


if __name__ == "__main__":
    main()
