"""Entry-point discovery of integrations: LangChain, LlamaIndex and anything else that registers.

Neither LangChain's ``init_chat_model`` nor LlamaIndex's ``resolve_llm`` can find third-party
providers, so integrations register themselves in the entry-point group
:data:`ENTRY_POINT_GROUP` under names such as ``langchain.chat`` or ``llama_index.llm``::

    [project.entry-points."shared_ollama.integrations"]
    "langchain.chat" = "langchain_shared_ollama:ChatSharedOllama"

:func:`list_plugins` reads distribution metadata only and never imports a plugin, so a broken
plugin can break neither the listing nor the other plugins; :func:`load_plugin` imports one on
demand and :func:`create` builds an instance. When two distributions register the same name, the
first found on ``sys.path`` wins and a :class:`PluginWarning` names both.

``SHARED_OLLAMA_DISABLED_PLUGINS`` (read in :func:`disabled_plugins_from_environment`, nowhere
else) is a comma-separated list of plugin names or ``fnmatch`` patterns to hide (like
``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS``); ``*`` turns discovery off altogether.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.metadata
import logging
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared_ollama._errors import SharedOllamaError

__all__ = [
    "DISABLED_PLUGINS_VARIABLE",
    "ENTRY_POINT_GROUP",
    "KNOWN_DISTRIBUTIONS",
    "DisabledPlugins",
    "Discovery",
    "PluginError",
    "PluginInfo",
    "PluginLoadError",
    "PluginNotFoundError",
    "PluginWarning",
    "create",
    "disabled_plugins_from_environment",
    "discover",
    "list_plugins",
    "load_plugin",
    "parse_disabled_plugins",
    "suggest_distribution",
]

ENTRY_POINT_GROUP = "shared_ollama.integrations"
DISABLED_PLUGINS_VARIABLE = "SHARED_OLLAMA_DISABLED_PLUGINS"
KNOWN_DISTRIBUTIONS: Mapping[str, str] = {
    "langchain": "langchain-shared-ollama",
    "llama_index.llm": "llama-index-llms-shared-ollama",
    "llama_index.embedding": "llama-index-embeddings-shared-ollama",
}
"""The distribution that provides each plugin name, or each family of them (the part before the
first dot): LlamaIndex ships one distribution per kind, LangChain one for the whole family."""

_logger = logging.getLogger("shared_ollama.plugins")


class PluginWarning(UserWarning):
    """Something is off with the installed plugins (for example two claim the same name)."""


class PluginError(SharedOllamaError):
    """A plugin could not be found or loaded.

    Attributes:
        plugin: The plugin name that was asked for, such as ``langchain.chat``.
        distribution: The distribution that provides (or would provide) it, when known.
    """

    def __init__(self, message: str, *, plugin: str, distribution: str | None = None) -> None:
        super().__init__(message)
        self.plugin = plugin
        self.distribution = distribution


class PluginNotFoundError(PluginError, LookupError):
    """No enabled plugin has that name: it is not installed, or it is disabled.

    Attributes:
        available: The names of the plugins that are installed and enabled.
    """

    def __init__(
        self,
        message: str,
        *,
        plugin: str,
        distribution: str | None = None,
        available: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, plugin=plugin, distribution=distribution)
        self.available = available


class PluginLoadError(PluginError, ImportError):
    """The plugin is installed but importing it failed; the original error is ``__cause__``."""


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """What the metadata says about one installed plugin, read without importing it.

    Attributes:
        name: The plugin name, such as ``langchain.chat``.
        value: The import target, ``module:attribute``.
        distribution: The name of the distribution that registered it, when known.
        version: That distribution's version, when known.
    """

    name: str
    value: str
    distribution: str | None
    version: str | None


@dataclass(frozen=True, slots=True)
class DisabledPlugins:
    """Which plugins the user turned off.

    Attributes:
        patterns: Plugin names or ``fnmatch`` patterns; ``*`` turns discovery off.
    """

    patterns: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        """Whether discovery itself is off (the pattern ``*``)."""
        return "*" in self.patterns

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(
            fnmatch.fnmatchcase(name, pattern) for pattern in self.patterns
        )


def parse_disabled_plugins(value: str | None) -> DisabledPlugins:
    """Parse the value of ``SHARED_OLLAMA_DISABLED_PLUGINS``.

    Args:
        value: A comma-separated list of names or patterns; blanks and empty items are ignored.

    Returns:
        The disabled set (empty for ``None`` or an empty string).
    """
    if not value:
        return DisabledPlugins()
    return DisabledPlugins(frozenset(item.strip() for item in value.split(",") if item.strip()))


def disabled_plugins_from_environment(environ: Mapping[str, str] | None = None) -> DisabledPlugins:
    """Read ``SHARED_OLLAMA_DISABLED_PLUGINS`` (the one place this module reads the environment).

    Args:
        environ: The environment to read (default ``os.environ``).

    Returns:
        The disabled set.
    """
    env = os.environ if environ is None else environ
    return parse_disabled_plugins(env.get(DISABLED_PLUGINS_VARIABLE))


def suggest_distribution(name: str) -> str | None:
    """The distribution to install for a plugin name: by its full name, else by its family.

    Args:
        name: A plugin name such as ``llama_index.embedding`` or ``langchain.chat``.

    Returns:
        The distribution name, or ``None`` when the name is not one of ours.
    """
    return KNOWN_DISTRIBUTIONS.get(name) or KNOWN_DISTRIBUTIONS.get(name.partition(".")[0])


@dataclass(frozen=True, slots=True)
class _Found:
    """One entry point found in the metadata, with the object that can load it."""

    info: PluginInfo
    entry_point: importlib.metadata.EntryPoint


@dataclass(frozen=True, slots=True)
class Discovery:
    """The outcome of one scan: enabled plugins, and the names the user disabled."""

    plugins: dict[str, _Found]
    disabled: DisabledPlugins
    hidden: tuple[str, ...]


def _normalize(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _read_distribution(
    dist: importlib.metadata.Distribution,
) -> tuple[str | None, str | None, list[importlib.metadata.EntryPoint]] | None:
    """A distribution's name, version and entry points of our group; ``None`` when unreadable."""
    try:
        # None for a dist-info without METADATA when the distribution comes from the
        # importlib-metadata backport (its finder joins sys.meta_path once it is imported); the
        # standard library gives an empty message instead.
        metadata: importlib.metadata.PackageMetadata | None = dist.metadata
        name: str | None = None
        version: str | None = None
        if metadata is not None:
            # PackageMetadata has no .get() before Python 3.12, and [] of a missing key warns after.
            name = metadata["Name"] if "Name" in metadata else None  # noqa: SIM401
            version = metadata["Version"] if "Version" in metadata else None  # noqa: SIM401
        return name, version, [ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
    except Exception as exc:  # broken metadata of one distribution must not hide the others
        where = getattr(dist, "_path", None) or "a distribution"
        _logger.warning(
            "Skipped the entry points of %s, which cannot be read (%s: %s); reinstall it.",
            where,
            type(exc).__name__,
            exc,
        )
        return None


def _scan_metadata() -> list[_Found]:
    """Every entry point of the group, in ``sys.path`` order, one copy of each distribution."""
    found: list[_Found] = []
    seen: set[str] = set()
    for dist in importlib.metadata.distributions():
        read = _read_distribution(dist)
        if read is None:
            continue
        name, version, points = read
        key = _normalize(name) if name else None
        if key is not None:
            if key in seen:
                continue  # a shadowed copy of a distribution found earlier on sys.path
            seen.add(key)
        found.extend(_Found(PluginInfo(ep.name, ep.value, name, version), ep) for ep in points)
    return found


def _select(found: Iterable[_Found], disabled: DisabledPlugins) -> Discovery:
    """Apply the disabled set and first-wins to what the scan found; warn about duplicates."""
    plugins: dict[str, _Found] = {}
    hidden: list[str] = []
    for item in found:
        name = item.info.name
        if name in disabled:
            if name not in hidden:
                hidden.append(name)
            continue
        first = plugins.get(name)
        if first is None:
            plugins[name] = item
        else:
            warnings.warn(
                f"Two shared-ollama plugins are named {name!r}: {_describe(first.info)} and "
                f"{_describe(item.info)}; using the first. Uninstall one of them, or hide one "
                f"with {DISABLED_PLUGINS_VARIABLE}.",
                PluginWarning,
                stacklevel=4,
            )
    return Discovery(plugins=plugins, disabled=disabled, hidden=tuple(sorted(hidden)))


def _describe(info: PluginInfo) -> str:
    source = info.distribution or "an unnamed distribution"
    version = f" {info.version}" if info.version else ""
    return f"{info.value} from {source}{version}"


def discover() -> Discovery:
    disabled = disabled_plugins_from_environment()
    if disabled.everything:
        return Discovery(plugins={}, disabled=disabled, hidden=())
    return _select(_scan_metadata(), disabled)


def list_plugins() -> list[PluginInfo]:
    """List the installed, enabled plugins without importing any of them.

    Returns:
        One :class:`PluginInfo` per plugin name, sorted by name.

    Warns:
        PluginWarning: Two distributions register the same name (the first on ``sys.path`` wins).
    """
    discovery = discover()
    return [discovery.plugins[name].info for name in sorted(discovery.plugins)]


def _not_found(name: str, discovery: Discovery) -> PluginNotFoundError:
    available = tuple(sorted(discovery.plugins))
    distribution = suggest_distribution(name)
    if discovery.disabled.everything or name in discovery.disabled:
        what = f"it is disabled by {DISABLED_PLUGINS_VARIABLE}"
        fix = f"remove it from {DISABLED_PLUGINS_VARIABLE} to use it"
    elif distribution is not None:
        what = "it is not installed"
        fix = f"install it with `pip install {distribution}`"
    else:
        listing = ", ".join(available) if available else "none"
        what = "no installed distribution registers it"
        fix = (
            f"installed plugins: {listing}; a third-party plugin registers itself in the "
            f"{ENTRY_POINT_GROUP!r} entry-point group"
        )
    return PluginNotFoundError(
        f"No shared-ollama plugin {name!r}: {what}; {fix}.",
        plugin=name,
        distribution=distribution,
        available=available,
    )


def load_plugin(name: str) -> Any:
    """Import one plugin and return what its entry point names (usually a class).

    Args:
        name: The plugin name, such as ``langchain.chat``.

    Returns:
        The loaded object.

    Raises:
        PluginNotFoundError: No enabled plugin has that name; the message says what to install.
        PluginLoadError: Importing the plugin failed; the original error is ``__cause__``.
    """
    discovery = discover()
    found = discovery.plugins.get(name)
    if found is None:
        raise _not_found(name, discovery)
    distribution = found.info.distribution or suggest_distribution(name)
    try:
        return found.entry_point.load()
    except Exception as exc:
        fix = (
            f"reinstall or upgrade {distribution} (`pip install -U {distribution}`)"
            if distribution
            else "reinstall the distribution that provides it"
        )
        raise PluginLoadError(
            f"The shared-ollama plugin {name!r} ({found.info.value}) is installed but failed to "
            f"import: {type(exc).__name__}: {exc}; {fix}.",
            plugin=name,
            distribution=distribution,
        ) from exc


def create(name: str, /, **kwargs: Any) -> Any:
    """Load a plugin and build an instance of it.

    Args:
        name: The plugin name, such as ``langchain.chat`` or ``llama_index.embedding``.
        **kwargs: Passed to the plugin's constructor (``model=...`` and so on).

    Returns:
        The new instance.

    Raises:
        PluginNotFoundError: No enabled plugin has that name.
        PluginLoadError: Importing the plugin failed.
        TypeError: The plugin's entry point names something that cannot be called.
    """
    factory = load_plugin(name)
    if not callable(factory):
        raise TypeError(
            f"The shared-ollama plugin {name!r} names {type(factory).__name__!s}, which cannot "
            "be called to build an instance; its entry point must name a class or a factory."
        )
    return factory(**kwargs)
