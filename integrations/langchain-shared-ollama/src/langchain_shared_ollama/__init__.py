"""LangChain chat model, LLM and embeddings for a shared Ollama, built on shared-ollama.

``ChatSharedOllama``, ``SharedOllamaLLM`` and ``SharedOllamaEmbeddings`` are drop-in
replacements for ``langchain_ollama``'s ``ChatOllama``, ``OllamaLLM`` and ``OllamaEmbeddings``:
change the import and the class name, keep the arguments. Underneath, every request goes through
:class:`shared_ollama.SharedOllamaClient` (host discovery, retries, circuit breaker, load-aware
timeouts, a concurrency cap per client).
"""

from langchain_shared_ollama._version import __version__
from langchain_shared_ollama.chat_models import ChatSharedOllama
from langchain_shared_ollama.embeddings import SharedOllamaEmbeddings
from langchain_shared_ollama.llms import SharedOllamaLLM

__all__ = [
    "ChatSharedOllama",
    "SharedOllamaEmbeddings",
    "SharedOllamaLLM",
    "__version__",
]
