"""Smoke test of one installed distribution: import it and make one call to an Ollama URL.

Run by ``scripts/smoke_dists.sh`` with the Python of a clean venv into which only that
distribution was installed from ``dist/`` (pip pulled ``shared-ollama`` in as its dependency),
against ``shared-ollama replay`` serving ``cassettes/smoke/``:

    python tools/smoke_dist.py DISTRIBUTION URL
    python tools/smoke_dist.py DISTRIBUTION URL --record   # write cassettes/smoke/DISTRIBUTION.yaml

``--record`` needs vcrpy and a real Ollama with ``smollm2:135m`` at URL (the development venv
has vcrpy; the clean venv does not, and does not need it). Standard library only otherwise:
the smoke test must not lean on anything the distribution did not install.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODEL = "smollm2:135m"
PROMPT = "What is the capital of France?"
OPTIONS = {"temperature": 0, "seed": 7, "num_predict": 24}
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "smoke"


def _langchain(url: str) -> str:
    from langchain_shared_ollama import ChatSharedOllama  # noqa: PLC0415 (one per smoke)

    message = ChatSharedOllama(model=MODEL, base_url=url, **OPTIONS).invoke(PROMPT)
    assert isinstance(message.content, str)
    assert "Paris" in message.content, message
    assert message.response_metadata["model_name"] == MODEL
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] > 0
    return message.content


def _llama_index_llm(url: str) -> str:
    from llama_index.core.llms import ChatMessage  # noqa: PLC0415

    from llama_index.llms.shared_ollama import SharedOllama  # noqa: PLC0415

    llm = SharedOllama(model=MODEL, base_url=url, additional_kwargs=dict(OPTIONS))
    response = llm.chat([ChatMessage(role="user", content=PROMPT)])
    text = response.message.content or ""
    assert "Paris" in text, response
    assert response.raw is not None
    assert response.raw["usage"]["completion_tokens"] > 0
    return text


def _llama_index_embedding(url: str) -> str:
    from llama_index.embeddings.shared_ollama import SharedOllamaEmbedding  # noqa: PLC0415

    vectors = SharedOllamaEmbedding(model_name=MODEL, base_url=url).get_text_embedding_batch(
        ["red apple", "green tree"]
    )
    assert len(vectors) == 2
    assert len(vectors[0]) == len(vectors[1]) > 0
    assert vectors[0] != vectors[1]
    return f"2 vectors of {len(vectors[0])} floats"


SMOKES: dict[str, tuple[str, Callable[[str], str]]] = {
    "langchain-shared-ollama": ("langchain_shared_ollama", _langchain),
    "llama-index-llms-shared-ollama": ("llama_index.llms.shared_ollama", _llama_index_llm),
    "llama-index-embeddings-shared-ollama": (
        "llama_index.embeddings.shared_ollama",
        _llama_index_embedding,
    ),
}


def _record(distribution: str, call: Callable[[], str]) -> str:
    import vcr  # type: ignore[import-untyped]  # noqa: PLC0415 (only --record needs it)

    recorder = vcr.VCR(
        record_mode="all",
        match_on=["method", "path", "query", "body"],
        filter_headers=["authorization", "date", "user-agent"],
        decode_compressed_response=True,
    )
    CASSETTES.mkdir(parents=True, exist_ok=True)
    with recorder.use_cassette(str(CASSETTES / f"{distribution}.yaml")):
        return call()


def main(argv: list[str] | None = None) -> int:
    """Import the distribution's package, check where it came from, make the call."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("distribution", choices=sorted(SMOKES))
    parser.add_argument("url")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args(argv)
    package, smoke = SMOKES[args.distribution]
    module: Any = __import__(package, fromlist=["__name__"])
    versions = {
        name: importlib.metadata.version(name) for name in ("shared-ollama", args.distribution)
    }
    call = lambda: smoke(args.url)  # noqa: E731
    result = _record(args.distribution, call) if args.record else call()
    print(f"{args.distribution}: {versions} from {Path(module.__file__).parent}: {result!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
