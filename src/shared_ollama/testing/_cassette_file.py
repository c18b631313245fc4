"""Writing recorded exchanges to a cassette file in vcrpy's format.

A :class:`CassetteFile` collects interactions as vcrpy stores them (``request``: method, uri,
body, headers; ``response``: status, headers, body ``{string: ...}``) and rewrites the whole
file after each one, atomically (a temporary file renamed over it), so an interrupted recording
never leaves half a file and what was recorded before the interruption is kept. vcrpy itself,
and :func:`~shared_ollama.testing._replay_book.load_cassettes`, read what it writes.

Secrets never reach the file: request headers go through
:func:`~shared_ollama.testing._matching.scrub_request_headers` (authorization, cookies, and any
header carrying the ``OLLAMA_API_KEY`` value), the URI loses any user-info, and per-exchange
response headers (date, cookies, framing) are dropped.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from shared_ollama.testing._matching import VOLATILE_RESPONSE_HEADERS, scrub_request_headers

__all__ = ["RECORD_MODES", "CassetteFile", "RecordMode", "interaction", "without_userinfo"]

RecordMode = str
"""One of :data:`RECORD_MODES`."""
RECORD_MODES = ("none", "once", "new_episodes", "all")
"""vcrpy's record modes: ``none`` replays only; ``once`` records a cassette that does not exist
yet, else replays; ``new_episodes`` replays what is recorded and records the rest;
``all`` records every request again, never replaying (the cassette is rewritten)."""


def without_userinfo(uri: str) -> str:
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _text_or_bytes(data: bytes) -> str | bytes:
    """Text when the bytes are UTF-8 (as vcrpy writes JSON bodies), else bytes (``!!binary``)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _grouped(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    return grouped


def interaction(
    *,
    method: str,
    uri: str,
    request_headers: Iterable[tuple[str, str]],
    request_body: bytes,
    status: int,
    reason: str,
    response_headers: Iterable[tuple[str, str]],
    response_body: bytes,
) -> dict[str, Any]:
    """One exchange as vcrpy stores it, with secrets and per-exchange headers left out."""
    kept = [(k, v) for k, v in response_headers if k.lower() not in VOLATILE_RESPONSE_HEADERS]
    return {
        "request": {
            "method": method.upper(),
            "uri": without_userinfo(uri),
            "body": _text_or_bytes(request_body) if request_body else None,
            "headers": _grouped(scrub_request_headers(request_headers)),
        },
        "response": {
            "status": {"code": status, "message": reason},
            "headers": _grouped(kept),
            "body": {"string": _text_or_bytes(response_body)},
        },
    }


def _yaml() -> Any:
    try:
        import yaml  # noqa: PLC0415 (optional: only recording and replay need it)
    except ImportError as exc:
        raise ImportError(
            "Writing cassettes needs PyYAML: `pip install pyyaml` (it comes with the "
            "shared-ollama[testing] extra)."
        ) from exc
    return yaml


class CassetteFile:
    """A cassette being recorded: the interactions so far, saved after each one.

    Args:
        path: The cassette file (``.yaml``/``.yml``, or ``.json``); its folder is created on
            the first save.
        keep_existing: Start from the interactions already in the file (``new_episodes``);
            otherwise the file is rewritten with only what this recording adds (``all`` and
            ``once``).
    """

    __slots__ = ("_interactions", "_lock", "_path")

    def __init__(self, path: str | Path, *, keep_existing: bool) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._interactions: list[dict[str, Any]] = []
        if keep_existing and self._path.is_file():
            self._interactions = list(self._load().get("interactions") or [])

    def __repr__(self) -> str:
        return f"CassetteFile({str(self._path)!r}, interactions={len(self._interactions)})"

    @property
    def path(self) -> Path:
        """Where the cassette is written."""
        return self._path

    def __len__(self) -> int:
        return len(self._interactions)

    def _load(self) -> dict[str, Any]:
        text = self._path.read_text(encoding="utf-8")
        if self._path.suffix == ".json":
            import json  # noqa: PLC0415

            data = json.loads(text)
        else:
            data = _yaml().safe_load(text)
        return data if isinstance(data, dict) else {}

    def add(self, recorded: dict[str, Any]) -> None:
        """Append one interaction (from :func:`interaction`) and save the file."""
        with self._lock:
            self._interactions.append(recorded)
            self._save()

    def _save(self) -> None:
        document = {"interactions": self._interactions, "version": 1}
        if self._path.suffix == ".json":
            import json  # noqa: PLC0415

            if any(isinstance(i["response"]["body"]["string"], bytes) for i in self._interactions):
                raise ValueError(
                    f"{self._path}: a binary body cannot be written to JSON; use .yaml"
                )
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        else:
            text = _yaml().safe_dump(document, allow_unicode=True, sort_keys=True, width=100)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle, scratch = tempfile.mkstemp(prefix=f".{self._path.name}.", dir=self._path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(scratch, self._path)
        except BaseException:
            Path(scratch).unlink(missing_ok=True)
            raise
