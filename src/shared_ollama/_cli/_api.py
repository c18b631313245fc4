"""The commands that use the API: models, pull (with progress), warm, chat, generate."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from shared_ollama._cli._output import (
    EXIT_FAILURE,
    EXIT_OK,
    echo,
    emit_json,
    fail,
    rich_console,
    stdout,
)
from shared_ollama._errors import SharedOllamaError
from shared_ollama.daemon._serve_env import DEFAULT_KEEP_ALIVE, format_bytes
from shared_ollama.daemon._warm import warm_models

__all__ = [
    "configure_one_shot",
    "configure_pull",
    "configure_warm",
    "run_chat",
    "run_generate",
    "run_models",
    "run_pull",
    "run_warm",
]


# --- models / pull / warm --------------------------------------------------------------------


@contextlib.contextmanager
def _client(host: str | None) -> Iterator[Any]:
    from shared_ollama._core._sync_client import SharedOllamaClient  # noqa: PLC0415 (keep startup light)

    with SharedOllamaClient(host) as client:
        yield client


def run_models(args: argparse.Namespace) -> int:
    try:
        with _client(args.host) as client:
            pulled = client.list().models
            loaded = {m.model for m in client.ps().models}
    except SharedOllamaError as exc:
        return fail(exc, args)
    rows = [
        {
            "name": m.model,
            "size_bytes": m.size,
            "modified_at": str(m.modified_at),
            "loaded": m.model in loaded,
        }
        for m in pulled
    ]
    if args.json:
        emit_json({"models": rows, "loaded": sorted(loaded)})
        return EXIT_OK
    if not rows:
        echo("No model is pulled. Pull one: shared-ollama pull llama3.2")
        return EXIT_OK
    echo(f"{'NAME':<40} {'SIZE':>10}  LOADED")
    for row in rows:
        loaded_mark = "yes" if row["loaded"] else "no"
        echo(f"{row['name']:<40} {format_bytes(row['size_bytes'] or 0):>10}  {loaded_mark}")
    return EXIT_OK


def configure_pull(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="the model to pull, e.g. llama3.2 or qwen2.5:7b")
    parser.add_argument("--insecure", action="store_true", help="allow an insecure registry")


class _PlainProgress:
    """Pull progress as plain lines: each status once, and every 10% of each layer."""

    def __init__(self) -> None:
        self._last: tuple[str, int] | None = None

    def update(self, status: str, digest: str | None, total: int | None, done: int | None) -> None:
        step = int(10 * (done or 0) / total) * 10 if total else -1
        key = (f"{status}{digest or ''}", step)
        if key == self._last:
            return
        self._last = key
        suffix = f" {step}% of {format_bytes(total)}" if total and step >= 0 else ""
        echo(f"{status}{suffix}")

    def close(self) -> None:
        """Nothing to tidy."""


class _RichProgress:
    """Pull progress as rich bars, one per layer."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (  # noqa: PLC0415 (optional extra)
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
        )
        self._tasks: dict[str, Any] = {}
        self._progress.start()

    def update(self, status: str, digest: str | None, total: int | None, done: int | None) -> None:
        if not total:  # a step without bytes ("pulling manifest", "success"): shown as done
            self._progress.add_task(status[:40], total=1, completed=1)
            return
        key = digest or status
        if key not in self._tasks:
            self._tasks[key] = self._progress.add_task(status[:40], total=total)
        self._progress.update(self._tasks[key], total=total, completed=done or 0)

    def close(self) -> None:
        """Stop drawing."""
        self._progress.stop()


