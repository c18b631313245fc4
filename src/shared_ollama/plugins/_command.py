"""``shared-ollama plugins``: list the installed integrations without importing them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from shared_ollama.plugins._discovery import (
    DISABLED_PLUGINS_VARIABLE,
    ENTRY_POINT_GROUP,
    KNOWN_DISTRIBUTIONS,
    Discovery,
    discover,
)

__all__ = ["configure_plugins_parser", "run_plugins"]


def configure_plugins_parser(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``shared-ollama plugins`` to its parser.

    Args:
        parser: The sub-command's parser.
    """
    parser.add_argument("--json", action="store_true", help="print the plugins as JSON for scripts")


def _plugins_report(discovery: Discovery) -> dict[str, Any]:
    return {
        "group": ENTRY_POINT_GROUP,
        "plugins": [
            {
                "name": found.info.name,
                "value": found.info.value,
                "distribution": found.info.distribution,
                "version": found.info.version,
            }
            for _, found in sorted(discovery.plugins.items())
        ],
        "disabled": sorted(discovery.disabled.patterns),
        "hidden": list(discovery.hidden),
    }


def _format_table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def run_plugins(args: argparse.Namespace) -> int:
    """Run ``shared-ollama plugins``: list the installed integrations.

    Args:
        args: Parsed arguments (``json``).

    Returns:
        The exit code, always 0 (having no plugins is not an error).
    """
    discovery = discover()
    report = _plugins_report(discovery)
    out = sys.stdout
    if getattr(args, "json", False):
        out.write(json.dumps(report, indent=2) + "\n")
        return 0
    if discovery.disabled.everything:
        out.write(f"Plugin discovery is off: {DISABLED_PLUGINS_VARIABLE}=* is set.\n")
        return 0
    if report["plugins"]:
        rows = [("NAME", "DISTRIBUTION", "VERSION", "TARGET")]
        rows += [
            (item["name"], item["distribution"] or "?", item["version"] or "?", item["value"])
            for item in report["plugins"]
        ]
        out.write("\n".join(_format_table(rows)) + "\n")
    else:
        suggestions = " or ".join(sorted(KNOWN_DISTRIBUTIONS.values()))
        out.write(f"No shared-ollama plugins are installed; install {suggestions}.\n")
    if discovery.hidden:
        out.write(f"Disabled by {DISABLED_PLUGINS_VARIABLE}: {', '.join(discovery.hidden)}\n")
    return 0
