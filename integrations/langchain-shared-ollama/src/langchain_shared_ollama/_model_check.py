"""``validate_model_on_init``: ask the server whether the model is there, once, at construction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_shared_ollama._client_factory import LazyClients

__all__ = ["check_model"]


def check_model(clients: LazyClients, model: str) -> Any:
    """Return the server's ``/api/show`` answer for ``model``.

    Raises:
        ValueError: The model is not on the server, or the server could not be asked (the
            core client's error is chained as the cause).
    """
    from shared_ollama import ModelNotFoundError, SharedOllamaError  # noqa: PLC0415 (core loads on first use)

    client = clients.sync()
    try:
        return client.show(model)
    except ModelNotFoundError as exc:
        raise ValueError(
            f"model {model!r} is not on the Ollama server at {client.base_url}: pull it there "
            f"(`ollama pull {model}`) or pick a model from `ollama list`"
        ) from exc
    except SharedOllamaError as exc:
        raise ValueError(
            f"could not check model {model!r} on the Ollama server at {client.base_url}: "
            f"{exc.message}"
        ) from exc
