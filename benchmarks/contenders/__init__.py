"""The contenders: every client a user could pick, each running the same cases.

A contender is built by a factory named in :data:`SPECS`, imported only when it is loaded: a
package that is not installed (or an integration not written yet) makes its contender skipped
with a note, never the whole run.

Groups and roles:

* ``core``: ``raw-httpx`` (``httpx`` + ``json``, the reference), ``ollama`` (official client),
  ``shared-ollama`` (our core client).
* ``langchain``: ``langchain-ollama`` (peer), ``langchain-shared-ollama`` (ours),
  ``langchain-floor`` (a LangChain chat model with no I/O: the framework's own cost).
* ``llama-index``: ``llama-index-ollama`` (peer), ``llama-index-shared-ollama`` (ours),
  ``llama-index-floor`` (a LlamaIndex LLM with no I/O).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from _cases import Workload

__all__ = ["SPECS", "Contender", "Spec", "load"]


class Contender(Protocol):
    """What the harness needs from a contender."""

    name: str

    def calls(self) -> dict[str, tuple[Callable[[], Any], bool]]:
        """Return ``case -> (call, is_async)`` for every case the contender runs."""
        ...

    async def aclose(self) -> None:
        """Close every client the contender opened."""
        ...


@dataclass(frozen=True, slots=True)
class Spec:
    """Where a contender comes from.

    Attributes:
        name: Name in the report.
        group: ``core``, ``langchain`` or ``llama-index``.
        role: ``reference``, ``peer``, ``ours`` or ``floor``.
        factory: ``module:function`` building it from a :class:`Workload`.
    """

    name: str
    group: str
    role: str
    factory: str


SPECS = (
    Spec("raw-httpx", "core", "reference", "contenders._raw:build"),
    Spec("ollama", "core", "peer", "contenders._ollama_api:official"),
    Spec("shared-ollama", "core", "ours", "contenders._ollama_api:ours"),
    Spec("langchain-ollama", "langchain", "peer", "contenders._langchain:peer"),
    Spec("langchain-shared-ollama", "langchain", "ours", "contenders._langchain:ours"),
    Spec("langchain-floor", "langchain", "floor", "contenders._langchain:floor"),
    Spec("llama-index-ollama", "llama-index", "peer", "contenders._llama_index:peer"),
    Spec("llama-index-shared-ollama", "llama-index", "ours", "contenders._llama_index:ours"),
    Spec("llama-index-floor", "llama-index", "floor", "contenders._llama_index:floor"),
)
"""Every contender, in the order they run within a round."""


def load(spec: Spec, workload: Workload) -> Contender | str:
    """Build one contender, or explain why it cannot run.

    Args:
        spec: The contender's spec.
        workload: The workload it will run.

    Returns:
        The contender, or a note saying why it is skipped (a missing package, or a constructor
        that does not take the drop-in arguments).
    """
    module_name, _, function_name = spec.factory.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), function_name)
        contender: Contender = factory(spec.name, workload)
    except ImportError as exc:
        return f"skipped: cannot import {exc.name or 'a dependency'} ({exc})"
    except Exception as exc:  # any constructor failure is reported, not fatal
        return f"skipped: building it failed with {type(exc).__name__}: {exc}"
    return contender
