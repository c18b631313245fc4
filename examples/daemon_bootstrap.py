"""Make sure the shared Ollama is running (starting it if needed), then print its status.

``ensure_service_running(start=True)`` probes the server; when nothing answers on a loopback
address it starts ``ollama serve`` (found through ``OLLAMA_BIN``, ``PATH`` or the usual install
places) detached, with an environment sized for this machine, and waits until it answers. A
cross-process file lock makes sure that when eight projects do this at the same moment, exactly
one daemon starts. A daemon someone else runs is used as it is, never restarted.

Run it as is: ``python examples/daemon_bootstrap.py`` (server from ``SHARED_OLLAMA_URL`` /
``OLLAMA_HOST``, default ``http://127.0.0.1:11434``; model from ``SHARED_OLLAMA_EXAMPLE_MODEL``,
default ``smollm2:135m``). The same from a shell: ``shared-ollama start`` and
``shared-ollama status``.
"""

from __future__ import annotations

import os
import sys

from shared_ollama import (
    ModelNotFoundError,
    SharedOllamaError,
    check_service_health,
    ensure_service_running,
    resolve_base_url,
)

MODEL = os.environ.get("SHARED_OLLAMA_EXAMPLE_MODEL", "smollm2:135m")


def main() -> int:
    url = resolve_base_url()
    was_up = check_service_health(url).up
    try:
        # model= also checks that the model is pulled, and says how to pull it if not.
        health = ensure_service_running(url, start=True, model=MODEL)
    except ModelNotFoundError as exc:
        print(f"Ollama is up at {url}, but: {exc}")
        return 1
    except SharedOllamaError as exc:  # no binary, a remote address, or a start that failed
        print(f"Ollama is not available at {url}: {exc}")
        return 1

    print(f"status: {'already running' if was_up else 'started by this script'}")
    print(f"url: {health.base_url}")
    print(f"version: {health.version}")
    print(f"latency: {(health.latency_s or 0) * 1000:.1f} ms")
    print(f"loaded models: {', '.join(health.loaded_models) or 'none'}")
    print(f"model {MODEL}: pulled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
