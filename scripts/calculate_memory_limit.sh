#!/usr/bin/env bash
# Print the memory budget for models in bytes (--format gib|export for other forms).
set -euo pipefail
cli() { if command -v shared-ollama >/dev/null 2>&1; then shared-ollama "$@"; else "${PYTHON:-python3}" -m shared_ollama "$@"; fi; }
cli memory-limit "$@"
