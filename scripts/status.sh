#!/usr/bin/env bash
# Show whether the shared Ollama is up: version, pid, memory, loaded models, store size.
set -euo pipefail
cli() { if command -v shared-ollama >/dev/null 2>&1; then shared-ollama "$@"; else "${PYTHON:-python3}" -m shared_ollama "$@"; fi; }
cli status "$@"
