"""Ollama runtime ``options``: which model fields feed them and how a call overrides them.

Pure functions only. The three model classes keep their option values as plain fields named as
Ollama names them (``temperature``, ``num_ctx``, ...); :func:`build_options` gathers the ones that
are set, applies a call's overrides and the stop sequences, and returns the ``options`` mapping to
send, or ``None`` when nothing is set (so the server's model defaults apply untouched).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "SAMPLING_OPTIONS",
    "build_options",
    "reconcile_max_tokens",
    "resolve_stop",
]

SAMPLING_OPTIONS: tuple[str, ...] = (
    "mirostat",
    "mirostat_eta",
    "mirostat_tau",
    "num_ctx",
    "num_gpu",
    "num_thread",
    "num_predict",
    "repeat_last_n",
    "repeat_penalty",
    "temperature",
    "seed",
    "tfs_z",
    "top_k",
    "top_p",
)
"""Field names that are Ollama ``options`` with the same name and meaning."""


def reconcile_max_tokens(num_predict: int | None, max_tokens: int | None) -> int | None:
    """Return the ``num_predict`` implied by Ollama's name and LangChain's standard name.

    ``max_tokens`` is LangChain's name for Ollama's ``num_predict``; either may be given.

    Raises:
        ValueError: Both are given with different values.
    """
    if max_tokens is None:
        return num_predict
    if num_predict is not None and num_predict != max_tokens:
        raise ValueError(
            f"num_predict={num_predict} and max_tokens={max_tokens} disagree: they are the same "
            "setting (LangChain's name and Ollama's name); pass only one of them"
        )
    return max_tokens


def resolve_stop(default: Sequence[str] | None, call: Sequence[str] | None) -> list[str] | None:
    """Return the stop sequences to send: the call's when given, else the model's default.

    An empty list means "no stop sequences of mine" and is not sent, so the model's own stop
    tokens (from its Modelfile) keep working.
    """
    chosen = call if call is not None else default
    return list(chosen) if chosen else None


def build_options(
    values: Mapping[str, Any],
    *,
    stop: Sequence[str] | None,
    overrides: Mapping[str, Any] | None = None,
    replace: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Return the ``options`` mapping for one request, or ``None`` when nothing is set.

    Args:
        values: The model's option values by Ollama name; ``None`` values are left out.
        stop: Stop sequences to send (see :func:`resolve_stop`); ``None`` sends none.
        overrides: Per-call values by Ollama name that win over ``values`` (``None`` values
            remove the option for this call).
        replace: A complete ``options`` mapping given by the caller; when present it is sent
            as-is instead of ``values`` and ``overrides`` (the stop sequences still apply when
            it has none of its own).
    """
    if replace is not None:
        options = dict(replace)
    else:
        options = {name: value for name, value in values.items() if value is not None}
        if overrides:
            for name, value in overrides.items():
                if value is None:
                    options.pop(name, None)
                else:
                    options[name] = value
    if stop and "stop" not in options:
        options["stop"] = list(stop)
    return options or None
