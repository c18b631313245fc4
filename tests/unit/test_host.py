"""Host resolution: Ollama's OLLAMA_HOST rules, precedence of variables, and loud failures."""

from __future__ import annotations

import pytest

from shared_ollama._host import (
    DEFAULT_BASE_URL,
    OllamaHost,
    get_ollama_base_url,
    mask_url,
    parse_host,
    resolve_base_url,
    resolve_host,
)
from shared_ollama._settings import EnvironmentDefaults

PARSE_CASES = [
    ("localhost", "http://localhost:11434"),
    ("example.com", "http://example.com:11434"),
    ("example.com:56789", "http://example.com:56789"),
    ("127.0.0.1", "http://127.0.0.1:11434"),
    ("127.0.0.1:8080", "http://127.0.0.1:8080"),
    (":8080", "http://127.0.0.1:8080"),
    ("", "http://127.0.0.1:11434"),
    ("http://example.com", "http://example.com:80"),
    ("https://example.com", "https://example.com:443"),
    ("http://example.com:56789", "http://example.com:56789"),
    ("https://example.com:56789", "https://example.com:56789"),
    ("HTTPS://Example.com", "https://Example.com:443"),
    ("0.0.0.0", "http://127.0.0.1:11434"),
    ("0.0.0.0:9000", "http://127.0.0.1:9000"),
    ("::", "http://[::1]:11434"),
    ("[::]:9000", "http://[::1]:9000"),
    ("[::1]", "http://[::1]:11434"),
    ("[::1]:56789", "http://[::1]:56789"),
    ("::1", "http://[::1]:11434"),
    ("[0:0:0:0:0:0:0:1]:11434", "http://[::1]:11434"),
    ("https://[::1]", "https://[::1]:443"),
    ("example.com/path", "http://example.com:11434/path"),
    ("example.com:56789/path/", "http://example.com:56789/path"),
    ("https://example.com/ollama/api-proxy", "https://example.com:443/ollama/api-proxy"),
    ("  example.com  ", "http://example.com:11434"),
    ('"example.com:1234"', "http://example.com:1234"),
    ("'example.com'", "http://example.com:11434"),
    ("http://example.com/", "http://example.com:80"),
    ("http://user:secret@example.com:8080", "http://example.com:8080"),
]


@pytest.mark.parametrize(("value", "expected"), PARSE_CASES)
def test_parse_host_follows_ollama_rules(value: str, expected: str) -> None:
    """Every documented OLLAMA_HOST form resolves to the base URL Ollama itself would use."""
    assert parse_host(value).base_url == expected


INVALID_CASES = [
    ("ftp://example.com", "scheme"),
    ("example.com:port", "port"),
    ("example.com:99999", "port"),
    ("example.com:0", "port"),
    ("example.com:", "empty"),
    ("[::1", "never closed"),
    ("[::1]x", "unexpected"),
    ("[zz::1]:80", "IPv6"),
    ("exa mple.com", "host name"),
    ("127.0.0.1:\u00b2", "not a number"),  # '²' passes str.isdigit() but int() refuses it
    ("127.0.0.1:\uff18\uff10", "not a number"),  # full-width digits: int() would take them
    ("[zz]", "in brackets is not an IPv6"),
    ("[example.com]:80", "in brackets is not an IPv6"),
    ("exa\x00mple.com", "host name"),
    ("exa\tmple.com", "host name"),
    ("exa<mple>.com", "host name"),
]


@pytest.mark.parametrize(("value", "fragment"), INVALID_CASES)
def test_parse_host_rejects_unparseable_value_loudly(value: str, fragment: str) -> None:
    """A value that cannot be parsed raises ValueError naming the source and the value."""
    with pytest.raises(ValueError, match=fragment) as caught:
        parse_host(value, source="OLLAMA_HOST")
    assert "OLLAMA_HOST=" in str(caught.value)
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("http://ann:s3cret@gpu:99999", "'http://***@gpu:99999'"),
        ("ann:s3cret@gpu:port", "'***@gpu:port'"),
        ("http://ann:s3c/ret@gpu", "'http://***@gpu'"),  # '/' in a password: the port is 's3c'
        ("http://ann:s3c@ret@gpu:x", "'http://***@***@gpu:x'"),
        ("ftp://ann:s3cret@gpu", "'ftp://***@gpu'"),
    ],
)
def test_parse_host_error_never_shows_the_password(value: str, shown: str) -> None:
    """Every parse error hides the user-info, in the value and in the reason quoted after it."""
    with pytest.raises(ValueError, match="not a valid Ollama address") as caught:
        parse_host(value, source="OLLAMA_HOST")
    message = str(caught.value)
    assert f"OLLAMA_HOST={shown}" in message
    assert "s3c" not in message
    assert "ann" not in message


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("http://ann:pw@gpu:11434/x", "http://***@gpu:11434/x"),
        ("ann:pw@gpu", "***@gpu"),
        ("see 'https://t0ken@proxy/ollama' and u:p@h", "see 'https://***@proxy/ollama' and ***@h"),
        ("http://gpu:11434", "http://gpu:11434"),
        ("no address here", "no address here"),
    ],
)
def test_mask_url_hides_user_info_in_addresses_and_messages(text: str, masked: str) -> None:
    """One function hides ``user:password@`` wherever an address appears."""
    assert mask_url(text) == masked


