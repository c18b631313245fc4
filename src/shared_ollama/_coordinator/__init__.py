"""Sharing one Ollama daemon fairly: priorities, fair share, leases and agreed options.

The machine-wide slots go through a :class:`Coordinator`: embedded in a SQLite file on one
machine (the default), or Redis for several machines (``SHARED_OLLAMA_COORDINATOR``).
"""
