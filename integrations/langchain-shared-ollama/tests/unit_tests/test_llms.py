"""SharedOllamaLLM on the wire: ``/api/generate`` requests and generations."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_shared_ollama import SharedOllamaLLM


def _generate_answer(text: str = "Armstrong", **extra: Any) -> dict[str, Any]:
    return {
        "model": "smollm2:135m",
        "created_at": "2025-01-01T00:00:00Z",
        "response": text,
        "done": True,
        "done_reason": "stop",
        "context": [1, 2, 3],
        "total_duration": 10,
        "prompt_eval_count": 4,
        "eval_count": 2,
        **extra,
    }


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_llm_invoke_sends_one_non_streaming_generate(fake: Any, mode: str) -> None:
    """``invoke`` posts once to ``/api/generate`` with ``stream: false``."""
    fake.answer("/api/generate", _generate_answer())
    llm = SharedOllamaLLM(model="smollm2:135m", temperature=0.1, **fake.clients())

    text = (
        llm.invoke("First man on the moon:")
        if mode == "sync"
        else await llm.ainvoke("First man on the moon:")
    )

    assert text == "Armstrong"
    (body,) = fake.bodies("/api/generate")
    assert body == {
        "model": "smollm2:135m",
        "prompt": "First man on the moon:",
        "stream": False,
        "options": {"temperature": 0.1},
    }


def test_llm_generate_keeps_metadata_and_context(fake: Any) -> None:
    """``generation_info`` carries the model, provider, counts and Ollama's ``context``."""
    fake.answer("/api/generate", _generate_answer(thinking="hmm"))
    llm = SharedOllamaLLM(model="smollm2:135m", reasoning=True, **fake.clients())

    result = llm.generate(["Q"])

    info = result.generations[0][0].generation_info
    assert info is not None
    assert info["model_name"] == "smollm2:135m"
    assert info["model_provider"] == "ollama"
    assert info["context"] == [1, 2, 3]
    assert info["thinking"] == "hmm"
    assert fake.bodies("/api/generate")[0]["think"] is True


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_llm_stream_yields_text_pieces(fake: Any, mode: str) -> None:
    """``stream`` streams ``/api/generate`` and yields the text pieces."""
    pieces = [{"model": "m", "response": p, "done": False} for p in ("Arm", "strong")]
    fake.stream("/api/generate", [*pieces, _generate_answer("")])
    llm = SharedOllamaLLM(model="smollm2:135m", **fake.clients())

    out = list(llm.stream("Q")) if mode == "sync" else [p async for p in llm.astream("Q")]

    assert "".join(out) == "Armstrong"
    assert fake.bodies("/api/generate")[0]["stream"] is True


def test_llm_streaming_field_aggregates_a_stream(fake: Any) -> None:
    """``streaming=True`` makes ``invoke`` stream, and the answer is the whole text."""
    pieces = [{"model": "m", "response": p, "done": False} for p in ("Arm", "strong")]
    fake.stream("/api/generate", [*pieces, _generate_answer("")])
    llm = SharedOllamaLLM(model="smollm2:135m", streaming=True, **fake.clients())

    assert llm.invoke("Q") == "Armstrong"
    assert fake.bodies("/api/generate")[0]["stream"] is True


def test_llm_call_arguments_reach_generate(fake: Any) -> None:
    """``system``, ``max_tokens``, ``stop`` and ``model`` can be set per call."""
    fake.answer("/api/generate", _generate_answer())
    llm = SharedOllamaLLM(model="smollm2:135m", **fake.clients())

    llm.invoke("Q", system="Be terse.", max_tokens=3, stop=["\n"], model="other")

    body = fake.bodies("/api/generate")[0]
    assert body["system"] == "Be terse."
    assert body["model"] == "other"
    assert body["options"] == {"num_predict": 3, "stop": ["\n"]}


def test_llm_ls_params_and_construction() -> None:
    """Tracing names the per-call model; construction sends nothing and checks aliases."""
    llm = SharedOllamaLLM(model="smollm2:135m", max_tokens=7)

    params = llm._get_ls_params(model="x")
    assert (params["ls_model_name"], params["ls_model_type"]) == ("x", "llm")
    assert params["ls_max_tokens"] == 7
    with pytest.raises(ValueError, match="disagree"):
        SharedOllamaLLM(model="m", num_predict=1, max_tokens=2)
