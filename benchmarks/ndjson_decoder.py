"""What the NDJSON decoder costs on a hostile reply and on an ordinary stream.

Two cases, each timed in a fresh subprocess so peak memory (``ru_maxrss``) is the case's own:

* ``long_line``: one line of ``--megabytes`` MB with no newline, fed in 64 KiB network chunks
  with the size limits off (a hostile or broken server; the old decoder re-joined and re-scanned
  everything pending on every chunk, which is quadratic), then flushed.
* ``stream``: 256 ordinary chat chunks (one NDJSON line per network chunk), decoded ``--rounds``
  times; the per-stream cost of the hot path.

Each case runs for every decoder given: ``--decoder FILE`` loads an ``_ndjson.py`` from another
checkout (e.g. ``main`` before a change), so before and after are measured back to back in one
run; the floor is "join every chunk once, split once, decode each line", the least any decoder
can do. Report ratios, not absolute times: the machine is shared.

Run: ``python benchmarks/ndjson_decoder.py --decoder /tmp/before/_ndjson.py`` (about a minute;
the old decoder alone takes ~20 s on the 50 MB line).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

CHUNK = 64 * 1024
LINE = (
    b'{"model":"m","created_at":"2024-12-18T10:00:00.000000Z","message":{"role":"assistant",'
    b'"content":" token"},"done":false}\n'
)


def _load(path: str) -> Any:
    if path == "current":
        from shared_ollama._core import _ndjson

        return _ndjson
    spec = importlib.util.spec_from_file_location("_ndjson_under_test", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load a decoder from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _decoder(module: Any) -> Any:
    try:
        return module.NDJSONDecoder(max_line_bytes=None, max_reply_bytes=None)
    except TypeError:  # a decoder from before the limits existed
        return module.NDJSONDecoder()


class _Floor:
    """Join every chunk once, split once, decode each line: the least a decoder can do."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def feed(self, data: bytes) -> list[Any]:
        self._chunks.append(data)
        return []

    def flush(self) -> list[Any]:
        lines = b"".join(self._chunks).split(b"\n")
        return [orjson.loads(line) for line in lines if line.strip()]


def _run_case(case: str, decoder_path: str, megabytes: int, rounds: int) -> dict[str, float]:
    module = None if decoder_path == "floor" else _load(decoder_path)
    make = _Floor if module is None else (lambda: _decoder(module))
    if case == "long_line":
        payload = b'{"response":"' + b"x" * (megabytes * 1_000_000) + b'"}'
        chunks = [payload[i : i + CHUNK] for i in range(0, len(payload), CHUNK)]
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        decoder = make()
        for chunk in chunks:
            decoder.feed(chunk)
        values = decoder.flush()
        elapsed = time.perf_counter() - start
        assert len(values) == 1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base_rss
        return {"seconds": elapsed, "extra_peak_mb": peak / 1024}
    chunks = [LINE] * 256
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        decoder = make()
        count = 0
        for chunk in chunks:
            count += len(decoder.feed(chunk))
        count += len(decoder.flush())
        best = min(best, time.perf_counter() - start)
        assert count == 256
    return {"seconds": best, "us_per_line": best / 256 * 1e6}


def _measure(case: str, decoder_path: str, megabytes: int, rounds: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", case, decoder_path, str(megabytes), str(rounds)],
        capture_output=True,
        check=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    """Run every case for every decoder and print the table."""
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        case, path, megabytes, rounds = sys.argv[2:6]
        print(json.dumps(_run_case(case, path, int(megabytes), int(rounds))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decoder", action="append", default=[], help="another _ndjson.py")
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    decoders = ["floor", "current", *args.decoder]
    for case in ("long_line", "stream"):
        results = {name: _measure(case, name, args.megabytes, args.rounds) for name in decoders}
        floor = results["floor"]["seconds"]
        print(f"\n{case} ({args.megabytes} MB line)" if case == "long_line" else f"\n{case}")
        for name, figures in results.items():
            shown = ", ".join(f"{key}={value:.4g}" for key, value in figures.items())
            print(
                f"  {Path(name).as_posix():<40} {shown}, x floor={figures['seconds'] / floor:.2f}"
            )


if __name__ == "__main__":
    main()
