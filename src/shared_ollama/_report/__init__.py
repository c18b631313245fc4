"""The performance report: statistics, verdicts against a baseline, Markdown, JSON and a chart.

Import the pieces from their modules (``_command`` for the CLI entry points); this package
imports nothing on its own so the statistics can be used without the rest.
"""
