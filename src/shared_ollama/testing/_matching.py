"""The one rule that decides whether a request matches a recording, for vcrpy and the replay server.

Two requests match when they have the same

* **method**;
* **path** (scheme, host and port are ignored, so a cassette recorded against one address
  replays at any other: the replay server's port changes on every run);
* **query**, compared as a sorted list of pairs (parameter order is ignored);
* **body**: when both are JSON, compared as Ollama reads them: key order and spacing do not
  matter, ``1.0`` equals ``1``, and a key whose value is ``null``, ``[]`` or ``{}`` counts as
  absent (``ollama.Client`` sends ``"tools": []`` where ours leaves the key out; Ollama treats
  both alike). Otherwise the bytes must be equal.

Headers never take part: they carry user agents, request ids and credentials, none of which
changes Ollama's answer.

:func:`match_key` turns a request into the hashable key the replay server indexes on;
:func:`vcr_matcher` is the same comparison as a vcrpy matcher (registered under
:data:`MATCHER_NAME` by :func:`register_matcher`), and :func:`vcr_config` is the vcrpy
configuration every test suite of this project (and any user's) can share.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = [
    "API_KEY_VARIABLE",
    "FILTERED_REQUEST_HEADERS",
    "MATCHER_NAME",
    "NOT_JSON",
    "VOLATILE_RESPONSE_HEADERS",
    "MatchKey",
    "body_bytes",
    "body_digest",
    "canonical_json",
    "differing_keys",
    "match_key",
    "parse_json_body",
    "register_matcher",
    "request_target",
    "same_body",
    "scrub_request_headers",
    "vcr_config",
    "vcr_matcher",
]

MATCHER_NAME = "shared_ollama"
"""The name :func:`register_matcher` gives the rule in a ``vcr.VCR``'s ``match_on``."""
FILTERED_REQUEST_HEADERS = (
    "authorization",
    "proxy-authorization",
    "cookie",
    "user-agent",
    "x-request-id",
    "date",
)
"""Request headers never written to a cassette: secrets, and values that change on every run."""
VOLATILE_RESPONSE_HEADERS = frozenset({"date", "set-cookie", "content-length", "transfer-encoding"})
"""Response headers never written to a cassette: per-exchange values and framing."""
API_KEY_VARIABLE = "OLLAMA_API_KEY"
"""The variable whose value is kept out of cassettes (read by ``_settings``)."""

_EMPTY: tuple[Any, ...] = (None, [], {})  # what Ollama reads as "not given"
NOT_JSON: Any = object()
"""What :func:`parse_json_body` returns for an empty or non-JSON body."""


@dataclass(frozen=True, slots=True)
class MatchKey:
    """What a request is matched on.

    Attributes:
        method: The HTTP method, upper case.
        target: The path and sorted query.
        body: The canonical JSON text of a JSON body, else the body's bytes.
    """

    method: str
    target: str
    body: str | bytes


def request_target(uri: str) -> str:
    """The path and sorted query of a URI or request target; scheme, host and port dropped."""
    parts = urlsplit(uri)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return (parts.path or "/") + (f"?{query}" if query else "")


