"""The sync client is generated from the async one: the committed file must match the generator."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def unasync() -> ModuleType:
    """``tools/unasync.py``, imported from its file."""
    spec = importlib.util.spec_from_file_location("unasync_tool", ROOT / "tools" / "unasync.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["unasync_tool"] = module
    spec.loader.exec_module(module)
    return module


def test_sync_client_matches_generator_output(unasync: ModuleType) -> None:
    """Editing the async client without running tools/unasync.py fails here."""
    for target, expected in unasync.generate().items():
        assert target.read_text(encoding="utf-8") == expected, (
            f"{target.name} is stale: run python tools/unasync.py"
        )


def test_unasync_fails_on_a_rule_that_changes_nothing(unasync: ModuleType) -> None:
    """A rule left over after the source changed is named, so the list cannot rot."""
    sources = []
    for source, _ in unasync.FILES:
        text = source.read_text(encoding="utf-8").replace("aiter_bytes(", "chunks(")
        text = text.replace("aread(", "body(").replace("aclose(", "shut(")
        text = text.replace("arelease(", "give(")
        sources.append(text.replace("arequire(", "check(").replace("aacquire(", "take("))
    with pytest.raises(ValueError, match=r"changed nothing"):
        unasync.unasync(*sources)


def test_unasync_rewrites_the_generic_forms(unasync: ModuleType) -> None:
    """``async def``, ``await``, ``async with/for`` and the Async names all lose their async."""
    header = unasync.HEADER[0]
    source = (
        f'"""{header}"""\n'
        "from collections.abc import AsyncIterator, Awaitable, Callable\n"
        "from shared_ollama._core._async_io import sleep\n"
        "class AsyncThing:  # an asynchronous thing\n"
        "    '''Asynchronous.'''\n"
        "    async def __aenter__(self) -> AsyncThing: ...\n"
        "    async def __aexit__(self, *args: object) -> None: ...\n"
        "    async def run(self, f: Callable[[], Awaitable[T]]) -> AsyncIterator[T]:\n"
        "        async with self:\n"
        "            async for item in await f():\n"
        "                await item.aclose()\n"
    )
    [out] = unasync.unasync(source)
    assert out.startswith(f'"""{unasync.HEADER[1]}"""')
    code = out.split("\n", 1)[1]
    assert "async" not in code.replace("_sync_io", "")
    assert "from shared_ollama._core._sync_io import sleep" in code
    assert "Awaitable" not in out
    assert "def __enter__(self) -> Thing" in out
    assert "def run(self, f: Callable[[], T]) -> Iterator[T]:" in out
    assert "for item in f():" in out
    assert "item.close()" in out
    assert "# an synchronous thing" in out
    assert "'''Synchronous.'''" in out
