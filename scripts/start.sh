#!/usr/bin/env bash
# Start the shared Ollama daemon on loopback unless one answers (all options: shared-ollama start --help).
set -euo pipefail
cli() { if command -v shared-ollama >/dev/null 2>&1; then shared-ollama "$@"; else "${PYTHON:-python3}" -m shared_ollama "$@"; fi; }
cli start "$@"
