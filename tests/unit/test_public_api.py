"""The public front: a pinned __all__, and an import that is cheap and has no side effects."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import shared_ollama

PUBLIC = {
    "AsyncClient", "AsyncSharedOllamaClient", "BaseGenerateResponse", "BreakerPolicy",
    "BreakerState", "CapabilityError", "CassetteMissError", "ChatResponse", "CircuitOpenError", "Client",
    "EmbedResponse", "EmbeddingsResponse", "FailureClass", "Format", "GenerateResponse",
    "HealthGate", "Image", "InvalidRequestError", "KeepAlive", "ListResponse", "Logprob",
    "Message", "ModelDetails", "ModelNotFoundError", "NOT_GIVEN", "OllamaHost",
    "OllamaUnavailableError", "Options", "ProcessResponse", "ProgressResponse", "ReplyLimits",
    "ReplyTooLargeError", "RequestError", "RequestTimeoutError", "ResponseError", "RetryPolicy",
    "ServerBusyError", "ServerError", "ServiceHealth", "SharedOllamaClient", "SharedOllamaError",
    "ShowResponse", "StatusResponse", "StreamInterruptedError", "SubscriptableModel", "ThinkLevel",
    "TimeoutPolicy", "TokenLogprob", "Tool", "ToolCall", "TransportError", "VersionResponse",
    "__version__", "acheck_service_health", "chat", "check_service_health", "classify", "copy",
    "create", "delete", "embed", "embeddings", "ensure_service_running", "generate",
    "get_ollama_base_url", "is_testing", "list", "parse_host", "ps", "pull", "push",
    "resolve_base_url", "set_testing", "show", "tool_from_function", "wait_until_ready",
}  # fmt: skip


def test_public_api_all_is_pinned() -> None:
    """Adding or removing a public name is a deliberate change to this list."""
    assert set(shared_ollama.__all__) == PUBLIC
    assert len(shared_ollama.__all__) == len(PUBLIC)


def test_public_api_names_all_resolve() -> None:
    """Every name in __all__ exists on the package."""
    missing = [name for name in shared_ollama.__all__ if not hasattr(shared_ollama, name)]
    assert missing == []


MOVED = {
    "shared_ollama.daemon": (
        "DaemonInfo", "DaemonSettings", "DaemonStatus", "MachineInfo", "OllamaBinaryNotFoundError",
        "ServeEnvironment", "StopResult", "WarmResult", "daemon_status", "find_ollama_binary",
        "memory_budget_bytes", "serve_environment", "start_daemon", "stop_daemon", "warm_models",
    ),
    "shared_ollama.telemetry": (
        "CallObservation", "CaptureMode", "Instrumentation", "JsonlSink", "PerformanceRecord",
        "PerformanceRecorder", "UsageSummary", "read_records", "summarize_usage", "usage_to_csv",
        "usage_to_json",
    ),
    "shared_ollama.plugins": (
        "PluginError", "PluginInfo", "PluginLoadError", "PluginNotFoundError", "PluginWarning",
        "configure_llama_index", "init_chat_model", "list_plugins", "load_plugin",
    ),
    "shared_ollama.testing": ("ReplayServer",),
}  # fmt: skip


@pytest.mark.parametrize(
    ("namespace", "name"), [(ns, name) for ns, names in MOVED.items() for name in names]
)
def test_moved_top_level_name_warns_and_names_its_new_place(namespace: str, name: str) -> None:
    """An old top-level name still works for one release, with a warning saying where it went."""
    with pytest.warns(DeprecationWarning, match=rf"{namespace}\.{name}; import it from there"):
        value = getattr(shared_ollama, name)
    assert value is getattr(importlib.import_module(namespace), name)
    assert name not in shared_ollama.__all__
    assert name not in dir(shared_ollama)


def test_create_plugin_moved_to_plugins_create() -> None:
    """``create_plugin`` is ``shared_ollama.plugins.create`` now."""
    with pytest.warns(DeprecationWarning, match=r"shared_ollama\.plugins\.create"):
        old = shared_ollama.create_plugin
    assert old is shared_ollama.plugins.create


@pytest.mark.parametrize("namespace", list(MOVED))
def test_namespace_all_resolves(namespace: str) -> None:
    """Each public namespace's ``__all__`` names all load."""
    module = importlib.import_module(namespace)
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


def test_unknown_name_is_an_attribute_error() -> None:
    """A name that never existed is still an AttributeError, not a warning."""
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        shared_ollama.nope  # noqa: B018


def test_module_level_functions_are_named_for_the_client_methods() -> None:
    """``shared_ollama.chat`` and friends forward to the default client's method of that name."""
    assert shared_ollama.chat.__name__ == "chat"
    assert "SharedOllamaClient.generate" in (shared_ollama.generate.__doc__ or "")


def test_drop_in_aliases_match_ollama_names() -> None:
    """`from shared_ollama import Client, AsyncClient` works like the ollama package."""
    assert shared_ollama.Client is shared_ollama.SharedOllamaClient
    assert shared_ollama.AsyncClient is shared_ollama.AsyncSharedOllamaClient


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip()


def test_import_pulls_in_no_framework_and_no_sdk() -> None:
    """`import shared_ollama` loads neither LangChain, LlamaIndex nor the OpenTelemetry SDK."""
    loaded = _run(
        "import sys, shared_ollama; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'langchain_core', 'langchain', 'llama_index', 'matplotlib', 'yaml', 'vcr'}), "
        "[m for m in sys.modules if m.startswith('opentelemetry.sdk')])"
    )
    assert loaded == "[] []"


def test_import_defers_what_a_first_call_does_not_need() -> None:
    """No retry library, no file lock, no records or analytics, no model validator is built."""
    out = _run(
        "import sys, shared_ollama\n"
        "from pydantic import BaseModel\n"
        "from shared_ollama import _types\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tenacity', 'filelock')"
        " or m.startswith(('shared_ollama.telemetry._', 'shared_ollama._report'))))\n"
        "print(sorted(n for n, v in vars(_types).items() if isinstance(v, type)"
        " and issubclass(v, BaseModel) and v.__pydantic_complete__))"
    )
    assert out == "[]\n[]"


def test_import_opens_no_socket_and_starts_no_thread() -> None:
    """Nothing happens at import time: no connection attempt, no background thread."""
    out = _run(
        "import socket, threading\n"
        "def refuse(*a, **k): raise AssertionError('socket opened at import')\n"
        "socket.socket.connect = refuse\n"
        "before = threading.active_count()\n"
        "import shared_ollama\n"
        "print(threading.active_count() - before)"
    )
    assert out == "0"


def test_module_level_functions_use_a_lazy_default_client(monkeypatch) -> None:
    """`shared_ollama.chat(...)` works like `ollama.chat(...)`, on a client made at first use."""
    import httpx

    from shared_ollama._core import _default_client

    assert _default_client._client == []
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(200, json={"models": []})

    monkeypatch.setattr(
        _default_client,
        "_client",
        [shared_ollama.SharedOllamaClient("http://d:1", transport=httpx.MockTransport(handler))],
    )
    assert shared_ollama.list().models == []
    assert shared_ollama.ps().models == []
    assert sent == ["/api/tags", "/api/ps"]
