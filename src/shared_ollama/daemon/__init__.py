"""The shared ``ollama serve`` on this machine: health probes, finding, starting and checking it."""
