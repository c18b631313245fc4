"""The four distributions: what each one ships, declares and registers.

One row per distribution in the repository: its folder, the package it installs, the plugins it
registers under ``shared_ollama.integrations``, and (for LlamaIndex) its ``[tool.llamahub]``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest itself depends on tomli before 3.11
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Dist:
    """What one distribution of the repository ships."""

    name: str
    folder: str
    package: str  # dotted import path
    package_dir: str  # where the package lives inside the folder
    plugins: dict[str, str] = field(default_factory=dict)
    namespace_folders: tuple[str, ...] = ()

    @property
    def root(self) -> Path:
        """The distribution's folder (the one with its pyproject.toml)."""
        return REPO / self.folder

    def metadata(self) -> dict[str, object]:
        """The distribution's pyproject.toml."""
        return tomllib.loads((self.root / "pyproject.toml").read_text(encoding="utf-8"))


DISTRIBUTIONS = [
    Dist("shared-ollama", ".", "shared_ollama", "src/shared_ollama"),
    Dist(
        "langchain-shared-ollama",
        "integrations/langchain-shared-ollama",
        "langchain_shared_ollama",
        "src/langchain_shared_ollama",
        plugins={
            "langchain.chat": "ChatSharedOllama",
            "langchain.llm": "SharedOllamaLLM",
            "langchain.embeddings": "SharedOllamaEmbeddings",
        },
    ),
    Dist(
        "llama-index-llms-shared-ollama",
        "integrations/llama-index-llms-shared-ollama",
        "llama_index.llms.shared_ollama",
        "llama_index/llms/shared_ollama",
        plugins={"llama_index.llm": "SharedOllama"},
        namespace_folders=("llama_index", "llama_index/llms"),
    ),
    Dist(
        "llama-index-embeddings-shared-ollama",
        "integrations/llama-index-embeddings-shared-ollama",
        "llama_index.embeddings.shared_ollama",
        "llama_index/embeddings/shared_ollama",
        plugins={"llama_index.embedding": "SharedOllamaEmbedding"},
        namespace_folders=("llama_index", "llama_index/embeddings"),
    ),
]
LLAMA_INDEX = [dist for dist in DISTRIBUTIONS if dist.name.startswith("llama-index-")]
IDS = [dist.name for dist in DISTRIBUTIONS]


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=IDS)
def test_distribution_ships_license_py_typed_and_readme(dist: Dist) -> None:
    """Each distribution folder has the root's MIT LICENSE, a README, and its ``py.typed``."""
    project = dist.metadata()["project"]
    assert isinstance(project, dict)

    assert project["name"] == dist.name
    assert project["license"] == "MIT"
    license_text = (dist.root / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert license_text == (REPO / "LICENSE").read_text(encoding="utf-8")
    assert (dist.root / project["readme"]).is_file()
    assert (dist.root / dist.package_dir / "py.typed").is_file()


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=IDS)
def test_distribution_is_installed_under_its_name(dist: Dist) -> None:
    """The installed metadata carries the name and the licence, and the package imports."""
    installed = importlib.metadata.distribution(dist.name)
    module = importlib.import_module(dist.package)

    assert installed.metadata["Name"] == dist.name
    assert installed.metadata["License-Expression"] == "MIT"
    assert module.__name__ == dist.package


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=IDS)
def test_distribution_registers_exactly_its_plugins(dist: Dist) -> None:
    """Its ``shared_ollama.integrations`` entry points load the classes of its own package."""
    points = [
        point
        for point in importlib.metadata.distribution(dist.name).entry_points
        if point.group == "shared_ollama.integrations"
    ]
    loaded = {point.name: point.load() for point in points}

    assert {name: cls.__name__ for name, cls in loaded.items()} == dist.plugins
    assert all(cls.__module__.startswith(dist.package) for cls in loaded.values())


@pytest.mark.parametrize("dist", LLAMA_INDEX, ids=[dist.name for dist in LLAMA_INDEX])
def test_llama_index_distribution_has_llamahub_metadata_and_namespace_folders(dist: Dist) -> None:
    """``[tool.llamahub]`` names the package and its class; ``llama_index/*`` have no __init__."""
    tool = dist.metadata()["tool"]
    assert isinstance(tool, dict)
    llamahub = tool["llamahub"]

    assert llamahub["import_path"] == dist.package
    assert set(llamahub["class_authors"]) == set(dist.plugins.values())
    for folder in dist.namespace_folders:
        assert (dist.root / folder).is_dir()
        assert not (dist.root / folder / "__init__.py").exists(), folder


def test_no_placeholder_urls_anywhere_in_the_metadata() -> None:
    """No ``example.invalid`` (or other placeholder) URL in any pyproject.toml."""
    for dist in DISTRIBUTIONS:
        text = (dist.root / "pyproject.toml").read_text(encoding="utf-8")
        assert "example.invalid" not in text, dist.name
