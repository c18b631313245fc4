"""num_ctx and keep_alive stay stable per model within a client, so nobody forces a reload."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from shared_ollama import SharedOllamaClient
from shared_ollama._core._sticky_options import StickyOptions

REPLY = {"model": "m", "message": {"role": "assistant", "content": "ok"}, "done": True}


def test_sticky_options_reuse_first_num_ctx_and_keep_alive() -> None:
    """A later call that omits num_ctx and keep_alive gets the model's earlier values."""
    sticky = StickyOptions()
    assert sticky.apply({"model": "m", "options": {"num_ctx": 8192}, "keep_alive": "10m"}) is None
    assert sticky.apply({"model": "m", "messages": []}) == {
        "model": "m",
        "messages": [],
        "options": {"num_ctx": 8192},
        "keep_alive": "10m",
    }
    assert sticky.apply({"model": "other"}) is None


def test_sticky_options_warn_once_on_conflicting_num_ctx(caplog: pytest.LogCaptureFixture) -> None:
    """Asking for another num_ctx is sent as asked, and logged once as a forced reload."""
    sticky = StickyOptions()
    sticky.apply({"model": "m", "options": {"num_ctx": 2048}})
    with caplog.at_level(logging.WARNING, logger="shared_ollama.client"):
        assert sticky.apply({"model": "m", "options": {"num_ctx": 4096}}) is None
        sticky.apply({"model": "m", "options": {"num_ctx": 8192}})
    warnings = [record for record in caplog.records if "reload" in record.getMessage()]
    assert len(warnings) == 1
    assert "num_ctx=4096" in warnings[0].getMessage()


def test_client_sends_sticky_num_ctx_on_later_calls() -> None:
    """Through the client: the second chat carries the first chat's num_ctx."""
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=REPLY)

    with SharedOllamaClient("http://h:1", transport=httpx.MockTransport(handler)) as client:
        client.chat("m", [], options={"num_ctx": 4096})
        client.chat("m", [])
    assert bodies[1]["options"] == {"num_ctx": 4096}


@pytest.mark.parametrize("unload", [0, "0", "0s", "0m", 0.0])
def test_sticky_options_never_remember_an_unload(unload: object) -> None:
    """keep_alive=0 unloads the model once; it is not replayed on later calls."""
    sticky = StickyOptions()
    assert sticky.apply({"model": "m", "keep_alive": unload}) is None
    assert sticky.apply({"model": "m"}) is None
