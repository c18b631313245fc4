#!/usr/bin/env bash
# Silent when the shared Ollama is up (exit 0); prints the status to stderr and exits 1 when down.
set -uo pipefail
cli() { if command -v shared-ollama >/dev/null 2>&1; then shared-ollama "$@"; else "${PYTHON:-python3}" -m shared_ollama "$@"; fi; }
if report="$(cli --json status "$@")"; then exit 0; fi
echo "$report" >&2
exit 1
