"""Write the sync client from the async one: ``python tools/unasync.py`` (``--check`` to compare).

The async client (``src/shared_ollama/_core/_async_client.py`` and its I/O shell
``_async_shell.py``) is the hand-written source of both flavours.
Removing ``await`` is mechanical where adding it is not, so the sync client is derived from it by
the generic line rules in :data:`RULES`, in the direction hishel and httpcore take. The few real
differences between the flavours are functions of the same name in ``_async_io`` and ``_sync_io``,
which the last rule swaps. Every rule must change at least one line: a rule that no longer
matches fails the run, so the list cannot rot.

Why not the ``unasync`` package: it rewrites tokens from a name table, so it cannot rewrite the
two-word forms below (``async with``, ``Awaitable[T]``) on its own terms, and it cannot report an
unused replacement, which is what keeps this list honest. A dozen regular expressions do the job.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "src" / "shared_ollama" / "_core"
FILES: tuple[tuple[Path, Path], ...] = (
    (CORE / "_async_shell.py", CORE / "_sync_shell.py"),
    (CORE / "_async_client.py", CORE / "_sync_client.py"),
)
"""(hand-written async source, generated sync twin)."""
HEADER = (
    "Hand-written source: ``python tools/unasync.py`` writes the sync twin of this file.",
    "Generated from its async twin by ``python tools/unasync.py``: do not edit by hand.",
)

RULES: tuple[tuple[str, str], ...] = (
    (r"\basync def ", "def "),
    (r"\bawait ", ""),
    (r"\basync (with|for) ", r"\1 "),
    (r"__a(enter|exit)__", r"__\1__"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAwaitable\[(\w+)\]", r"\1"),
    (r"\bAwaitable, ", ""),
    (r"\basynchronous\b", "synchronous"),
    (r"\bAsynchronous\b", "Synchronous"),
    (r"\bAsync(\w+)", r"\1"),  # AsyncSharedOllamaClient, httpx.AsyncClient, AsyncBaseTransport
    (r"\ba(close|read|iter_bytes|require|acquire|release)\(", r"\1("),  # a-prefixed methods
    (r"\b_async_(io|shell)\b", r"_sync_\1"),
)
"""(pattern, replacement) applied to each line, in order."""


def unasync(*sources: str) -> list[str]:
    """The sync twins of the async ``sources``, in order.

    Raises:
        ValueError: A source lost its header line, or a rule changed no line of any source
            (delete the rule, or fix the source it was written for).
    """
    files: list[list[str]] = []
    for source in sources:
        if HEADER[0] not in source:
            raise ValueError(f"an async source lost its header line {HEADER[0]!r}")
        files.append(source.replace(HEADER[0], HEADER[1]).splitlines(keepends=True))
    for pattern, replacement in RULES:
        compiled = re.compile(pattern)
        used = False
        for lines in files:
            for index, line in enumerate(lines):
                new = compiled.sub(replacement, line)
                if new != line:
                    lines[index] = new
                    used = True
        if not used:
            raise ValueError(f"the rule {pattern!r} changed nothing: remove it or fix the source")
    return ["".join(lines) for lines in files]


def _ruff(*args: str, source: str, target: Path) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(  # noqa: S603 (our own venv's ruff on our own source)
        [str(ruff), *args, "--stdin-filename", str(target), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def generate() -> dict[Path, str]:
    """Each generated file as committed: unasynced, imports sorted, formatted by ruff."""
    sources = [source.read_text(encoding="utf-8") for source, _ in FILES]
    generated = {}
    for (_, target), text in zip(FILES, unasync(*sources), strict=True):
        fixed = _ruff("check", "--select", "I", "--fix", "--quiet", source=text, target=target)
        generated[target] = _ruff("format", source=fixed, target=target)
    return generated


def main(argv: list[str] | None = None) -> int:
    """Write the sync files, or with ``--check`` exit 1 when a committed one differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = 0
    for target, text in generate().items():
        name = target.relative_to(ROOT)
        if args.check:
            if target.read_text(encoding="utf-8") != text:
                print(f"{name} is stale: run python tools/unasync.py")
                stale = 1
            continue
        target.write_text(text, encoding="utf-8")
        print(f"wrote {name}")
    return stale


if __name__ == "__main__":
    raise SystemExit(main())
