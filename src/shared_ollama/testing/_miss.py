"""What the replay server says when no recording matches a request: one text, for every client.

A miss is answered with HTTP :data:`MISS_STATUS` (501, a status Ollama itself never sends) and
a JSON body that any Ollama client shows, since they all show the ``error`` field::

    {"error": "<the message>", "cassette_miss": {"method": ..., "path": ..., "model": ...,
     "body_digest": ..., "cassettes": ..., "command": ...}}

shared-ollama's own clients recognise the ``cassette_miss`` object and raise
:class:`~shared_ollama.CassetteMissError` with the same message and these fields.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from shared_ollama.testing._matching import (
    NOT_JSON,
    body_digest,
    differing_keys,
    parse_json_body,
    request_target,
)

__all__ = ["MISS_KEY", "MISS_STATUS", "CassetteMiss", "describe_miss", "miss_fields"]

MISS_STATUS = 501
"""The status of a miss: Ollama never answers 501, so no client mistakes it for Ollama's own."""
MISS_KEY = "cassette_miss"
"""The key of the miss's details in the reply body."""


@dataclass(frozen=True, slots=True)
class CassetteMiss:
    """A request that no recording matched.

    Attributes:
        method: The HTTP method.
        path: The path and query.
        model: The ``model`` field of a JSON body, if any.
        body_digest: A short digest of the body under the matching rule.
        cassettes: The cassette folder (or file) that was searched.
        command: The command that records this request.
        nearest: How the closest recording of the same method and path differs, or ``""``.
    """

    method: str
    path: str
    model: str | None
    body_digest: str
    cassettes: str
    command: str
    nearest: str = ""

    @property
    def message(self) -> str:
        """The text every client shows."""
        model = f"model {self.model!r}, " if self.model else ""
        nearest = f"; {self.nearest}" if self.nearest else ""
        return (
            f"Cassette miss: no recording matches {self.method} {self.path} ({model}body "
            f"{self.body_digest}) in {self.cassettes}{nearest}. The request changed since it "
            f"was recorded, or was never recorded. Record it against a real Ollama with: "
            f"{self.command}"
        )

    def body(self) -> bytes:
        """The reply body: ``{"error": message, "cassette_miss": {fields}}``."""
        fields = asdict(self)
        return json.dumps({"error": self.message, MISS_KEY: fields}).encode("utf-8")


def describe_miss(
    method: str,
    target: str,
    body: bytes,
    *,
    recorded_bodies: list[Any],
    cassettes: str,
    command: str,
) -> CassetteMiss:
    """Describe a miss.

    Args:
        method: The request's method.
        target: The request target (path and query).
        body: The request body.
        recorded_bodies: Parsed bodies recorded for the same method and path.
        cassettes: Where the recordings were searched.
        command: The command that records the request.
    """
    parsed = parse_json_body(body)
    model = parsed.get("model") if isinstance(parsed, dict) else None
    nearest = ""
    if recorded_bodies:
        sent = parsed if parsed is not NOT_JSON else None
        closest = min((differing_keys(other, sent) for other in recorded_bodies), key=len)
        nearest = (
            f"the closest of {len(recorded_bodies)} recorded for {method.upper()} "
            f"{request_target(target)} differs in {', '.join(closest) or 'nothing visible'}"
        )
    return CassetteMiss(
        method=method.upper(),
        path=request_target(target),
        model=model if isinstance(model, str) else None,
        body_digest=body_digest(body),
        cassettes=cassettes,
        command=command,
        nearest=nearest,
    )


def miss_fields(status: int, body: bytes) -> tuple[str, dict[str, Any]] | None:
    """The message and fields of a miss reply, or ``None`` when the reply is no miss."""
    if status != MISS_STATUS:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get(MISS_KEY), dict):
        return None
    return str(data.get("error", "")), dict(data[MISS_KEY])
