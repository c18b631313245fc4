#!/usr/bin/env bash
# Re-records every cassette against the Ollama you point it at (it must have smollm2:135m, or set
# SHARED_OLLAMA_LIVE_MODEL). Usage: scripts/record_cassettes.sh http://127.0.0.1:11434
# Old cassettes are deleted first so nothing stale survives; review the diff before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
URL="${1:?usage: scripts/record_cassettes.sh OLLAMA_URL}"
curl -sf "$URL/api/version" >/dev/null || { echo "no Ollama answers at $URL" >&2; exit 1; }
find cassettes -path cassettes/examples -prune -o -name '*.yaml' -print -delete
SHARED_OLLAMA_LIVE_URL="$URL" bash scripts/test.sh -m vcr --record-mode=once -q -p no:cacheprovider
"${VENV:-.venv}/bin/python" tools/record_example_cassettes.py "$URL"
echo "cassettes re-recorded against $URL:"; find cassettes -name '*.yaml' | sort
