"""Pure mapping of Ollama JSON to attributes, and how providers are found."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.metrics import NoOpMeterProvider, get_meter_provider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import NoOpTracerProvider, ProxyTracerProvider

from shared_ollama.telemetry._otel import ProviderSlot, is_api_default
from shared_ollama.telemetry._semconv import (
    ReplyStats,
    parse_reply,
    reply_attributes,
    request_attributes,
    split_host,
)


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("http://127.0.0.1:11434", ("127.0.0.1", 11434)),
        ("https://ollama.example.com", ("ollama.example.com", 443)),
        ("http://[::1]:9000/ollama", ("::1", 9000)),
        ("127.0.0.1:12201", ("127.0.0.1", 12201)),
        ("gpu-box", ("gpu-box", None)),
    ],
)
def test_split_host_table(host: str, expected: tuple[str, int | None]) -> None:
    """Base URLs and host:port strings give server.address and server.port."""
    assert split_host(host) == expected


def request(**body: Any) -> dict[str, Any]:
    return request_attributes(
        operation=body.pop("operation", "chat"), model="m", body=body, stream=False,
        server_address="h", server_port=1,
    )  # fmt: skip


def test_request_attributes_skip_options_of_the_wrong_kind() -> None:
    """A bool seed or a text temperature is left out rather than mislabeled."""
    attributes = request(options={"seed": True, "temperature": "hot", "top_k": 5, "stop": "END"})
    assert "gen_ai.request.seed" not in attributes
    assert "gen_ai.request.temperature" not in attributes
    assert attributes["gen_ai.request.top_k"] == 5.0
    assert attributes["gen_ai.request.stop_sequences"] == ["END"]


def test_request_attributes_never_read_content() -> None:
    """Messages and prompts never reach the request attributes."""
    attributes = request(messages=[{"role": "user", "content": "secret"}], prompt="secret")
    assert "secret" not in repr(attributes)


def test_request_dimensions_only_for_embeddings() -> None:
    """The ``dimensions`` asked of /api/embed becomes the dimension count."""
    assert request(operation="embeddings", dimensions=64)["gen_ai.embeddings.dimension.count"] == 64
    assert "gen_ai.embeddings.dimension.count" not in request(dimensions=64)


@pytest.mark.parametrize(
    ("load_duration", "cold"),
    [
        (None, None),
        (1_031_686, False),
        (99_000_000, False),
        (100_000_001, True),
        (799_390_624, True),
    ],
)
def test_cold_start_rule(load_duration: int | None, cold: bool | None) -> None:
    """More than 0.1 s of load_duration is a cold start; no load_duration leaves it unknown."""
    reply = {} if load_duration is None else {"load_duration": load_duration}
    stats = parse_reply(reply)
    assert stats.cold_start() is cold
    assert reply_attributes(stats).get("ollama.cold_start") is cold


def test_parse_reply_tolerates_odd_values() -> None:
    """Wrong kinds of values are unknown, never an exception."""
    stats = parse_reply({"eval_count": "8", "total_duration": None, "embeddings": [], "model": 3})
    assert stats == ReplyStats()
    assert reply_attributes(stats) == {}


def test_reply_stats_derived_rates() -> None:
    """Decode and prefill speeds and time per token come from counts and durations."""
    stats = parse_reply({"eval_count": 4, "eval_duration": 2_000_000_000,
                         "prompt_eval_count": 10, "prompt_eval_duration": 500_000_000})  # fmt: skip
    assert stats.decode_tokens_per_s == pytest.approx(2.0)
    assert stats.prefill_tokens_per_s == pytest.approx(20.0)
    assert stats.time_per_output_token_s == pytest.approx(0.5)
    assert parse_reply({"eval_count": 0, "eval_duration": 0}).time_per_output_token_s is None


def test_is_api_default_tells_proxies_from_sdk_providers() -> None:
    """The API's proxy and no-op providers record nothing; an SDK provider does."""
    assert is_api_default(ProxyTracerProvider())
    assert is_api_default(NoOpTracerProvider())
    assert is_api_default(NoOpMeterProvider())
    assert is_api_default(get_meter_provider())  # tests never set a global provider
    assert not is_api_default(TracerProvider())


def test_provider_slot_follows_the_global_provider_once_it_is_set() -> None:
    """A slot re-checks the global provider until it turns real, then keeps what it made."""
    current: list[Any] = [ProxyTracerProvider()]
    made: list[Any] = []

    def make(provider: Any) -> str:
        made.append(provider)
        return "tracer"

    slot: ProviderSlot[Any, str] = ProviderSlot(None, lambda: current[0], make)
    assert slot.get() is None
    current[0] = TracerProvider()
    assert slot.get() == "tracer"
    current[0] = ProxyTracerProvider()
    assert slot.get() == "tracer"
    assert len(made) == 1


def test_provider_slot_with_an_injected_no_op_stays_off() -> None:
    """An injected no-op provider turns telemetry off even when a global one is real."""
    slot: ProviderSlot[Any, str] = ProviderSlot(
        NoOpTracerProvider(), TracerProvider, lambda provider: "tracer"
    )
    assert slot.get() is None


def test_provider_slot_asks_the_global_provider_at_most_once_per_interval() -> None:
    """While no SDK is configured, the global provider is asked at most once per interval."""
    asked: list[int] = []

    def get_global() -> Any:
        asked.append(1)
        return ProxyTracerProvider()

    slot: ProviderSlot[Any, str] = ProviderSlot(
        None, get_global, lambda provider: "tracer", recheck_interval_ns=1_000
    )
    assert [slot.get(now) for now in (0, 10, 999, 1_000, 1_500, 2_000)] == [None] * 6
    assert len(asked) == 3
