"""The distribution's shape: public fronts, namespace packages, entry points, typing marker."""

from __future__ import annotations

import importlib
import importlib.metadata
from pathlib import Path

import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.llms.function_calling import FunctionCallingLLM

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("llama_index.llms.shared_ollama", ["DEFAULT_KEEP_ALIVE", "SharedOllama"]),
        (
            "llama_index.embeddings.shared_ollama",
            ["DEFAULT_MAX_CONCURRENT_BATCHES", "SharedOllamaEmbedding"],
        ),
    ],
)
def test_public_front_all_is_pinned_and_sorted(module: str, names: list[str]) -> None:
    """Each package exports exactly these names, sorted, and all of them exist."""
    front = importlib.import_module(module)

    assert front.__all__ == names
    assert all(hasattr(front, name) for name in names)


@pytest.mark.parametrize("folder", ["llama_index", "llama_index/llms", "llama_index/embeddings"])
def test_namespace_folders_have_no_init(folder: str) -> None:
    """``llama_index``, ``llms`` and ``embeddings`` stay implicit namespace packages."""
    assert not (ROOT / folder / "__init__.py").exists()


@pytest.mark.parametrize("package", ["llms/shared_ollama", "embeddings/shared_ollama"])
def test_packages_ship_py_typed(package: str) -> None:
    """Both packages carry the PEP 561 marker."""
    assert (ROOT / "llama_index" / package / "py.typed").is_file()


def test_entry_points_load_the_two_classes() -> None:
    """The ``shared_ollama.integrations`` entry points resolve to our classes."""
    points = {
        point.name: point
        for point in importlib.metadata.entry_points(group="shared_ollama.integrations")
    }

    llm_class = points["llama_index.llm"].load()
    embedding_class = points["llama_index.embedding"].load()

    assert issubclass(llm_class, FunctionCallingLLM)
    assert llm_class.__name__ == "SharedOllama"
    assert issubclass(embedding_class, BaseEmbedding)
    assert embedding_class.__name__ == "SharedOllamaEmbedding"


def test_distribution_depends_on_core_and_llama_index_by_range() -> None:
    """The installed metadata pins shared-ollama 0.1.x and llama-index-core 0.14.x."""
    requires = importlib.metadata.requires("llama-index-shared-ollama") or []

    assert "shared-ollama<0.2,>=0.1" in requires
    assert "llama-index-core<0.15,>=0.14" in requires
