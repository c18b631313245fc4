"""Write the sync client from the async one: ``python tools/unasync.py`` (``--check`` to compare).

The async client (``src/shared_ollama/_core/_async_client.py``) is the hand-written source.
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
SOURCE = ROOT / "src" / "shared_ollama" / "_core" / "_async_client.py"
TARGET = ROOT / "src" / "shared_ollama" / "_core" / "_sync_client.py"
HEADER = (
    "The hand-written source of both clients: ``python tools/unasync.py`` writes ``_sync_client.py``.",
    "Generated from ``_async_client.py`` by ``python tools/unasync.py``: do not edit by hand.",
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
    (r"\ba(close|read|iter_bytes|require|acquire)\(", r"\1("),  # httpx's a-prefixed methods
    (r"\b_async_io\b", "_sync_io"),
)
"""(pattern, replacement) applied to each line, in order."""


def unasync(source: str) -> str:
    """The sync client's source from the async client's ``source``.

    Raises:
        ValueError: A rule changed no line (delete it, or fix the source it was written for).
    """
    if HEADER[0] not in source:
        raise ValueError(f"the async source lost its header line {HEADER[0]!r}")
    source = source.replace(HEADER[0], HEADER[1])
    lines = source.splitlines(keepends=True)
    for pattern, replacement in RULES:
        compiled = re.compile(pattern)
        used = False
        for index, line in enumerate(lines):
            new = compiled.sub(replacement, line)
            if new != line:
                lines[index] = new
                used = True
        if not used:
            raise ValueError(f"the rule {pattern!r} changed nothing: remove it or fix the source")
    return "".join(lines)


def _ruff(*args: str, source: str) -> str:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run(  # noqa: S603 (our own venv's ruff on our own source)
        [str(ruff), *args, "--stdin-filename", str(TARGET), "-"],
        input=source,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def generate(source: str) -> str:
    """The sync client as committed: unasynced, imports sorted, formatted by ruff."""
    sorted_imports = _ruff("check", "--select", "I", "--fix", "--quiet", source=unasync(source))
    return _ruff("format", source=sorted_imports)


def main(argv: list[str] | None = None) -> int:
    """Write the sync client, or with ``--check`` exit 1 when the committed one differs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    generated = generate(SOURCE.read_text(encoding="utf-8"))
    if args.check:
        if TARGET.read_text(encoding="utf-8") != generated:
            print(f"{TARGET.relative_to(ROOT)} is stale: run python tools/unasync.py")
            return 1
        return 0
    TARGET.write_text(generated, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
