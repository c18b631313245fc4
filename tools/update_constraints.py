"""Regenerate constraints.txt: pins for everything the test and benchmark commands install.

Resolves, with uv, the four distributions (with every extra), the ``dev`` and ``bench``
dependency groups, and the tools the scripts install themselves (a pip that reads groups,
build, uv), in one universal resolution for Python 3.10 and later (uv adds a marker where a
Python needs another pin), keeping today's pins where they still fit.

    python tools/update_constraints.py          # needs uv on PATH, or UV=/path/to/uv

``python tools/check_requirements.py pins`` (run by the tests) fails when the file drifts
from what the pyproject.toml files ask for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
INPUTS = (
    "-e .[cli,report,testing]",
    "-e integrations/langchain-shared-ollama",
    "-e integrations/llama-index-llms-shared-ollama",
    "-e integrations/llama-index-embeddings-shared-ollama",
    "pip>=25.1",  # scripts/test.sh upgrades the venv's pip to one that reads [dependency-groups]
    "build",  # scripts/build_dists.sh
    "uv",  # the lowest-versions CI step
)
HEADER = """\
# Pinned development installs (pip install -c constraints.txt ...): everything scripts/test.sh
# and the benchmark peers (the `bench` group) install, resolved once for every supported Python
# (3.10 to 3.13; markers where they differ) by tools/update_constraints.py.
# tools/check_requirements.py checks it against the pyproject.toml files.
"""


def main() -> int:
    """Resolve for Python 3.10 and later, keeping today's pins that fit, and write the file."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        print("uv not found: pip install uv, or set UV=/path/to/uv", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch, "requirements.in")
        requirements.write_text("\n".join(INPUTS) + "\n", encoding="utf-8")
        output = Path(scratch, "pins.txt")
        shutil.copyfile(CONSTRAINTS, output)  # uv keeps the pins it finds there when they fit
        subprocess.run(  # noqa: S603 (uv from PATH or $UV, fixed arguments)
            [
                uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate",
                "--universal", "--python-version", "3.10",
                "--group", "pyproject.toml:dev", "--group", "pyproject.toml:bench",
                str(requirements), "--output-file", str(output),
            ],
            cwd=ROOT,
            check=True,
        )  # fmt: skip
        lines = [
            line
            for line in output.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith(("-e", "#"))
        ]
    CONSTRAINTS.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"constraints.txt: {len(lines)} pins")
    return 0


if __name__ == "__main__":
    sys.exit(main())
