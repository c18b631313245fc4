"""Recording through the replay server: forward what is not replayed to a real Ollama, write it.

The replay server asks :meth:`Recorder.forwards` whether a request goes upstream (from the
record mode, whether a recording matched, and whether the cassette existed when recording
began), and :meth:`Recorder.forward` relays it: the upstream reply is passed to the client as
it arrives (a stream stays a stream, chunk by chunk) and, once complete, written to the
cassette in vcrpy's format by :class:`~shared_ollama.testing._cassette_file.CassetteFile`.

The upstream is reached with ``httpx`` directly (no proxy variables, no retries: a recording
should capture what Ollama really answered), asking for an uncompressed reply so the cassette
holds readable text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

import httpx

from shared_ollama._host import mask_url
from shared_ollama.testing._cassette_file import (
    RECORD_MODES,
    CassetteFile,
    RecordMode,
    interaction,
)

__all__ = ["DEFAULT_UPSTREAM_TIMEOUT", "Recorder", "ReplySink", "UpstreamError", "check_mode"]

DEFAULT_UPSTREAM_TIMEOUT = httpx.Timeout(connect=10.0, read=600.0, write=60.0, pool=60.0)
"""Generous read limit: a cold model on a CPU can take minutes before its first byte."""
# Hop-by-hop and framing headers are never relayed: each side writes its own.
_NOT_FORWARDED = frozenset(
    {
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "content-length",
        "te",
        "trailer",
        "upgrade",
        "accept-encoding",
    }
)


class UpstreamError(Exception):
    """The upstream Ollama could not be reached or broke off; nothing was recorded."""


class ReplySink(Protocol):
    """Where a relayed reply goes (the replay server's request handler)."""

    def head(
        self, status: int, reason: str, headers: list[tuple[str, str]], *, length: int | None
    ) -> None:
        """Send the status line and headers; ``length`` ``None`` means a chunked body."""

    def piece(self, data: bytes) -> None:
        """Send a piece of the body (one HTTP chunk when chunked)."""

    def end(self) -> None:
        """Finish the body."""


def check_mode(mode: str) -> RecordMode:
    """``mode`` when it is a record mode, else a ``ValueError`` naming the valid ones."""
    if mode not in RECORD_MODES:
        raise ValueError(
            f"record mode {mode!r} is not one of {', '.join(RECORD_MODES)} "
            "(the modes vcrpy and pytest-recording use)"
        )
    return mode


class Recorder:
    """Forwards requests to a real Ollama and writes the exchanges to a cassette.

    Args:
        upstream: Base URL of the real Ollama.
        mode: The record mode (:data:`~shared_ollama.testing._cassette_file.RECORD_MODES`).
        cassette: The cassette file recordings go to.
        timeout: Limits for the upstream exchange.
    """

    def __init__(
        self,
        upstream: str,
        *,
        mode: RecordMode,
        cassette: str | Path,
        timeout: httpx.Timeout = DEFAULT_UPSTREAM_TIMEOUT,
    ) -> None:
        self._upstream = upstream.rstrip("/")
        self._client = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)
        self._lock = threading.Lock()
        self._mode: RecordMode = "none"
        self._fresh = False
        self._file: CassetteFile | None = None
        self.use(cassette, mode=mode)

    def __repr__(self) -> str:
        return f"Recorder({mask_url(self._upstream)!r}, mode={self._mode!r}, file={self._file!r})"

    @property
    def upstream(self) -> str:
        """The real Ollama's base URL."""
        return self._upstream

    @property
    def mode(self) -> RecordMode:
        """The record mode in force."""
        return self._mode

    @property
    def cassette(self) -> Path | None:
        """The cassette file being recorded, or ``None`` when recording is off."""
        return self._file.path if self._file is not None else None

    def use(self, cassette: str | Path, *, mode: RecordMode) -> None:
        """Record into ``cassette`` from now on, in ``mode``.

        The pytest plugin calls this per test. Whether a ``once`` cassette is new is decided
        here, when recording into it begins.
        """
        mode = check_mode(mode)
        path = Path(cassette)
        with self._lock:
            self._mode = mode
            self._fresh = not path.exists()
            recording = mode in ("new_episodes", "all") or (mode == "once" and self._fresh)
            self._file = (
                CassetteFile(path, keep_existing=mode == "new_episodes") if recording else None
            )

    def forwards(self, *, matched: bool) -> bool:
        """Whether a request goes to the real Ollama instead of being replayed."""
        mode = self._mode
        if mode == "all" or (mode == "once" and self._fresh):
            return True
        return mode == "new_episodes" and not matched

    def close(self) -> None:
        """Close the connection pool to the upstream."""
        self._client.close()

    def forward(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        sink: ReplySink,
    ) -> dict[str, Any]:
        """Relay one request upstream and its reply to ``sink``; record the exchange.

        Returns:
            The recorded interaction, in vcrpy's layout.

        Raises:
            UpstreamError: The upstream did not answer, or broke off mid-reply.
        """
        sent = [(k, v) for k, v in headers if k.lower() not in _NOT_FORWARDED]
        sent.append(("Accept-Encoding", "identity"))
        url = self._upstream + target
        try:
            request = self._client.build_request(method, url, headers=sent, content=body)
            response = self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"the upstream Ollama at {mask_url(self._upstream)} did not answer "
                f"({type(exc).__name__}: {exc}); start it, or point --upstream (or "
                "OLLAMA_HOST for the pytest plugin) at one"
            ) from exc
        pieces: list[bytes] = []
        try:
            relayed = [
                (k, v) for k, v in response.headers.multi_items() if k.lower() not in _NOT_FORWARDED
            ]
            if "content-length" not in response.headers:  # a stream: relay it as it comes
                sink.head(response.status_code, response.reason_phrase, relayed, length=None)
                for data in response.iter_raw():
                    pieces.append(data)
                    sink.piece(data)
            else:
                pieces.append(response.read())
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"the upstream Ollama at {mask_url(self._upstream)} broke off its reply ({exc})"
            ) from exc
        finally:
            response.close()
        recorded = interaction(
            method=method,
            uri=url,
            request_headers=sent,
            request_body=body,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=response.headers.multi_items(),
            response_body=b"".join(pieces),
        )
        with self._lock:
            file = self._file
        # Written before the client sees the end of the reply: once a client has its answer,
        # the cassette holds it, even if the test (and the server) stop right after.
        if file is not None:
            file.add(recorded)
        if "content-length" in response.headers:
            sink.head(response.status_code, response.reason_phrase, relayed, length=len(pieces[0]))
            sink.piece(pieces[0])
        sink.end()
        return recorded
