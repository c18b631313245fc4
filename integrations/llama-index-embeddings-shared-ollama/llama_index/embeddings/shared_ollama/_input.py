"""The text sent to the embedding model for a query or a document (pure).

As in ``llama-index-embeddings-ollama``, texts are stripped and an instruction, when set, is
put in front with one space, so vectors match those made by that package.
"""

from __future__ import annotations

__all__ = ["instructed"]


def instructed(text: str, instruction: str | None) -> str:
    """``text`` stripped, after ``instruction`` and a space when an instruction is given."""
    if instruction:
        return f"{instruction.strip()} {text.strip()}".strip()
    return text.strip()