def test_client_settings_repr_masks_credentials_in_host_variables() -> None:
    """EnvironmentDefaults' repr shows the host variables without their passwords (like api_key)."""
    settings = EnvironmentDefaults.from_environ(
        {"OLLAMA_HOST": "http://ann:s3cret@gpu:11434", "OLLAMA_API_KEY": "k3y"}
    )
    text = repr(settings)
    assert "'OLLAMA_HOST': 'http://***@gpu:11434'" in text
    assert "s3cret" not in text
    assert "k3y" not in text


def test_parse_host_keeps_credentials_out_of_base_url() -> None:
    """User-info is parsed for basic auth but never shown in base_url or repr."""
    host = parse_host("https://ann:p%40ss@example.com")
    assert (host.username, host.password) == ("ann", "p@ss")
    assert "p@ss" not in host.base_url
    assert "ss" not in repr(host)
    assert host.with_credentials() == "https://ann:p%40ss@example.com:443"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, DEFAULT_BASE_URL),
        ({"OLLAMA_HOST": "gpu:1"}, "http://gpu:1"),
        ({"OLLAMA_HOST": "gpu:1", "OLLAMA_BASE_URL": "http://base:2"}, "http://base:2"),
        (
            {
                "OLLAMA_HOST": "gpu:1",
                "OLLAMA_BASE_URL": "http://base:2",
                "SHARED_OLLAMA_URL": "s:3",
            },
            "http://s:3",
        ),
        ({"SHARED_OLLAMA_URL": "", "OLLAMA_HOST": "gpu:1"}, "http://gpu:1"),
        ({"SHARED_OLLAMA_URL": "   ", "OLLAMA_HOST": '""'}, DEFAULT_BASE_URL),
    ],
)
def test_resolve_base_url_precedence_of_variables(environ: dict[str, str], expected: str) -> None:
    """SHARED_OLLAMA_URL beats OLLAMA_BASE_URL beats OLLAMA_HOST beats the default; blanks are unset."""
    assert resolve_base_url(environ=environ) == expected


def test_resolve_host_explicit_argument_wins_over_environment() -> None:
    """An explicit host wins over every variable."""
    environ = {"SHARED_OLLAMA_URL": "http://env:1"}
    assert resolve_base_url("http://arg:2", environ=environ) == "http://arg:2"


def test_resolve_host_error_names_the_variable() -> None:
    """A bad variable is reported by name, never silently replaced by the default."""
    with pytest.raises(ValueError, match=r"OLLAMA_BASE_URL='http://x:bad'"):
        resolve_host(environ={"OLLAMA_BASE_URL": "http://x:bad"})


def test_get_ollama_base_url_reads_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed's helper reads the real environment."""
    for name in ("SHARED_OLLAMA_URL", "OLLAMA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:7777")
    assert get_ollama_base_url() == "http://127.0.0.1:7777"


@pytest.mark.parametrize(
    ("value", "loopback"),
    [
        ("localhost", True),
        ("127.0.0.9", True),
        ("::1", True),
        ("example.com", False),
        ("10.0.0.1", False),
    ],
)
def test_ollama_host_is_loopback(value: str, loopback: bool) -> None:
    """is_loopback tells a local daemon from a remote one."""
    assert parse_host(value).is_loopback is loopback


def test_ollama_host_is_frozen_value() -> None:
    """OllamaHost compares by value."""
    assert parse_host("localhost") == OllamaHost("http", "localhost", 11434)
