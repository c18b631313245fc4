"""shared-ollama: one Ollama daemon, shared safely and observably by many projects.

A typed, resilient, drop-in replacement for the ``ollama`` client: swap
``ollama.Client`` for :class:`SharedOllamaClient` (or ``AsyncClient`` for
:class:`AsyncSharedOllamaClient`) and keep your code.
"""

from shared_ollama._async_client import AsyncSharedOllamaClient
from shared_ollama._base_client import NOT_GIVEN
from shared_ollama._binary import OllamaBinaryNotFoundError, find_ollama_binary
from shared_ollama._breaker import BreakerState
from shared_ollama._classify import FailureClass, classify
from shared_ollama._client import SharedOllamaClient
from shared_ollama._daemon import DaemonInfo, StopResult, start_daemon, stop_daemon
from shared_ollama._daemon_files import DaemonSettings
from shared_ollama._daemon_status import DaemonStatus, daemon_status
from shared_ollama._default_client import (
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
from shared_ollama._errors import (
    CapabilityError,
    CircuitOpenError,
    InvalidRequestError,
    ModelNotFoundError,
    OllamaUnavailableError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    ServerBusyError,
    ServerError,
    SharedOllamaError,
    StreamInterruptedError,
    TransportError,
)
from shared_ollama._health import (
    ServiceHealth,
    acheck_service_health,
    check_service_health,
    ensure_service_running,
    wait_until_ready,
)
from shared_ollama._health_gate import HealthGate
from shared_ollama._host import OllamaHost, get_ollama_base_url, parse_host, resolve_base_url
from shared_ollama._plugins import (
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
from shared_ollama._plugins import create as create_plugin
from shared_ollama._replay import ReplayServer
from shared_ollama._resilience_policy import BreakerPolicy, RetryPolicy, is_testing, set_testing
from shared_ollama._serve_env import (
    MachineInfo,
    ServeEnvironment,
    memory_budget_bytes,
    serve_environment,
)
from shared_ollama._telemetry import (
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
from shared_ollama._timeouts import TimeoutPolicy
from shared_ollama._tool_schema import tool_from_function
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
from shared_ollama._warm import WarmResult, warm_models

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
