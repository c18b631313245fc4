#!/usr/bin/env bash
# The setup checks as one JSON document for CI; exit 1 when any check fails.
set -euo pipefail
cli() { if command -v shared-ollama >/dev/null 2>&1; then shared-ollama "$@"; else "${PYTHON:-python3}" -m shared_ollama "$@"; fi; }
cli --json doctor "$@"
