"""``project=`` and ``priority=`` reach the core clients (fair share on shared slots)."""

from __future__ import annotations

import pytest

from langchain_shared_ollama import ChatSharedOllama, SharedOllamaEmbeddings


@pytest.mark.parametrize("cls", [ChatSharedOllama, SharedOllamaEmbeddings])
async def test_scheduling_fields_reach_both_core_clients(cls: type) -> None:
    """The fields win over client_kwargs and are set on the sync and async clients."""
    model = cls(
        model="m",
        base_url="http://127.0.0.1:9",
        project="support-bot",
        priority="interactive",
        client_kwargs={"project": "other", "priority": "batch"},
    )
    sync, asynchronous = model._clients.sync(), model._clients.async_()
    assert (sync.project, sync.priority) == ("support-bot", "interactive")
    assert (asynchronous.project, asynchronous.priority) == ("support-bot", "interactive")


def test_scheduling_fields_default_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset fields leave the core's defaults (SHARED_OLLAMA_PRIORITY) in force."""
    monkeypatch.setenv("SHARED_OLLAMA_PRIORITY", "batch")
    model = ChatSharedOllama(model="m", base_url="http://127.0.0.1:9")
    assert model._clients.sync().priority == "batch"


def test_scheduling_priority_is_validated() -> None:
    """A priority that does not exist is refused when the model is built."""
    with pytest.raises(ValueError, match="priority"):
        ChatSharedOllama(model="m", priority="urgent")
