"""The benchmark cases: what every contender does, and the result each must return (pure).

Every contender runs the same workload against the same canned server, and its first call in
each case is checked against :func:`expected`, so that no contender can look fast by doing
less (a skipped stream, a truncated batch).
"""

from __future__ import annotations

from dataclasses import dataclass

from _canned_replies import DEFAULT_MODEL, DEFAULT_REPLY_TOKENS, EMBEDDING_DIMENSIONS, reply_text

__all__ = [
    "CASES",
    "CHAT",
    "CONCURRENT",
    "CONTENTION",
    "EMBED",
    "IMPORT",
    "STREAM",
    "CaseInfo",
    "Workload",
    "describe",
    "expected",
]

CHAT = "chat"
STREAM = "stream"
EMBED = "embed"
CONCURRENT = "chat_concurrent"
IMPORT = "import"
CONTENTION = "contention"


@dataclass(frozen=True, slots=True)
class Workload:
    """The work of every case.

    Attributes:
        base_url: Base URL of the canned server.
        model: Model name sent in every request.
        prompt: The user message of every chat.
        stream_tokens: Content chunks of the streamed chat (sent as ``options.num_predict``).
        embed_texts: Texts embedded in one call.
        concurrency: Chats awaited together in the concurrent case.
    """

    base_url: str
    model: str = DEFAULT_MODEL
    prompt: str = "Why is the sky blue?"
    stream_tokens: int = 256
    embed_texts: int = 1000
    concurrency: int = 64

    def texts(self) -> list[str]:
        """Return the texts to embed: short sentences of varied length, all distinct."""
        words = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "near"]
        return [
            f"Passage {index}: " + " ".join(words[: 4 + index % (len(words) - 4)])
            for index in range(self.embed_texts)
        ]


@dataclass(frozen=True, slots=True)
class CaseInfo:
    """How a case is described in the report.

    Attributes:
        name: Key of the case in ``results.json``.
        title: One-line description.
        unit: What one timed call is.
    """

    name: str
    title: str
    unit: str


def describe(workload: Workload) -> tuple[CaseInfo, ...]:
    """Return the timed client cases in report order.

    Args:
        workload: The workload, whose sizes appear in the titles.

    Returns:
        One description per case.
    """
    return (
        CaseInfo(CHAT, f"non-streaming chat ({DEFAULT_REPLY_TOKENS}-token reply)", "call"),
        CaseInfo(STREAM, f"streamed chat, {workload.stream_tokens} chunks + final", "stream"),
        CaseInfo(
            EMBED,
            f"embed {workload.embed_texts} texts x {EMBEDDING_DIMENSIONS} floats",
            "call",
        ),
        CaseInfo(
            CONCURRENT,
            f"{workload.concurrency} concurrent async chats (asyncio.gather)",
            f"gather of {workload.concurrency}",
        ),
    )


CASES = (CHAT, STREAM, EMBED, CONCURRENT)
"""The timed client cases, in run order."""


def expected(case: str, workload: Workload) -> object:
    """Return what a contender's call must return in a case.

    Args:
        case: One of :data:`CASES`.
        workload: The workload.

    Returns:
        The reply text (chat, stream), ``(rows, dimensions)`` (embed), or the list of reply
        texts (concurrent chats).

    Raises:
        ValueError: ``case`` is not a timed client case.
    """
    if case == CHAT:
        return reply_text(DEFAULT_REPLY_TOKENS)
    if case == STREAM:
        return reply_text(workload.stream_tokens)
    if case == EMBED:
        return (workload.embed_texts, EMBEDDING_DIMENSIONS)
    if case == CONCURRENT:
        return [reply_text(DEFAULT_REPLY_TOKENS)] * workload.concurrency
    raise ValueError(f"unknown case {case!r}: pick one of {', '.join(CASES)}")
