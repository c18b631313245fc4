"""Testing code that calls Ollama: offline replay of recorded cassettes and the pytest plugin."""
