#!/usr/bin/env bash
# Builds an sdist and a wheel (built from that sdist) of each of the four distributions into
# dist/ (or $DIST): shared-ollama, langchain-shared-ollama, llama-index-llms-shared-ollama and
# llama-index-embeddings-shared-ollama. Then, from a clean venv:
#   pip install --find-links dist langchain-shared-ollama
# The build tool lives in its own venv (.venv-build, or $BUILD_VENV), pinned by constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
OUT="${DIST:-dist}"
TOOLS="${BUILD_VENV:-.venv-build}"
DISTRIBUTIONS=(
  .
  integrations/langchain-shared-ollama
  integrations/llama-index-llms-shared-ollama
  integrations/llama-index-embeddings-shared-ollama
)
[ -x "$TOOLS/bin/python" ] || "$PY" -m venv "$TOOLS"
"$TOOLS/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt build
rm -rf "$OUT"
mkdir -p "$OUT"
for dir in "${DISTRIBUTIONS[@]}"; do
  "$TOOLS/bin/python" -m build --quiet --outdir "$OUT" "$dir"
done
ls -1 "$OUT"
