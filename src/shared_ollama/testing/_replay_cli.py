"""``shared-ollama replay``: serve (and record) cassettes in the foreground until stopped."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import sys
import threading
from collections.abc import Iterator

from shared_ollama._host import mask_url
from shared_ollama.testing._cassette_file import RECORD_MODES
from shared_ollama.testing._replay_server import (
    DEFAULT_HOST,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    RECORDED_FILE,
    ReplayServer,
)

__all__ = ["DEFAULT_CLI_PORT", "configure_replay_parser", "run_replay"]

DEFAULT_CLI_PORT = 11434
"""``shared-ollama replay`` listens where clients look for Ollama by default."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def configure_replay_parser(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``shared-ollama replay`` to its parser.

    Args:
        parser: The sub-command's parser.
    """
    parser.add_argument(
        "--cassettes", required=True, metavar="DIR", help="folder of vcrpy cassettes, or one file"
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_CLI_PORT,
        help=f"port to listen on; 0 picks a free one (default {DEFAULT_CLI_PORT}, Ollama's own)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the address as one JSON line for scripts"
    )
    parser.add_argument(
        "--record",
        choices=RECORD_MODES,
        default="none",
        help="record mode, as vcrpy names them: none replays only (default); once records a "
        "cassette that does not exist yet; new_episodes records what has no recording; all "
        "records everything again",
    )
    parser.add_argument(
        "--upstream", metavar="URL", help="the real Ollama that recording forwards to"
    )
    parser.add_argument(
        "--record-to",
        metavar="FILE",
        help=f"cassette file recordings go to (default DIR/{RECORDED_FILE})",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_MAX_CONNECTIONS,
        help=f"connections served at once; more get a 503 (default {DEFAULT_MAX_CONNECTIONS})",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        help=f"seconds a silent connection stays open (default {DEFAULT_IDLE_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"largest request body; larger gets a 413 (default {DEFAULT_MAX_BODY_BYTES})",
    )


@contextlib.contextmanager
def _stop_on_sigterm(stop: threading.Event) -> Iterator[None]:
    """Set ``stop`` on SIGTERM while inside (main thread only; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    import signal  # noqa: PLC0415 (only the foreground command needs it)

    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _announce(server: ReplayServer, *, as_json: bool, upstream: str | None) -> str:
    recording = server.record_mode != "none"
    if as_json:
        line = {
            "url": server.url,
            "cassettes": str(server.cassettes_dir),
            "interactions": server.interaction_count,
            "replay": True,
            "record": server.record_mode,
        }
        return json.dumps(line) + "\n"
    how = (
        f"recording ({server.record_mode}) from {mask_url(upstream or '')}"
        if recording
        else "a replay, not a live Ollama"
    )
    return (
        f"Replaying {server.interaction_count} recorded interactions from "
        f"{server.cassettes_dir} at {server.url} ({how}). Press Ctrl-C to stop.\n"
    )


def run_replay(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    """Run ``shared-ollama replay``: serve cassettes in the foreground until Ctrl-C or SIGTERM.

    Args:
        args: Parsed arguments (``cassettes``, ``host``, ``port``, ``json``, and the record
            and limit options).
        stop: Ends serving when set (tests pass one; otherwise Ctrl-C or SIGTERM ends it).

    Returns:
        0 after a clean stop, 1 when the address cannot be listened on, 2 when the cassettes
        cannot be read or the options do not fit together.
    """
    event = stop if stop is not None else threading.Event()
    upstream = getattr(args, "upstream", None)
    try:
        server = ReplayServer(
            args.cassettes,
            host=args.host,
            port=args.port,
            record=getattr(args, "record", "none"),
            upstream=upstream,
            record_to=getattr(args, "record_to", None),
            max_connections=getattr(args, "max_connections", DEFAULT_MAX_CONNECTIONS),
            idle_timeout=getattr(args, "idle_timeout", DEFAULT_IDLE_TIMEOUT),
            max_body_bytes=getattr(args, "max_body_bytes", DEFAULT_MAX_BODY_BYTES),
        )
    except ValueError as exc:
        sys.stderr.write(f"shared-ollama replay: {exc}\n")
        return 2
    with _stop_on_sigterm(event):  # before listening, so no SIGTERM can arrive unhandled
        try:
            server.start()
        except (FileNotFoundError, ValueError, ImportError) as exc:
            sys.stderr.write(f"shared-ollama replay: {exc}\n")
            return 2
        except OSError as exc:
            sys.stderr.write(f"shared-ollama replay: {exc.strerror or exc}\n")
            return 1
        try:
            if not _is_loopback(args.host):
                sys.stderr.write(
                    f"WARNING: the replay server listens on {args.host}, not only on loopback: "
                    "anyone who can reach this machine can read the recorded responses.\n"
                )
            as_json = bool(getattr(args, "json", False))
            sys.stdout.write(_announce(server, as_json=as_json, upstream=upstream))
            sys.stdout.flush()
            while not event.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a foreground server is meant to end
        finally:
            server.stop()
    return 0
