"""Integrations found by entry point: LangChain, LlamaIndex and anything else that registers."""
