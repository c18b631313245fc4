"""The telemetry needs the OpenTelemetry API only, and does nothing at import."""

from __future__ import annotations

import subprocess
import sys


def test_telemetry_and_report_import_without_the_sdk_or_plotting() -> None:
    """Importing telemetry, report and load test loads no SDK, no matplotlib, no scipy."""
    code = (
        "import sys\n"
        "import shared_ollama.telemetry, shared_ollama._report._command, shared_ollama._report._load_test\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'scipy', 'numpy')"
        " or m.startswith('opentelemetry.sdk')]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
