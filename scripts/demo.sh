#!/usr/bin/env bash
# The README's main job: installs shared-ollama into .venv, then runs examples/demo.py against a
# running Ollama, else one it starts (needs an `ollama` binary), else an offline replay that says so.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[cli,testing]"
exec "$VENV/bin/python" examples/demo.py "$@"
