"""Names a package hands out on first use, so importing it stays cheap.

Each public package lists its lazily loaded names in one table (name -> ``"module:attribute"``)
and binds the module-level ``__getattr__`` and ``__dir__`` this module builds. A name may also be
marked as moved: it still resolves, with a ``DeprecationWarning`` naming its new place.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["lazy_module_attributes"]


def lazy_module_attributes(
    package: str,
    lazy: Mapping[str, str],
    *,
    moved: Mapping[str, str] | None = None,
    listed: Iterable[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``.

    Args:
        package: The package's dotted name (for messages and the cache).
        lazy: Public name -> ``"module:attribute"`` loaded on first access.
        moved: Old name -> ``"module:attribute"`` of its new public place; access warns.
        listed: The names the package defines (its live ``globals()``), for ``__dir__``.
    """
    moved = moved or {}

    def load(target: str) -> Any:
        module_name, _, attribute = target.partition(":")
        return getattr(importlib.import_module(module_name), attribute)

    def get_attribute(name: str) -> Any:
        if name in lazy:
            value = load(lazy[name])
            vars(importlib.import_module(package))[name] = value  # later lookups skip this
            return value
        if name in moved:
            new_place = moved[name].replace(":", ".")
            warnings.warn(
                f"{package}.{name} has moved to {new_place}; import it from there "
                f"({package}.{name} goes away in the next release)",
                DeprecationWarning,
                stacklevel=2,
            )
            return load(moved[name])
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def list_names() -> list[str]:
        return sorted(set(listed) | set(lazy))

    return get_attribute, list_names
