"""The constructor fields the three LangChain classes share, declared once.

:class:`ConnectionFields` says where and how to reach Ollama (the same names and meanings as in
``langchain-ollama``, plus LangChain's standard ``timeout``/``max_retries`` and an injected core
client). :class:`SamplingFields` are Ollama's runtime options under their Ollama names.

The core clients come from :class:`shared_ollama.plugins.SharedClients`, made on first use (so
building a model imports neither the core nor httpx): models whose connection settings are
equal plain values share one sync client per process and one async client per event loop, the
story the LlamaIndex integrations follow too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from langchain_core.language_models import LangSmithParams
from pydantic import BaseModel, Field, PrivateAttr, SecretStr

from langchain_shared_ollama._chat_output import PROVIDER
from langchain_shared_ollama._request import SAMPLING_OPTIONS

if TYPE_CHECKING:
    from shared_ollama.plugins import ClientRecipe, SharedClients

__all__ = ["ConnectionFields", "SamplingFields", "Serialized", "langsmith_params"]


class Serialized:
    """Lets LangChain serialize a model (``dumpd``/``dumps``) and load it back (``load``/``loads``).

    Listed first among a model's bases so it wins over ``Serializable``'s defaults. The id is
    the public module path, ``["langchain_shared_ollama", "chat_models" | "llms", class name]``;
    ``api_key`` is written as a reference to ``OLLAMA_API_KEY``, never as its value, and the
    injected ``client``/``async_client`` are left out (they are not data).
    """

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Yes: the constructor fields are plain data."""
        return True

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secret fields and the environment variable each is read back from."""
        return {"api_key": "OLLAMA_API_KEY"}


class ConnectionFields(BaseModel):
    """Where the Ollama server is and how the core clients are built."""

    base_url: str | None = None
    """Base URL of the Ollama server, e.g. ``http://127.0.0.1:11434``.

    ``None`` lets shared-ollama resolve it: ``SHARED_OLLAMA_URL``, then ``OLLAMA_BASE_URL``,
    then ``OLLAMA_HOST``, then ``http://127.0.0.1:11434``. Credentials written in the URL
    (``http://user:password@host:port``) are sent as HTTP basic auth; use that only over a
    trusted network.
    """

    client_kwargs: dict[str, Any] | None = Field(default_factory=dict)
    """Extra keyword arguments for both core clients (for instance ``headers``)."""

    sync_client_kwargs: dict[str, Any] | None = Field(default_factory=dict)
    """Extra keyword arguments for the sync client only, merged over ``client_kwargs``."""

    async_client_kwargs: dict[str, Any] | None = Field(default_factory=dict)
    """Extra keyword arguments for the async client only, merged over ``client_kwargs``."""

    timeout: float | None = None
    """Seconds a request may take; ``None`` keeps shared-ollama's default timeouts."""

    max_retries: int | None = None
    """Retries after a failed attempt; ``None`` keeps shared-ollama's retry policy."""

    api_key: SecretStr | None = None
    """Bearer token for an Ollama behind an authenticating proxy (or ollama.com)."""

    project: str | None = None
    """The calling project: fair share between projects on shared slots, and analytics.

    ``None`` keeps shared-ollama's default (``SHARED_OLLAMA_PROJECT``, else the project folder's
    name for fair share).
    """

    priority: Literal["interactive", "normal", "batch"] | None = None
    """Who gets a free machine-wide slot first (``SHARED_OLLAMA_MACHINE_SLOTS``): ``None`` keeps
    ``SHARED_OLLAMA_PRIORITY``, else ``"normal"``."""

    validate_model_on_init: bool = False
    """Check at construction that the model exists on the server (one request).

    Raises ``ValueError`` when it does not, or when the server cannot be reached. Without it,
    building a model sends nothing.
    """

    client: Any = Field(default=None, exclude=True, repr=False)
    """A ready :class:`shared_ollama.SharedOllamaClient` to use for sync calls."""

    async_client: Any = Field(default=None, exclude=True, repr=False)
    """A ready :class:`shared_ollama.AsyncSharedOllamaClient` to use for async calls."""

    _shared: SharedClients | None = PrivateAttr(default=None)

    def _check_connection(self) -> None:
        """Refuse impossible limits at construction rather than at the first call.

        Raises:
            ValueError: ``timeout`` is not positive or ``max_retries`` is negative.
        """
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(
                f"timeout={self.timeout} must be a positive number of seconds (or None)"
            )
        if self.max_retries is not None and self.max_retries < 0:
            raise ValueError(f"max_retries={self.max_retries} must be 0 or more (or None)")

    def _client_recipe(self) -> ClientRecipe:
        """The core clients' arguments, from the connection fields.

        ``client_kwargs`` go to both sides, the side kwargs are merged over them (``headers``
        key by key); ``timeout``, ``api_key`` and ``max_retries`` are added unless the kwargs
        already set ``timeout``, ``api_key`` or ``retry``. Credentials in ``base_url``
        (``http://user:pass@host``) are handled by the core's host parser (basic auth).
        """
        from shared_ollama import RetryPolicy  # noqa: PLC0415 (core loads on first use)
        from shared_ollama.plugins import client_recipe  # noqa: PLC0415

        common: dict[str, Any] = {**(self.client_kwargs or {}), **self._scheduling()}
        if self.timeout is not None:
            common.setdefault("timeout", self.timeout)
        if self.api_key is not None:
            common.setdefault("api_key", self.api_key.get_secret_value())
        if self.max_retries is not None:
            common.setdefault("retry", RetryPolicy(attempts=self.max_retries + 1))
        return client_recipe(
            self.base_url,
            common,
            sync_kwargs=self.sync_client_kwargs,
            async_kwargs=self.async_client_kwargs,
        )

    @property
    def _clients(self) -> SharedClients:
        """The sync client and each loop's async client: injected, shared, or the model's own."""
        shared = self._shared
        if shared is None:
            from shared_ollama.plugins import SharedClients  # noqa: PLC0415 (core on first use)

            shared = self._shared = SharedClients(
                self._client_recipe(), sync_client=self.client, async_client=self.async_client
            )
        return shared

    def _scheduling(self) -> dict[str, Any]:
        """``project=`` and ``priority=`` for the core clients, when set."""
        fields = (("project", self.project), ("priority", self.priority))
        return {name: value for name, value in fields if value is not None}

    def _check_model(self, model: str) -> Any:
        """Return the server's ``/api/show`` answer for ``model`` (``validate_model_on_init``).

        Raises:
            ValueError: The model is not on the server, or the server could not be asked (the
                core client's error is chained as the cause).
        """
        from shared_ollama import ModelNotFoundError, SharedOllamaError  # noqa: PLC0415 (core loads on first use)

        client = self._clients.sync()
        try:
            return client.show(model)
        except ModelNotFoundError as exc:
            raise ValueError(
                f"model {model!r} is not on the Ollama server at {client.base_url}: pull it "
                f"there (`ollama pull {model}`) or pick a model from `ollama list`"
            ) from exc
        except SharedOllamaError as exc:
            raise ValueError(
                f"could not check model {model!r} on the Ollama server at {client.base_url}: "
                f"{exc.message}"
            ) from exc


class SamplingFields(BaseModel):
    """Ollama's runtime options, each sent only when set (else the model's default applies)."""

    mirostat: int | None = None
    """Mirostat sampling: 0 off, 1 Mirostat, 2 Mirostat 2.0."""

    mirostat_eta: float | None = None
    """Mirostat learning rate: how fast it reacts to the generated text."""

    mirostat_tau: float | None = None
    """Mirostat target: lower gives more focused text, higher more varied text."""

    num_ctx: int | None = None
    """Context window in tokens."""

    num_gpu: int | None = None
    """Number of layers to offload to the GPU (0 keeps everything on the CPU)."""

    num_thread: int | None = None
    """CPU threads used for computation (the physical core count is a good value)."""

    num_predict: int | None = None
    """Most tokens to generate (-1 unlimited, -2 fill the context); ``max_tokens`` is its alias."""

    repeat_last_n: int | None = None
    """How many recent tokens the repetition penalty looks at (0 off, -1 ``num_ctx``)."""

    repeat_penalty: float | None = None
    """Strength of the repetition penalty (above 1 penalizes repeats)."""

    temperature: float | None = None
    """Sampling temperature: higher is more creative, 0 is greedy."""

    seed: int | None = None
    """Random seed: the same seed and prompt give the same text."""

    stop: list[str] | None = None
    """Stop sequences; a call's ``stop`` replaces them for that call."""

    tfs_z: float | None = None
    """Tail-free sampling (1 disables it)."""

    top_k: int | None = None
    """Sample only among the k most likely tokens."""

    top_p: float | None = None
    """Nucleus sampling: sample among the tokens holding this much probability."""

    def _option_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SAMPLING_OPTIONS}


def langsmith_params(
    model: Any, model_type: Literal["chat", "llm"], stop: list[str] | None, kwargs: dict[str, Any]
) -> LangSmithParams:
    """LangSmith's standard parameters for a chat model or LLM, honouring per-call overrides."""
    params = LangSmithParams(
        ls_provider=PROVIDER,
        ls_model_name=kwargs.get("model") or model.model,
        ls_model_type=model_type,
    )
    temperature = kwargs.get("temperature", model.temperature)
    if temperature is not None:
        params["ls_temperature"] = temperature
    max_tokens = kwargs.get("max_tokens", kwargs.get("num_predict", model.num_predict))
    if max_tokens is not None:
        params["ls_max_tokens"] = max_tokens
    if ls_stop := stop or model.stop:
        params["ls_stop"] = ls_stop
    return params