def run_pull(args: argparse.Namespace) -> int:
    console = None if args.json else rich_console()
    progress: _PlainProgress | _RichProgress = (
        _RichProgress(console) if console is not None else _PlainProgress()
    )
    last = "unknown"
    try:
        with _client(args.host) as client:
            for chunk in client.pull(args.model, insecure=args.insecure, stream=True):
                last = chunk.status
                if not args.json:
                    progress.update(chunk.status, chunk.digest, chunk.total, chunk.completed)
    except SharedOllamaError as exc:
        progress.close()
        return fail(exc, args)
    progress.close()
    if args.json:
        emit_json({"ok": True, "model": args.model, "status": last})
    return EXIT_OK


def configure_warm(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", nargs="+", metavar="MODEL", help="models to load now")
    parser.add_argument(
        "--keep-alive",
        default=DEFAULT_KEEP_ALIVE,
        help="how long they stay loaded when idle (default 5m; -1 = forever)",
    )


def run_warm(args: argparse.Namespace) -> int:
    try:
        results = warm_models(args.models, keep_alive=args.keep_alive, base_url=args.host)
    except SharedOllamaError as exc:
        return fail(exc, args)
    ok = all(r.ok for r in results)
    if args.json:
        emit_json(
            {
                "ok": ok,
                "models": [
                    {
                        "model": r.model,
                        "ok": r.ok,
                        "load_duration_s": r.load_duration_s,
                        "error": r.error,
                    }
                    for r in results
                ],
            }
        )
    for r in results if not args.json else ():
        if r.ok:
            echo(f"{r.model}: loaded in {r.load_duration_s or 0:.1f}s, kept {args.keep_alive}")
        else:
            echo(f"{r.model}: FAILED: {r.error}")
    return EXIT_OK if ok else EXIT_FAILURE


# --- chat / generate -------------------------------------------------------------------------


def configure_one_shot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="the model, e.g. llama3.2")
    parser.add_argument("prompt", help="the prompt")
    parser.add_argument("--system", default=None, help="a system prompt")
    parser.add_argument("--keep-alive", default=None, help="how long the model stays loaded")
    parser.add_argument(
        "--num-predict", type=int, default=None, metavar="N", help="stop after N tokens"
    )
    parser.add_argument(
        "--temperature", type=float, default=None, help="sampling temperature (e.g. 0 for greedy)"
    )


def _options(args: argparse.Namespace) -> dict[str, Any] | None:
    chosen = {"num_predict": args.num_predict, "temperature": args.temperature}
    options = {name: value for name, value in chosen.items() if value is not None}
    return options or None


def _stats(final: Any) -> dict[str, Any]:
    names = ("done_reason", "total_duration", "load_duration", "prompt_eval_count", "eval_count")
    return {name: getattr(final, name, None) for name in names}


def run_chat(args: argparse.Namespace) -> int:
    messages = [{"role": "system", "content": args.system}] if args.system else []
    messages.append({"role": "user", "content": args.prompt})
    return _one_shot(
        args,
        lambda client: client.chat(
            args.model,
            messages=messages,
            stream=True,
            keep_alive=args.keep_alive,
            options=_options(args),
        ),
        lambda chunk: chunk.message.content or "",
    )


def run_generate(args: argparse.Namespace) -> int:
    return _one_shot(
        args,
        lambda client: client.generate(
            args.model,
            args.prompt,
            system=args.system,
            stream=True,
            keep_alive=args.keep_alive,
            options=_options(args),
        ),
        lambda chunk: chunk.response or "",
    )


def _one_shot(
    args: argparse.Namespace, call: Callable[[Any], Any], text_of: Callable[[Any], str]
) -> int:
    pieces: list[str] = []
    final: Any = None
    try:
        with _client(args.host) as client:
            for chunk in call(client):
                piece = text_of(chunk)
                pieces.append(piece)
                final = chunk
                if not args.json:
                    stdout().write(piece)
                    stdout().flush()
    except SharedOllamaError as exc:
        if pieces and not args.json:
            echo()
        return fail(exc, args)
    if args.json:
        emit_json({"ok": True, "model": args.model, "content": "".join(pieces), **_stats(final)})
    else:
        echo()
    return EXIT_OK
