#!/usr/bin/env bash
# Runs every test: unit, cassette replay, and the live tier when SHARED_OLLAMA_LIVE_URL is set.
# Sets itself up: creates .venv (or $VENV) with $PYTHON (default python3) and installs the core,
# the three integrations and the dev tools. Extra arguments go to pytest: scripts/test.sh -m live
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
# The dev tools are a [dependency-groups] group (PEP 735), which pip reads from 25.1 on; the pip
# that `python -m venv` brings may be older (Python 3.10's is), so upgrade it first.
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt \
  --group dev \
  -e ".[cli]" \
  -e integrations/langchain-shared-ollama \
  -e integrations/llama-index-llms-shared-ollama \
  -e integrations/llama-index-embeddings-shared-ollama
exec "$VENV/bin/python" -m pytest "$@"
