#!/usr/bin/env bash
# The install promise, checked the way a user installs: builds dist/ (scripts/build_dists.sh),
# then for each integration makes a clean venv, runs `pip install --find-links dist NAME` (pip
# takes shared-ollama from dist/ and the rest from the registry, with no constraints, as a user
# would), and makes one call with it (tools/smoke_dist.py) to `shared-ollama replay` serving
# cassettes/smoke/ on loopback, so no Ollama is needed. The replay server runs from a venv of its
# own holding the core wheel alone (`shared-ollama[testing]` from dist/).
# Venvs go to .venv-smoke/ (or $SMOKE_VENVS); $PYTHON picks the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
WORK="${SMOKE_VENVS:-.venv-smoke}"
INTEGRATIONS=(
  langchain-shared-ollama
  llama-index-llms-shared-ollama
  llama-index-embeddings-shared-ollama
)
PIP=(-m pip install -q --disable-pip-version-check --find-links dist)

PYTHON="$PY" bash scripts/build_dists.sh >/dev/null
rm -rf "$WORK"
"$PY" -m venv "$WORK/replay"
"$WORK/replay/bin/python" "${PIP[@]}" "shared-ollama[testing]"
PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$WORK/replay/bin/shared-ollama" replay --cassettes cassettes/smoke --port "$PORT" \
  >"$WORK/replay.log" 2>&1 &
REPLAY_PID=$!
trap 'kill "$REPLAY_PID" 2>/dev/null || true' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 100); do  # up to 10 s for the server to answer
  "$PY" -c "import urllib.request as u; u.urlopen('$URL/api/version', timeout=1)" 2>/dev/null && break
  sleep 0.1
done

for dist in "${INTEGRATIONS[@]}"; do
  "$PY" -m venv "$WORK/$dist"
  "$WORK/$dist/bin/python" "${PIP[@]}" "$dist"
  "$WORK/$dist/bin/python" tools/smoke_dist.py "$dist" "$URL"
done
