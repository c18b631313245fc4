"""The version of shared-ollama."""

__version__ = "0.1.0"
