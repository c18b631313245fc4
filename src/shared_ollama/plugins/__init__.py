"""Integrations found by entry point: LangChain, LlamaIndex and anything else that registers.

Loaded on first use (reading distribution metadata is not free), like ``shared_ollama.daemon``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared_ollama._lazy import lazy_module_attributes

if TYPE_CHECKING:
    from shared_ollama.plugins._discovery import (
        ENTRY_POINT_GROUP,
        PluginError,
        PluginInfo,
        PluginLoadError,
        PluginNotFoundError,
        PluginWarning,
        create,
        list_plugins,
        load_plugin,
    )
    from shared_ollama.plugins._frameworks import configure_llama_index, init_chat_model

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginError",
    "PluginInfo",
    "PluginLoadError",
    "PluginNotFoundError",
    "PluginWarning",
    "configure_llama_index",
    "create",
    "init_chat_model",
    "list_plugins",
    "load_plugin",
]

_FRAMEWORKS = ("configure_llama_index", "init_chat_model")
__getattr__, __dir__ = lazy_module_attributes(
    __name__,
    {
        name: f"{__name__}.{'_frameworks' if name in _FRAMEWORKS else '_discovery'}:{name}"
        for name in __all__
    },
    listed=globals(),
)
