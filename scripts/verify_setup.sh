#!/usr/bin/env bash
# Check binary, service, port, environment, models and versions; print the fix for each problem.
set -euo pipefail
cli() { if command -v shared-ollama >/dev/null 2>&1; then shared-ollama "$@"; else "${PYTHON:-python3}" -m shared_ollama "$@"; fi; }
cli doctor "$@"
