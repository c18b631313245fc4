#!/usr/bin/env python3
"""Summarize performance records and flag regressions against a baseline run.

The same as ``shared-ollama report``; see ``--help``. Exits 1 when a metric regressed, 2 when the
input could not be read.

Examples::

    python scripts/performance_report.py logs/performance.jsonl
    python scripts/performance_report.py new.jsonl --baseline saved.jsonl --chart report.svg
"""

from __future__ import annotations

from shared_ollama._report._command import main

if __name__ == "__main__":
    main()
