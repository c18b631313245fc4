"""``python -m shared_ollama``: the ``shared-ollama`` command, for environments without the script."""

from __future__ import annotations

import sys

from shared_ollama._cli._app import main

if __name__ == "__main__":
    sys.exit(main())
