"""The ``User-Agent`` every client sends unless the caller gives its own."""

from __future__ import annotations

import platform

from shared_ollama._version import __version__

__all__ = ["user_agent"]

_REFERENCE_CLIENT_VERSION = "0.6.3"
"""The ollama-python release whose requests ours reproduce (tests/unit/test_ollama_parity.py)."""


def user_agent() -> str:
    """Our ``User-Agent``: ollama-python's product token first, then who we are."""
    # Leads with ollama-python's product token, as its own tests and servers expect of a client
    # that sends its requests, then says who we are ("compatible", as browsers do).
    return (
        f"ollama-python/{_REFERENCE_CLIENT_VERSION} (compatible; shared-ollama/{__version__}; "
        f"{platform.machine()} {platform.system().lower()}) Python/{platform.python_version()}"
    )
