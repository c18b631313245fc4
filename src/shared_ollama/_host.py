"""Where the Ollama server is: one pure resolver used by every part of shared-ollama.

Order of precedence: an explicit argument, then ``SHARED_OLLAMA_URL``, then ``OLLAMA_BASE_URL``,
then ``OLLAMA_HOST``, then ``http://127.0.0.1:11434``.

Every value is read with Ollama's own rules for ``OLLAMA_HOST``:

=================================  ==================================
value                              base URL
=================================  ==================================
``example.com``                    ``http://example.com:11434``
``:8080``                          ``http://127.0.0.1:8080``
``http://example.com``             ``http://example.com:80``
``https://example.com``            ``https://example.com:443``
``[::1]:9000``                     ``http://[::1]:9000``
``example.com:11434/ollama``       ``http://example.com:11434/ollama``
``0.0.0.0`` / ``::``               ``http://127.0.0.1:11434`` / ``http://[::1]:11434``
=================================  ==================================

Unlike Ollama, a value that cannot be parsed is never replaced by a default in silence: it raises
``ValueError`` naming the variable and the value, with any ``user:password@`` in it hidden by
:func:`mask_url`, the one function every error, ``repr``, log and CLI line uses to show an
address. A host must be a name, an IPv4 address or (in brackets) an IPv6 address: control
characters, spaces and other punctuation are refused, and so is a port that is not ASCII digits.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, unquote

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_PORT",
    "HOST_VARIABLES",
    "OllamaHost",
    "get_ollama_base_url",
    "mask_url",
    "parse_host",
    "resolve_base_url",
    "resolve_host",
]

DEFAULT_PORT = 11434
DEFAULT_BASE_URL = f"http://127.0.0.1:{DEFAULT_PORT}"
HOST_VARIABLES = ("SHARED_OLLAMA_URL", "OLLAMA_BASE_URL", "OLLAMA_HOST")
_SCHEME_PORTS = {"http": 80, "https": 443}
_BIND_ALL = {"0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104 (we map them away from all interfaces)
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)?[^\s@'\"]+@")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_HOST_PUNCTUATION = frozenset("-._")
MASK = "***"


def mask_url(text: str) -> str:
    """``text`` with the user-info (``user:password@``) of every address in it replaced by ``***``.

    Works on one address (``http://me:s3cret@gpu:11434`` -> ``http://***@gpu:11434``), on a bare
    ``me:s3cret@gpu``, and on a whole message that contains addresses; text without ``@`` is
    returned unchanged.
    """
    if "@" not in text:
        return text
    return _USERINFO.sub(lambda match: f"{match.group('scheme') or ''}{MASK}@", text)


@dataclass(frozen=True, slots=True)
class OllamaHost:
    """A parsed Ollama address.

    Attributes:
        scheme: ``http`` or ``https``.
        host: Host name or IP address, without brackets.
        port: TCP port.
        path: Path prefix without trailing slash (``""`` for none), for servers behind a proxy.
        username: User name from ``user:password@`` in the URL, if any.
        password: Password from the URL, if any. Never shown in ``repr`` or ``base_url``.
    """

    scheme: str
    host: str
    port: int
    path: str = ""
    username: str | None = None
    password: str | None = None

    @property
    def base_url(self) -> str:
        """The base URL without credentials, e.g. ``http://127.0.0.1:11434``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def is_loopback(self) -> bool:
        """Whether the host is this machine (``localhost`` or a loopback address)."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def with_credentials(self) -> str:
        """The base URL including ``user:password@`` when the URL carried them."""
        if self.username is None:
            return self.base_url
        auth = quote(self.username, safe="")
        if self.password is not None:
            auth += ":" + quote(self.password, safe="")
        return self.base_url.replace("://", f"://{auth}@", 1)

    def __repr__(self) -> str:
        auth = ", with credentials" if self.username is not None else ""
        return f"OllamaHost({self.base_url!r}{auth})"


def _invalid(source: str, value: str, why: str) -> ValueError:
    if "@" in value:  # a quoted piece of the reason may be a piece of the password: hide it
        secret = value[: value.rfind("@")]
        why = _QUOTED.sub(
            lambda match: repr(MASK) if match.group()[1:-1] in secret else match.group(), why
        )
    return ValueError(
        f"{source}={mask_url(value)!r} is not a valid Ollama address: {why}. "
        "Use a form such as 'localhost', ':11434', 'http://gpu-box:11434' or 'https://host/ollama'."
    )


def _split_host_port(hostport: str, source: str, value: str) -> tuple[str, str | None]:
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            raise _invalid(source, value, "an IPv6 address opened with '[' is never closed")
        host, rest = hostport[1:end], hostport[end + 1 :]
        if rest and not rest.startswith(":"):
            raise _invalid(source, value, f"unexpected {rest!r} after the IPv6 address")
        if ":" not in host:
            raise _invalid(source, value, f"{host!r} in brackets is not an IPv6 address")
        return host, (rest[1:] if rest else None)
    if hostport.count(":") > 1:
        return hostport, None  # a bare IPv6 address such as '::1' or '::'
    if ":" in hostport:
        host, port = hostport.split(":", 1)
        return host, port
    return hostport, None


def _check_host(host: str, source: str, value: str) -> str:
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            raise _invalid(source, value, f"{host!r} is not an IPv6 address") from None
    if not all(ch.isalnum() or ch in _HOST_PUNCTUATION for ch in host):
        raise _invalid(
            source,
            value,
            f"{host!r} is not a host name (letters, digits, '-', '.' and '_' only)",
        )
    return host


def parse_host(value: str, *, source: str = "host") -> OllamaHost:
    """Parse one address by Ollama's ``OLLAMA_HOST`` rules (see the module docstring).

    Args:
        value: The address: a bare host, ``host:port``, ``:port`` or a URL.
        source: Where the value came from (a variable name), quoted in error messages.

    Returns:
        The parsed address, with bind-all addresses mapped to loopback.

    Raises:
        ValueError: The value cannot be parsed (unknown scheme, bad port, bad host).
    """
    text = value.strip().strip("\"'")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "http", text
        default_port = DEFAULT_PORT
    else:
        scheme = scheme.lower()
        if scheme not in _SCHEME_PORTS:
            raise _invalid(source, value, f"the scheme {scheme!r} is neither http nor https")
        default_port = _SCHEME_PORTS[scheme]
    hostport, slash, path = rest.partition("/")
    username = password = None
    if "@" in hostport:
        userinfo, _, hostport = hostport.rpartition("@")
        user, colon, secret = userinfo.partition(":")
        username, password = unquote(user), (unquote(secret) if colon else None)
    host, port_text = _split_host_port(hostport, source, value)
    host = _check_host(host, source, value) if host else "127.0.0.1"
    host = _BIND_ALL.get(host, host)
    if port_text is None:
        port = default_port
    elif port_text == "":
        raise _invalid(source, value, "the port after ':' is empty")
    else:
        if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) <= 65535:
            raise _invalid(source, value, f"the port {port_text!r} is not a number from 1 to 65535")
        port = int(port_text)
    clean_path = ("/" + path).rstrip("/") if slash else ""
    return OllamaHost(scheme, host, port, clean_path, username, password)


def resolve_host(
    host: str | None = None, *, environ: Mapping[str, str] | None = None
) -> OllamaHost:
    """Find the Ollama server: the argument, then the environment, then the default.

    Args:
        host: An explicit address; wins over every environment variable when not ``None``/empty.
        environ: The environment to read (default ``os.environ``); tests pass a dict.

    Returns:
        The parsed address.

    Raises:
        ValueError: The chosen value cannot be parsed; the message names its source.
    """
    if host is not None and host.strip():
        return parse_host(host, source="host")
    env = os.environ if environ is None else environ
    for name in HOST_VARIABLES:
        raw = env.get(name, "")
        if raw.strip().strip("\"'"):
            return parse_host(raw, source=name)
    return parse_host(DEFAULT_BASE_URL, source="default")


def resolve_base_url(host: str | None = None, *, environ: Mapping[str, str] | None = None) -> str:
    """The base URL (without credentials) that :func:`resolve_host` finds."""
    return resolve_host(host, environ=environ).base_url


def get_ollama_base_url(host: str | None = None) -> str:
    """The base URL of the shared Ollama server (the name the original design documents)."""
    return resolve_base_url(host)
