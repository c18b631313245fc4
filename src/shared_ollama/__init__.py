"""shared-ollama: one Ollama daemon, shared safely and observably by many projects.

A typed, resilient, drop-in replacement for the ``ollama`` client: swap
``ollama.Client`` for :class:`SharedOllamaClient` (or ``AsyncClient`` for
:class:`AsyncSharedOllamaClient`) and keep your code.
"""

from typing import TYPE_CHECKING

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
    CassetteMissError,
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
from shared_ollama._lazy import lazy_module_attributes
from shared_ollama._resilience._breaker import BreakerState
from shared_ollama._resilience._classify import FailureClass, classify
from shared_ollama._resilience._health_gate import HealthGate
from shared_ollama._resilience._policy import BreakerPolicy, RetryPolicy, is_testing, set_testing
from shared_ollama._responses import (
    BaseGenerateResponse,
    ChatResponse,
    EmbeddingsResponse,
    EmbedResponse,
    GenerateResponse,
    ListResponse,
    Logprob,
    ModelDetails,
    ProcessResponse,
    ProgressResponse,
    ShowResponse,
    StatusResponse,
    TokenLogprob,
    VersionResponse,
)
from shared_ollama._types import (
    Format,
    Image,
    KeepAlive,
    Message,
    Options,
    SubscriptableModel,
    ThinkLevel,
    Tool,
    ToolCall,
)
from shared_ollama._version import __version__
from shared_ollama.daemon._health import (
    ServiceHealth,
    acheck_service_health,
    check_service_health,
    wait_until_ready,
)

if TYPE_CHECKING:
    from shared_ollama.daemon import ensure_service_running

# Loaded on first use: `import shared_ollama` stays cheap (it is measured against `import ollama`).
_LAZY = {"ensure_service_running": "shared_ollama.daemon._ensure:ensure_service_running"}

# Old top-level names, now in their namespaces: they resolve with a DeprecationWarning.
_MOVED = {
    **{
        name: f"shared_ollama.daemon:{name}"
        for name in (
            "DaemonInfo", "DaemonSettings", "DaemonStatus", "MachineInfo",
            "OllamaBinaryNotFoundError", "ServeEnvironment", "StopResult", "WarmResult",
            "daemon_status", "find_ollama_binary", "memory_budget_bytes", "serve_environment",
            "start_daemon", "stop_daemon", "warm_models",
        )
    },
    **{
        name: f"shared_ollama.telemetry:{name}"
        for name in (
            "CallObservation", "CaptureMode", "Instrumentation", "JsonlSink", "PerformanceRecord",
            "PerformanceRecorder", "UsageSummary", "read_records", "summarize_usage",
            "usage_to_csv", "usage_to_json",
        )
    },
    **{
        name: f"shared_ollama.plugins:{name}"
        for name in (
            "PluginError", "PluginInfo", "PluginLoadError", "PluginNotFoundError", "PluginWarning",
            "configure_llama_index", "init_chat_model", "list_plugins", "load_plugin",
        )
    },
    "create_plugin": "shared_ollama.plugins:create",
    "ReplayServer": "shared_ollama.testing:ReplayServer",
}  # fmt: skip

__getattr__, __dir__ = lazy_module_attributes(__name__, _LAZY, moved=_MOVED, listed=globals())


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
    "CapabilityError",
    "CassetteMissError",
    "ChatResponse",
    "CircuitOpenError",
    "Client",
    "EmbedResponse",
    "EmbeddingsResponse",
    "FailureClass",
    "Format",
    "GenerateResponse",
    "HealthGate",
    "Image",
    "InvalidRequestError",
    "KeepAlive",
    "ListResponse",
    "Logprob",
    "Message",
    "ModelDetails",
    "ModelNotFoundError",
    "OllamaHost",
    "OllamaUnavailableError",
    "Options",
    "ProcessResponse",
    "ProgressResponse",
    "ReplyLimits",
    "ReplyTooLargeError",
    "RequestError",
    "RequestTimeoutError",
    "ResponseError",
    "RetryPolicy",
    "ServerBusyError",
    "ServerError",
    "ServiceHealth",
    "SharedOllamaClient",
    "SharedOllamaError",
    "ShowResponse",
    "StatusResponse",
    "StreamInterruptedError",
    "SubscriptableModel",
    "ThinkLevel",
    "TimeoutPolicy",
    "TokenLogprob",
    "Tool",
    "ToolCall",
    "TransportError",
    "VersionResponse",
    "__version__",
    "acheck_service_health",
    "chat",
    "check_service_health",
    "classify",
    "copy",
    "create",
    "delete",
    "embed",
    "embeddings",
    "ensure_service_running",
    "generate",
    "get_ollama_base_url",
    "is_testing",
    "list",
    "parse_host",
    "ps",
    "pull",
    "push",
    "resolve_base_url",
    "set_testing",
    "show",
    "tool_from_function",
    "wait_until_ready",
]