def canonical_json(value: Any) -> Any:
    """Equal for JSON documents Ollama reads alike: 1.0 is 1; null, [] and {} values are absent."""
    if isinstance(value, dict):
        items = ((key, canonical_json(item)) for key, item in value.items())
        return {key: item for key, item in items if item not in _EMPTY}
    if isinstance(value, list):
        return [canonical_json(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_json_body(body: bytes) -> Any:
    """The parsed JSON body, or :data:`NOT_JSON` for an empty or non-JSON one."""
    if not body.strip():
        return NOT_JSON
    try:
        return json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        return NOT_JSON


def _body_key(parsed: Any, body: bytes) -> str | bytes:
    if parsed is NOT_JSON:
        return body if body.strip() else b""
    return json.dumps(canonical_json(parsed), sort_keys=True, separators=(",", ":"))


def body_bytes(body: Any) -> bytes:
    """A request body as bytes, from what vcrpy or a cassette holds (text, bytes, file, None)."""
    if hasattr(body, "getvalue"):  # a BytesIO body written by old vcrpy versions
        body = body.getvalue()
    elif hasattr(body, "read"):  # a file-like body vcrpy has not read yet
        body = body.read()
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise TypeError(f"a request body of type {type(body).__name__} cannot be matched")


def match_key(method: str, uri: str, body: bytes) -> MatchKey:
    """The key two requests share exactly when they match (see the module docstring)."""
    return MatchKey(method.upper(), request_target(uri), _body_key(parse_json_body(body), body))


def same_body(first: bytes | None, second: bytes | None) -> bool:
    """Whether two request bodies ask Ollama the same thing under the rule (see above)."""
    first, second = first or b"", second or b""
    return _body_key(parse_json_body(first), first) == _body_key(parse_json_body(second), second)


def body_digest(body: bytes) -> str:
    """A short digest of a body's canonical form, to tell requests apart in messages."""
    key = _body_key(parse_json_body(body), body)
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:12]


def differing_keys(recorded: Any, sent: Any) -> list[str]:
    """The top-level JSON keys in which two bodies differ under the rule.

    ``["body"]`` when either is not a JSON object.
    """
    if not isinstance(recorded, dict) or not isinstance(sent, dict):
        return ["body"]
    one, two = canonical_json(recorded), canonical_json(sent)
    return [key for key in sorted(set(one) | set(two)) if one.get(key) != two.get(key)]


def vcr_matcher(r1: Any, r2: Any) -> None:
    """The rule as a vcrpy matcher: returns when two ``vcr.request.Request`` objects match.

    Raises:
        AssertionError: They differ; the message says in what (vcrpy shows it on a miss).
    """
    one = match_key(r1.method, r1.uri, body_bytes(r1.body))
    two = match_key(r2.method, r2.uri, body_bytes(r2.body))
    if one.method != two.method:
        raise AssertionError(f"method {one.method} != {two.method}")
    if one.target != two.target:
        raise AssertionError(f"path {one.target} != {two.target}")
    if one.body != two.body:
        keys = differing_keys(
            parse_json_body(body_bytes(r1.body)), parse_json_body(body_bytes(r2.body))
        )
        raise AssertionError(f"body differs in {', '.join(keys)}")


def register_matcher(vcr: Any) -> None:
    """Register :func:`vcr_matcher` on a ``vcr.VCR`` as :data:`MATCHER_NAME`."""
    vcr.register_matcher(MATCHER_NAME, vcr_matcher)


def _secret_values() -> list[str]:
    from shared_ollama._settings import api_key_from_environ  # noqa: PLC0415 (only recording)

    key = api_key_from_environ()
    return [key] if key else []


def scrub_request_headers(
    headers: Iterable[tuple[str, str]], *, secrets: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Headers fit for a cassette.

    Drops :data:`FILTERED_REQUEST_HEADERS` and every header carrying a secret value: the
    ``OLLAMA_API_KEY`` of the environment, or one of ``secrets``.
    """
    hidden = [value for value in (*_secret_values(), *secrets) if value]
    return [
        (name, value)
        for name, value in headers
        if name.lower() not in FILTERED_REQUEST_HEADERS
        and not any(secret in value for secret in hidden)
    ]


def _scrub_vcr_request(request: Any) -> Any:
    """Vcrpy ``before_record_request``: drop headers that carry the ``OLLAMA_API_KEY`` value."""
    hidden = _secret_values()
    if hidden:
        for name in list(request.headers):
            if any(secret in str(request.headers[name]) for secret in hidden):
                del request.headers[name]
    return request


def _scrub_vcr_response(response: dict[str, Any]) -> dict[str, Any]:
    """Vcrpy ``before_record_response``: drop per-exchange and framing headers."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in VOLATILE_RESPONSE_HEADERS:
            del headers[name]
    return response


def vcr_config(**overrides: Any) -> dict[str, Any]:
    """The vcrpy configuration that matches with this rule and keeps secrets out of cassettes.

    Return it from a ``vcr_config`` fixture (pytest-recording) or pass it to ``vcr.VCR(...)``
    after :func:`register_matcher`; with pytest-recording, shared-ollama's pytest plugin
    registers the matcher itself.

    Args:
        **overrides: Keys to set or replace (``filter_headers`` given here is added to ours).

    Returns:
        A fresh dict each call.
    """
    extra_headers: list[str] = list(overrides.pop("filter_headers", ()))
    config: dict[str, Any] = {
        "match_on": [MATCHER_NAME],
        "filter_headers": [*FILTERED_REQUEST_HEADERS, *extra_headers],
        "before_record_request": _scrub_vcr_request,
        "before_record_response": _scrub_vcr_response,
        "decode_compressed_response": True,
    }
    config.update(overrides)
    return config
