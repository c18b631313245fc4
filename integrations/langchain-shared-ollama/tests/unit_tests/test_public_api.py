"""The public surface: names, entry points, and nothing happening at import time."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import langchain_shared_ollama
from langchain_shared_ollama import ChatSharedOllama, SharedOllamaEmbeddings, SharedOllamaLLM


def test_public_all_is_pinned_and_sorted() -> None:
    """``__all__`` lists exactly the public names, sorted."""
    assert langchain_shared_ollama.__all__ == [
        "ChatSharedOllama",
        "SharedOllamaEmbeddings",
        "SharedOllamaLLM",
        "__version__",
    ]
    assert sorted(langchain_shared_ollama.__all__) == langchain_shared_ollama.__all__


def test_entry_points_resolve_to_the_classes() -> None:
    """The ``shared_ollama.integrations`` entry points load our three classes."""
    found = {ep.name: ep.load() for ep in entry_points(group="shared_ollama.integrations")}

    assert found["langchain.chat"] is ChatSharedOllama
    assert found["langchain.llm"] is SharedOllamaLLM
    assert found["langchain.embeddings"] is SharedOllamaEmbeddings


def test_import_loads_no_core_client_and_sends_nothing() -> None:
    """Importing the package and building models imports neither shared_ollama nor httpx."""
    code = (
        "import sys\n"
        "from langchain_shared_ollama import ChatSharedOllama, SharedOllamaEmbeddings\n"
        "ChatSharedOllama(model='m'); SharedOllamaEmbeddings(model='m')\n"
        "print(sorted(m for m in ('shared_ollama', 'httpx') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert result.stdout.strip() == "[]"
