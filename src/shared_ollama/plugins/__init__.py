"""Integrations found by entry point: LangChain, LlamaIndex and anything else that registers.

Loaded on first use (reading distribution metadata is not free), like ``shared_ollama.daemon``.

For integration authors: :class:`SharedClients` hands a framework model the core clients it
should use, shared with every other model of equal settings (one sync client per process, one
async client per event loop), so building a model per request does not multiply connection
pools or concurrency caps. ``langchain-shared-ollama`` and the LlamaIndex integrations use it.
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
    from shared_ollama.plugins._shared_clients import (
        ClientRecipe,
        SharedClients,
        client_recipe,
        close_shared_clients,
    )

__all__ = [
    "ENTRY_POINT_GROUP",
    "ClientRecipe",
    "PluginError",
    "PluginInfo",
    "PluginLoadError",
    "PluginNotFoundError",
    "PluginWarning",
    "SharedClients",
    "client_recipe",
    "close_shared_clients",
    "configure_llama_index",
    "create",
    "init_chat_model",
    "list_plugins",
    "load_plugin",
]

_FRAMEWORKS = ("configure_llama_index", "init_chat_model")
_SHARED_CLIENTS = ("ClientRecipe", "SharedClients", "client_recipe", "close_shared_clients")


def _home(name: str) -> str:
    if name in _FRAMEWORKS:
        return "_frameworks"
    return "_shared_clients" if name in _SHARED_CLIENTS else "_discovery"


__getattr__, __dir__ = lazy_module_attributes(
    __name__,
    {name: f"{__name__}.{_home(name)}:{name}" for name in __all__},
    listed=globals(),
)
