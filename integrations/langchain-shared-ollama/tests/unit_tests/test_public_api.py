"""The public surface: names, entry points, and nothing happening at import time."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from typing import Any, get_type_hints

import pytest
from langchain_core.language_models import ModelProfile
from langchain_core.load import dumpd, dumps, loads

import langchain_shared_ollama
from langchain_shared_ollama import ChatSharedOllama, SharedOllamaEmbeddings, SharedOllamaLLM
from langchain_shared_ollama.chat_models import ChatSharedOllama as PublicChat
from langchain_shared_ollama.embeddings import SharedOllamaEmbeddings as PublicEmbeddings
from langchain_shared_ollama.llms import SharedOllamaLLM as PublicLLM


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


def test_public_modules_hold_the_classes() -> None:
    """``chat_models``, ``llms`` and ``embeddings`` are public modules, as in partner packages."""
    assert (PublicChat, PublicLLM, PublicEmbeddings) == (
        ChatSharedOllama,
        SharedOllamaLLM,
        SharedOllamaEmbeddings,
    )
    assert ChatSharedOllama.get_lc_namespace() == ["langchain_shared_ollama", "chat_models"]
    assert SharedOllamaLLM.get_lc_namespace() == ["langchain_shared_ollama", "llms"]
    assert SharedOllamaEmbeddings.__module__ == "langchain_shared_ollama.embeddings"


@pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")
@pytest.mark.parametrize(
    ("cls", "module", "fields"),
    [
        (ChatSharedOllama, "chat_models", {"temperature": 0.2, "num_ctx": 4096, "reasoning": True}),
        (SharedOllamaLLM, "llms", {"seed": 3, "format": "json", "keep_alive": "10m"}),
    ],
)
def test_dumpd_and_loads_round_trip_under_the_public_path(
    cls: type[Any], module: str, fields: dict[str, Any]
) -> None:
    """LangChain's own helpers serialize the model by its public path and load it back equal.

    ``api_key`` is written as a reference to ``OLLAMA_API_KEY``, never as its value.
    """
    model = cls(model="smollm2:135m", api_key="s3cret", base_url="http://127.0.0.1:9", **fields)

    serialized = dumpd(model)
    text = dumps(model)
    loaded = loads(
        text,
        valid_namespaces=["langchain_shared_ollama"],
        allowed_objects=[cls],
        secrets_map={"OLLAMA_API_KEY": "s3cret"},
    )

    assert serialized["type"] == "constructor"
    assert serialized["id"] == ["langchain_shared_ollama", module, cls.__name__]
    assert serialized["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": ["OLLAMA_API_KEY"]}
    assert "s3cret" not in text
    assert type(loaded) is cls
    assert loaded.model_dump() == model.model_dump()
    assert loaded.api_key.get_secret_value() == "s3cret"


def test_profile_fields_are_langchain_model_profile_fields() -> None:
    """Every key of the static profile is a ``ModelProfile`` field of the declared type.

    ``tool_choice`` is ``False`` (a bool, as ``ModelProfile`` declares it): Ollama has no
    ``tool_choice`` and cannot force a tool call.
    """
    hints = get_type_hints(ModelProfile)
    profile = ChatSharedOllama(model="m").profile

    assert profile is not None
    assert profile["tool_choice"] is False
    assert all(isinstance(value, hints[key]) for key, value in profile.items())
