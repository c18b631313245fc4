"""``project=`` and ``priority=`` reach the core clients (fair share on shared slots)."""

from __future__ import annotations

import pytest

from llama_index.llms.shared_ollama import SharedOllama


def test_llm_scheduling_fields_reach_both_core_clients() -> None:
    """The LLM's project and priority are the sync and async clients' own."""
    llm = SharedOllama(
        model="m", base_url="http://127.0.0.1:9", project="rag", priority="interactive"
    )
    assert (llm.client.project, llm.client.priority) == ("rag", "interactive")
    assert (llm.async_client.project, llm.async_client.priority) == ("rag", "interactive")


def test_llm_scheduling_priority_is_validated() -> None:
    """A priority that does not exist is refused when the LLM is built."""
    with pytest.raises(ValueError, match="priority"):
        SharedOllama(model="m", priority="urgent")  # type: ignore[arg-type]
