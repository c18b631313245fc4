"""The async client is generated from the sync one: the committed file must match the generator."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_async_client_matches_generator_output() -> None:
    """Editing _sync_client.py without regenerating _async_client.py fails here."""
    spec = importlib.util.spec_from_file_location(
        "generate_async_client", ROOT / "tools" / "generate_async_client.py"
    )
    assert spec is not None
    assert spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    sys.modules["generate_async_client"] = generator
    spec.loader.exec_module(generator)
    expected = generator.formatted(generator.to_async(generator.SYNC.read_text()))
    assert generator.ASYNC.read_text() == expected, (
        "src/shared_ollama/_core/_async_client.py is stale: run python tools/generate_async_client.py"
    )
