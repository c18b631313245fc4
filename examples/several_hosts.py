"""Several Ollama hosts behind one client: routing and failover.

``SharedOllamaClient(hosts=[...])`` sends each call to a healthy host that already has the model
loaded (``/api/ps``), else to the least busy host that has it pulled (``/api/tags``); a host that
refuses connections is skipped for the next one, and its circuit breaker opens after repeated
failures so later calls do not wait for it. Failover happens only before the first byte of a
reply: a reply is never restarted on another host halfway.

Run it as is: ``python examples/several_hosts.py``. Hosts come from ``SHARED_OLLAMA_HOSTS``
(comma-separated); by default a dead address (``http://127.0.0.1:9``) first, then the one server
(``SHARED_OLLAMA_URL`` / ``OLLAMA_HOST`` / ``http://127.0.0.1:11434``) twice. The model comes
from ``SHARED_OLLAMA_EXAMPLE_MODEL`` (default ``smollm2:135m``).
"""

from __future__ import annotations

import os

from shared_ollama import SharedOllamaClient, check_service_health, resolve_base_url

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")
OPTIONS = {"num_predict": 16, "seed": 42, "temperature": 0}
DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused


def configured_hosts() -> list[str]:
    """``SHARED_OLLAMA_HOSTS`` as a list, else a dead host followed by the one server twice."""
    listed = [h.strip() for h in os.environ.get("SHARED_OLLAMA_HOSTS", "").split(",") if h.strip()]
    if listed:
        return listed
    server = resolve_base_url()
    return [DEAD, server, server]


def main() -> None:
    hosts = configured_hosts()
    for host in hosts:
        health = check_service_health(host, timeout=1.0)
        print(f"host {host}: {'up, Ollama ' + str(health.version) if health.up else 'down'}")

    with SharedOllamaClient(hosts=hosts) as client:
        # version() names no model, so hosts are tried in the order given: the dead one
        # refuses the connection, nothing was sent, and the call fails over to the next host.
        print(f"version (after failover): {client.version().version}")

        # A model call is routed: the dead host could not list its models, so it goes last.
        reply = client.chat(MODEL, [{"role": "user", "content": "Hello!"}], options=OPTIONS)
        print(f"chat routed to a live host: {reply.message.content!r}")


if __name__ == "__main__":
    main()
