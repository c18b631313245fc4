"""Ratios of each contender against its reference in the same run, and their targets (pure).

A ratio divides a contender's median figure by the sum of its references' medians (e.g. our
LangChain class over raw ``httpx`` plus the LangChain floor). Rows with a limit are targets and
get PASS or FAIL; rows without one are for information. A row whose figures are missing (a
contender skipped, a case not run) gets SKIP and a note saying what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from _cases import CHAT, CONCURRENT, CONTENTION, EMBED, IMPORT, STREAM

__all__ = ["TARGETS", "Figures", "Outcome", "Target", "evaluate"]

Figures = Mapping[tuple[str, str, str], float]
"""``(case, contender, metric) -> value``; metrics: ``cpu_s``, ``import_s``, ``import_cpu_s``,
``total_s``, ``errors``."""


@dataclass(frozen=True, slots=True)
class Target:
    """One row of the ratio table.

    Attributes:
        key: Stable identifier in ``results.json``.
        label: What the row compares, for people.
        case: The case the figures come from.
        contender: The contender measured.
        reference: Contenders whose figures are summed to make the denominator; empty for a
            plain count (the value itself is compared with the limit).
        limit: Largest value that passes, or ``None`` for an information row.
        metric: Which figure is compared.
    """

    key: str
    label: str
    case: str
    contender: str
    reference: tuple[str, ...]
    limit: float | None
    metric: str = "cpu_s"


@dataclass(frozen=True, slots=True)
class Outcome:
    """A target evaluated on one run's figures.

    Attributes:
        target: The target.
        value: The ratio (or the count), or ``None`` when a figure is missing.
        verdict: ``PASS``, ``FAIL``, ``INFO`` or ``SKIP``.
        note: Why the row is skipped, else empty.
    """

    target: Target
    value: float | None
    verdict: str
    note: str


def _core(case: str, what: str, contender: str, reference: str, limit: float | None) -> Target:
    return Target(
        f"{contender}_{case}_vs_{reference}".replace("-", "_"),
        f"{contender} {what} / {reference}",
        case,
        contender,
        (reference,),
        limit,
    )


def _framework(case: str, what: str, contender: str, floor: str, limit: float | None) -> Target:
    return Target(
        f"{contender}_{case}_vs_raw_plus_floor".replace("-", "_"),
        f"{contender} {what} / (raw-httpx + {floor})",
        case,
        contender,
        ("raw-httpx", floor),
        limit,
    )


TARGETS: tuple[Target, ...] = (
    _core(CHAT, "chat", "shared-ollama", "raw-httpx", 1.0),
    _core(STREAM, "stream", "shared-ollama", "raw-httpx", 1.1),
    _core(EMBED, "embed", "shared-ollama", "raw-httpx", 0.35),
    _core(EMBED, "embed", "shared-ollama", "ollama", 1 / 3),
    _framework(CHAT, "chat", "langchain-shared-ollama", "langchain-floor", 1.15),
    _framework(STREAM, "stream", "langchain-shared-ollama", "langchain-floor", 1.1),
    _core(EMBED, "embed", "langchain-shared-ollama", "langchain-ollama", 0.5),
    _framework(CHAT, "chat", "llama-index-shared-ollama", "llama-index-floor", 1.15),
    _framework(STREAM, "stream", "llama-index-shared-ollama", "llama-index-floor", 1.1),
    _core(EMBED, "embed", "llama-index-shared-ollama", "llama-index-ollama", 0.5),
    Target(
        "import_shared_ollama_vs_ollama",
        "import shared_ollama / import ollama (CPU time)",
        IMPORT,
        "shared_ollama",
        ("ollama",),
        0.9,
        "import_cpu_s",
    ),
    Target(
        "contention_shared_ollama_errors",
        "contention: errors surfaced by shared-ollama",
        CONTENTION,
        "shared-ollama",
        (),
        0.0,
        "errors",
    ),
    Target(
        "contention_shared_ollama_total_vs_serial",
        "contention: shared-ollama total / serial capacity",
        CONTENTION,
        "shared-ollama",
        ("serial",),
        1.0,
        "total_s",
    ),
    # Information rows: where the peers stand, in the same run.
    _core(CHAT, "chat", "ollama", "raw-httpx", None),
    _core(STREAM, "stream", "ollama", "raw-httpx", None),
    _core(EMBED, "embed", "ollama", "raw-httpx", None),
    _core(CONCURRENT, "async chats (concurrent)", "ollama", "raw-httpx", None),
    _core(CONCURRENT, "async chats (concurrent)", "shared-ollama", "raw-httpx", None),
    _framework(CHAT, "chat", "langchain-ollama", "langchain-floor", None),
    _framework(STREAM, "stream", "langchain-ollama", "langchain-floor", None),
    _framework(CONCURRENT, "async chats (concurrent)", "langchain-ollama", "langchain-floor", None),
    _framework(
        CONCURRENT, "async chats (concurrent)", "langchain-shared-ollama", "langchain-floor", None
    ),
    _framework(CHAT, "chat", "llama-index-ollama", "llama-index-floor", None),
    _framework(STREAM, "stream", "llama-index-ollama", "llama-index-floor", None),
    _framework(
        CONCURRENT, "async chats (concurrent)", "llama-index-ollama", "llama-index-floor", None
    ),
    _framework(
        CONCURRENT,
        "async chats (concurrent)",
        "llama-index-shared-ollama",
        "llama-index-floor",
        None,
    ),
    _core(EMBED, "embed", "langchain-ollama", "raw-httpx", None),
    _core(EMBED, "embed", "llama-index-ollama", "raw-httpx", None),
    Target(
        "import_shared_ollama_vs_ollama_wall",
        "import shared_ollama / import ollama (wall time)",
        IMPORT,
        "shared_ollama",
        ("ollama",),
        None,
        "import_s",
    ),
    Target(
        "import_langchain_shared_ollama_vs_langchain_ollama",
        "import langchain_shared_ollama / import langchain_ollama (CPU)",
        IMPORT,
        "langchain_shared_ollama",
        ("langchain_ollama",),
        None,
        "import_cpu_s",
    ),
    Target(
        "import_llama_index_llms_shared_ollama_vs_ollama",
        "import llama_index.llms.shared_ollama / .llms.ollama (CPU)",
        IMPORT,
        "llama_index.llms.shared_ollama",
        ("llama_index.llms.ollama",),
        None,
        "import_cpu_s",
    ),
    Target(
        "import_llama_index_embeddings_shared_ollama_vs_ollama",
        "import llama_index.embeddings.shared_ollama / .embeddings.ollama (CPU)",
        IMPORT,
        "llama_index.embeddings.shared_ollama",
        ("llama_index.embeddings.ollama",),
        None,
        "import_cpu_s",
    ),
    Target(
        "contention_ollama_errors",
        "contention: errors surfaced by ollama",
        CONTENTION,
        "ollama",
        (),
        None,
        "errors",
    ),
    Target(
        "contention_ollama_total_vs_serial",
        "contention: ollama total / serial capacity",
        CONTENTION,
        "ollama",
        ("serial",),
        None,
        "total_s",
    ),
)
"""Every row of the ratio table, targets first."""


def evaluate(targets: tuple[Target, ...], figures: Figures) -> list[Outcome]:
    """Compute every row's value and verdict.

    Args:
        targets: The rows.
        figures: The run's figures.

    Returns:
        One outcome per row, in order.
    """
    outcomes = []
    for target in targets:
        needed = [target.contender, *target.reference]
        missing = [name for name in needed if (target.case, name, target.metric) not in figures]
        if missing:
            note = f"no {target.case} figure for {', '.join(missing)}"
            outcomes.append(Outcome(target, None, "SKIP", note))
            continue
        value = figures[(target.case, target.contender, target.metric)]
        if target.reference:
            denominator = sum(
                figures[(target.case, name, target.metric)] for name in target.reference
            )
            if denominator <= 0:
                outcomes.append(Outcome(target, None, "SKIP", "reference figure is zero"))
                continue
            value /= denominator
        if target.limit is None:
            verdict = "INFO"
        else:
            verdict = "PASS" if value <= target.limit + 1e-12 else "FAIL"
        outcomes.append(Outcome(target, value, verdict, ""))
    return outcomes
