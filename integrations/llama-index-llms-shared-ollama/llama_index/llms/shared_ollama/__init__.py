"""LlamaIndex LLM for Ollama on shared-ollama's resilient core client.

>>> from llama_index.llms.shared_ollama import SharedOllama
"""

from ._llm import SharedOllama
from ._request import DEFAULT_KEEP_ALIVE

__all__ = ["DEFAULT_KEEP_ALIVE", "SharedOllama"]
