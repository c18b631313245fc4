"""What a ``SharedOllama`` holds besides its pydantic fields: its clients and cached facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import LLMMetadata

    from shared_ollama.plugins import SharedClients

    from ._metadata import ModelFacts

__all__ = ["LLMState"]


class LLMState:
    """What a ``SharedOllama`` holds besides its fields: its clients and cached server facts."""

    __slots__ = ("clients", "facts", "metadata")

    def __init__(self) -> None:
        self.clients: SharedClients | None = None
        self.facts: tuple[str, ModelFacts] | None = None
        self.metadata: tuple[tuple[Any, ...], LLMMetadata, dict[str, Any]] | None = None

    def __repr__(self) -> str:
        return f"_State(clients={self.clients!r}, facts={self.facts!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> LLMState:
        # A copied LLM keeps talking through the same clients (one pool, breaker and budget).
        copied = LLMState()
        copied.clients = self.clients
        copied.facts, copied.metadata = self.facts, self.metadata
        return copied

    def __reduce__(self) -> tuple[type[LLMState], tuple[()]]:
        # Clients do not pickle; an unpickled LLM makes its own on first use.
        return (LLMState, ())
