#!/usr/bin/env bash
# Stop the Ollama daemon that shared-ollama started (never someone else's).
set -euo pipefail
cli() { if command -v shared-ollama >/dev/null 2>&1; then shared-ollama "$@"; else "${PYTHON:-python3}" -m shared_ollama "$@"; fi; }
cli stop "$@"
