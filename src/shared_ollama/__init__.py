"""shared-ollama: one Ollama daemon, shared safely and observably by many projects.

A typed, resilient, drop-in replacement for the ``ollama`` client: swap
``ollama.Client`` for :class:`SharedOllamaClient` (or ``AsyncClient`` for
:class:`AsyncSharedOllamaClient`) and keep your code.
"""

import builtins
import importlib
from typing import TYPE_CHECKING, Any

from shared_ollama._core._async_client import AsyncSharedOllamaClient
from shared_ollama._core._base_client import NOT_GIVEN
from shared_ollama._core._default_client import (
    chat,
    copy,
    create,
    delete,
    embed,
    embeddings,
    generate,
    list,
    ps,
    pull,
    push,
    show,
)
from shared_ollama._core._reply_limits import ReplyLimits
from shared_ollama._core._sync_client import SharedOllamaClient
from shared_ollama._core._timeouts import TimeoutPolicy
from shared_ollama._core._tool_schema import tool_from_function
from shared_ollama._errors import (
    CapabilityError,
    CircuitOpenError,
    InvalidRequestError,
    ModelNotFoundError,
    OllamaUnavailableError,
    ReplyTooLargeError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    ServerBusyError,
    ServerError,
    SharedOllamaError,
    StreamInterruptedError,
    TransportError,
)
from shared_ollama._host import OllamaHost, get_ollama_base_url, parse_host, resolve_base_url
from shared_ollama._resilience._breaker import BreakerState
from shared_ollama._resilience._classify import FailureClass, classify
from shared_ollama._resilience._health_gate import HealthGate
from shared_ollama._resilience._policy import BreakerPolicy, RetryPolicy, is_testing, set_testing
from shared_ollama._types import (
    BaseGenerateResponse,
    ChatResponse,
    EmbeddingsResponse,
    EmbedResponse,
    Format,
    GenerateResponse,
    Image,
    KeepAlive,
    ListResponse,
    Logprob,
    Message,
    ModelDetails,
    Options,
    ProcessResponse,
    ProgressResponse,
    ShowResponse,
    StatusResponse,
    SubscriptableModel,
    ThinkLevel,
    TokenLogprob,
    Tool,
    ToolCall,
    VersionResponse,
)
from shared_ollama._version import __version__
from shared_ollama.daemon._health import (
    ServiceHealth,
    acheck_service_health,
    check_service_health,
    ensure_service_running,
    wait_until_ready,
)

if TYPE_CHECKING:
    from shared_ollama.daemon._binary import OllamaBinaryNotFoundError, find_ollama_binary
    from shared_ollama.daemon._files import DaemonSettings
    from shared_ollama.daemon._process import DaemonInfo, StopResult, start_daemon, stop_daemon
    from shared_ollama.daemon._serve_env import (
        MachineInfo,
        ServeEnvironment,
        memory_budget_bytes,
        serve_environment,
    )
    from shared_ollama.daemon._status import DaemonStatus, daemon_status
    from shared_ollama.daemon._warm import WarmResult, warm_models
    from shared_ollama.plugins._discovery import (
        PluginError,
        PluginInfo,
        PluginLoadError,
        PluginNotFoundError,
        PluginWarning,
        configure_llama_index,
        init_chat_model,
        list_plugins,
        load_plugin,
    )
    from shared_ollama.plugins._discovery import create as create_plugin
    from shared_ollama.telemetry import (
        CallObservation,
        CaptureMode,
        Instrumentation,
        JsonlSink,
        PerformanceRecord,
        PerformanceRecorder,
        UsageSummary,
        read_records,
        summarize_usage,
        usage_to_csv,
        usage_to_json,
    )
    from shared_ollama.testing._replay_server import ReplayServer


