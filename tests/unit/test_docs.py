"""The docs cannot drift from the code: generated parts match, and what they list is complete."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

import shared_ollama

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ENV_NAME = re.compile(r"\b(?:SHARED_OLLAMA|OLLAMA|OTEL)_[A-Z0-9]+(?:_[A-Z0-9]+)*\b")
CODE_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")
MARKDOWN_FILES = [
    *sorted(DOCS.glob("*.md")),
    ROOT / "examples" / "README.md",
    ROOT / "CONTRIBUTING.md",
]
PUBLIC_NAMESPACES = ("daemon", "plugins", "telemetry", "testing")


def _generator() -> ModuleType:
    path = ROOT / "tools" / "generate_api_reference.py"
    spec = importlib.util.spec_from_file_location("generate_api_reference", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_docs_api_reference_matches_generator() -> None:
    """docs/API_REFERENCE.md is exactly what tools/generate_api_reference.py produces now."""
    committed = (DOCS / "API_REFERENCE.md").read_text(encoding="utf-8")
    assert committed == _generator().generate(), (
        "docs/API_REFERENCE.md is stale: run python tools/generate_api_reference.py"
    )


def test_docs_api_reference_lists_every_public_name() -> None:
    """Every name of shared_ollama.__all__ has a row in the reference."""
    text = (DOCS / "API_REFERENCE.md").read_text(encoding="utf-8")
    missing = [name for name in shared_ollama.__all__ if f"| `{name}` |" not in text]
    assert missing == []


def test_docs_api_reference_every_name_has_a_summary() -> None:
    """Every public name has a docstring summary (or an attribute docstring) to show."""
    empty = [entry.name for entry in _generator().collect_entries() if not entry.summary]
    assert empty == [], f"add a docstring to: {', '.join(empty)}"


def test_docs_api_reference_signatures_skip_annotations() -> None:
    """Signatures show names and short defaults, keyword-only marker included."""
    generator = _generator()

    def probe(a: int, b: str = "x", *, c: object = None, **rest: object) -> None:
        """Probe."""

    assert generator.signature_of(probe, "probe") == "probe(a, b='x', *, c=None, **rest)"


def _named_variables() -> set[str]:
    sources = [*(ROOT / "src" / "shared_ollama").rglob("*.py"), *(ROOT / "examples").glob("*.py")]
    sources.append(ROOT / "tests" / "conftest.py")
    return {name for path in sources for name in ENV_NAME.findall(path.read_text("utf-8"))}


def test_docs_configuration_lists_every_environment_variable() -> None:
    """Every SHARED_OLLAMA_*, OLLAMA_* and OTEL_* name in the code is in docs/configuration.md."""
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    names = _named_variables()
    assert "SHARED_OLLAMA_URL" in names  # the scan itself works
    missing = sorted(name for name in names if f"`{name}`" not in text)
    assert missing == []


def _exception_names() -> list[str]:
    return [
        name
        for name in shared_ollama.__all__
        if inspect.isclass(obj := getattr(shared_ollama, name)) and issubclass(obj, BaseException)
    ]


def test_docs_runbooks_explain_every_error_class() -> None:
    """Every public exception and warning has a row in the runbooks' error table."""
    text = (DOCS / "runbooks.md").read_text(encoding="utf-8")
    names = _exception_names()
    assert "CapabilityError" in names
    missing = [name for name in names if f"| `{name}` |" not in text]
    assert missing == []


def test_docs_runbooks_mention_every_cli_command() -> None:
    """Every `shared-ollama` sub-command appears in the runbooks."""
    import argparse

    from shared_ollama._cli import _app as _cli

    text = (DOCS / "runbooks.md").read_text(encoding="utf-8")
    parser = _cli.build_parser()
    commands = next(
        action.choices
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    assert "status" in commands
    missing = sorted(name for name in commands if f"shared-ollama {name}" not in text)
    assert missing == []


def _after_snippets() -> list[tuple[str, str]]:
    """Python blocks of the written docs, minus "# before" ones (the old API, on purpose).

    The generated reference is left out: its blocks are signatures, not code.
    """
    return [
        (path.name, block)
        for path in MARKDOWN_FILES
        if path.name != "API_REFERENCE.md"
        for block in CODE_BLOCK.findall(path.read_text(encoding="utf-8"))
        if not block.lstrip().startswith("# before")
    ]


def test_docs_python_snippets_parse_and_import_only_public_names() -> None:
    """Every Python block parses and imports from shared_ollama's public fronts only."""
    snippets = _after_snippets()
    assert len(snippets) > 10
    fronts = ("shared_ollama", *(f"shared_ollama.{name}" for name in PUBLIC_NAMESPACES))
    public = {front: set(importlib.import_module(front).__all__) for front in fronts}
    problems = []
    for name, block in snippets:
        flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        tree = compile(block, name, "exec", flags=flags, dont_inherit=True)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith(
                "shared_ollama"
            ):
                continue
            if node.module not in public:
                problems.append(f"{name}: imports the private module {node.module}")
                continue
            problems += [
                f"{name}: {alias.name} is not public"
                for alias in node.names
                if alias.name not in public[node.module]
            ]
    assert problems == []


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda path: path.name)
def test_docs_relative_links_resolve(path: Path) -> None:
    """Every relative link of a doc points at a file that exists."""
    broken = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        if not (path.parent / target.split("#", 1)[0]).exists():
            broken.append(target)
    assert broken == []


def test_docs_examples_readme_lists_every_example() -> None:
    """examples/README.md has a row for every example script."""
    text = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    missing = [
        p.name for p in sorted((ROOT / "examples").glob("*.py")) if f"`{p.name}`" not in text
    ]
    assert missing == []


def _skip_reasons(path: Path) -> list[tuple[int, str]]:
    """The text of every ``pytest.skip(...)`` / ``skipif(reason=...)`` in a test file."""
    reasons = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("skip", "skipif"):
            texts = [
                part.value
                for arg in [*node.args, *(keyword.value for keyword in node.keywords)]
                for part in ast.walk(arg)
                if isinstance(part, ast.Constant) and isinstance(part.value, str)
            ]
            reasons.append((node.lineno, " ".join(texts)))
    return reasons


def test_docs_skip_messages_never_point_into_this_repositorys_ci_folders() -> None:
    """A skip tells a user how to run a tier with their own Ollama, never ``../shared/...``."""
    files = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "integrations").rglob("*.py")]
    reasons = [(path, line, text) for path in files for line, text in _skip_reasons(path)]
    assert any("ollama serve" in text for _, _, text in reasons)  # the scan finds the live skip
    offenders = [
        f"{path.relative_to(ROOT)}:{line}" for path, line, text in reasons if "../shared" in text
    ]
    assert offenders == []