# Daemon, plugin and replay helpers load on first use: `import shared_ollama` stays cheap.
_LAZY: dict[str, tuple[str, str]] = {
    "CallObservation": ("shared_ollama.telemetry", "CallObservation"),
    "CaptureMode": ("shared_ollama.telemetry", "CaptureMode"),
    "Instrumentation": ("shared_ollama.telemetry", "Instrumentation"),
    "JsonlSink": ("shared_ollama.telemetry", "JsonlSink"),
    "PerformanceRecord": ("shared_ollama.telemetry", "PerformanceRecord"),
    "PerformanceRecorder": ("shared_ollama.telemetry", "PerformanceRecorder"),
    "UsageSummary": ("shared_ollama.telemetry", "UsageSummary"),
    "read_records": ("shared_ollama.telemetry", "read_records"),
    "summarize_usage": ("shared_ollama.telemetry", "summarize_usage"),
    "usage_to_csv": ("shared_ollama.telemetry", "usage_to_csv"),
    "usage_to_json": ("shared_ollama.telemetry", "usage_to_json"),
    "DaemonInfo": ("shared_ollama.daemon._process", "DaemonInfo"),
    "DaemonSettings": ("shared_ollama.daemon._files", "DaemonSettings"),
    "DaemonStatus": ("shared_ollama.daemon._status", "DaemonStatus"),
    "MachineInfo": ("shared_ollama.daemon._serve_env", "MachineInfo"),
    "OllamaBinaryNotFoundError": ("shared_ollama.daemon._binary", "OllamaBinaryNotFoundError"),
    "PluginError": ("shared_ollama.plugins._discovery", "PluginError"),
    "PluginInfo": ("shared_ollama.plugins._discovery", "PluginInfo"),
    "PluginLoadError": ("shared_ollama.plugins._discovery", "PluginLoadError"),
    "PluginNotFoundError": ("shared_ollama.plugins._discovery", "PluginNotFoundError"),
    "PluginWarning": ("shared_ollama.plugins._discovery", "PluginWarning"),
    "ReplayServer": ("shared_ollama.testing._replay_server", "ReplayServer"),
    "ServeEnvironment": ("shared_ollama.daemon._serve_env", "ServeEnvironment"),
    "StopResult": ("shared_ollama.daemon._process", "StopResult"),
    "WarmResult": ("shared_ollama.daemon._warm", "WarmResult"),
    "configure_llama_index": ("shared_ollama.plugins._discovery", "configure_llama_index"),
    "create_plugin": ("shared_ollama.plugins._discovery", "create"),
    "daemon_status": ("shared_ollama.daemon._status", "daemon_status"),
    "find_ollama_binary": ("shared_ollama.daemon._binary", "find_ollama_binary"),
    "init_chat_model": ("shared_ollama.plugins._discovery", "init_chat_model"),
    "list_plugins": ("shared_ollama.plugins._discovery", "list_plugins"),
    "load_plugin": ("shared_ollama.plugins._discovery", "load_plugin"),
    "memory_budget_bytes": ("shared_ollama.daemon._serve_env", "memory_budget_bytes"),
    "serve_environment": ("shared_ollama.daemon._serve_env", "serve_environment"),
    "start_daemon": ("shared_ollama.daemon._process", "start_daemon"),
    "stop_daemon": ("shared_ollama.daemon._process", "stop_daemon"),
    "warm_models": ("shared_ollama.daemon._warm", "warm_models"),
}


def __getattr__(name: str) -> Any:
    """Import the lazily loaded public names on first access."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'shared_ollama' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> builtins.list[str]:
    return sorted(set(globals()) | set(_LAZY))


Client = SharedOllamaClient
"""Alias so ``from shared_ollama import Client`` works like ``from ollama import Client``."""
AsyncClient = AsyncSharedOllamaClient
"""Alias so ``from shared_ollama import AsyncClient`` works like ``from ollama import AsyncClient``."""

__all__ = [
    "NOT_GIVEN",
    "AsyncClient",
    "AsyncSharedOllamaClient",
    "BaseGenerateResponse",
    "BreakerPolicy",
    "BreakerState",
    "CallObservation",
    "CapabilityError",
    "CaptureMode",
    "ChatResponse",
    "CircuitOpenError",
    "Client",
    "DaemonInfo",
    "DaemonSettings",
    "DaemonStatus",
    "EmbedResponse",
    "EmbeddingsResponse",
    "FailureClass",
    "Format",
    "GenerateResponse",
    "HealthGate",
    "Image",
    "Instrumentation",
    "InvalidRequestError",
    "JsonlSink",
    "KeepAlive",
    "ListResponse",
    "Logprob",
    "MachineInfo",
    "Message",
    "ModelDetails",
    "ModelNotFoundError",
    "OllamaBinaryNotFoundError",
    "OllamaHost",
    "OllamaUnavailableError",
    "Options",
    "PerformanceRecord",
    "PerformanceRecorder",
    "PluginError",
    "PluginInfo",
    "PluginLoadError",
    "PluginNotFoundError",
    "PluginWarning",
    "ProcessResponse",
    "ProgressResponse",
    "ReplayServer",
    "ReplyLimits",
    "ReplyTooLargeError",
    "RequestError",
    "RequestTimeoutError",
    "ResponseError",
    "RetryPolicy",
    "ServeEnvironment",
    "ServerBusyError",
    "ServerError",
    "ServiceHealth",
    "SharedOllamaClient",
    "SharedOllamaError",
    "ShowResponse",
    "StatusResponse",
    "StopResult",
    "StreamInterruptedError",
    "SubscriptableModel",
    "ThinkLevel",
    "TimeoutPolicy",
    "TokenLogprob",
    "Tool",
    "ToolCall",
    "TransportError",
    "UsageSummary",
    "VersionResponse",
    "WarmResult",
    "__version__",
    "acheck_service_health",
    "chat",
    "check_service_health",
    "classify",
    "configure_llama_index",
    "copy",
    "create",
    "create_plugin",
    "daemon_status",
    "delete",
    "embed",
    "embeddings",
    "ensure_service_running",
    "find_ollama_binary",
    "generate",
    "get_ollama_base_url",
    "init_chat_model",
    "is_testing",
    "list",
    "list_plugins",
    "load_plugin",
    "memory_budget_bytes",
    "parse_host",
    "ps",
    "pull",
    "push",
    "read_records",
    "resolve_base_url",
    "serve_environment",
    "set_testing",
    "show",
    "start_daemon",
    "stop_daemon",
    "summarize_usage",
    "tool_from_function",
    "usage_to_csv",
    "usage_to_json",
    "wait_until_ready",
    "warm_models",
]
