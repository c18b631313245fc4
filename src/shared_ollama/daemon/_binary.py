"""Finding the ``ollama`` executable that serves the shared daemon.

Order of search: ``OLLAMA_BIN`` (an explicit choice: when it names no executable file, that is an
error, never a reason to look elsewhere), then ``PATH``, then the places installers put it
(:data:`DEFAULT_SEARCH_PATHS`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from shared_ollama._errors import SharedOllamaError

__all__ = [
    "BINARY_VARIABLE",
    "DEFAULT_SEARCH_PATHS",
    "INSTALL_HINT",
    "OllamaBinaryNotFoundError",
    "find_ollama_binary",
]

BINARY_VARIABLE = "OLLAMA_BIN"
DEFAULT_SEARCH_PATHS: tuple[str, ...] = (
    "/usr/local/bin/ollama",
    "/opt/homebrew/bin/ollama",
    "/Applications/Ollama.app/Contents/Resources/ollama",
    "~/.local/bin/ollama",
)
INSTALL_HINT = (
    "Install Ollama from https://ollama.com/download "
    "(macOS: `brew install ollama`; Linux: `curl -fsSL https://ollama.com/install.sh | sh`), "
    f"or set {BINARY_VARIABLE} to the path of an existing `ollama` executable."
)


class OllamaBinaryNotFoundError(SharedOllamaError, FileNotFoundError):
    """No ``ollama`` executable was found, so no daemon can be started.

    Attributes:
        searched: Every place that was looked at, in order.
    """

    def __init__(self, message: str, *, searched: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.searched = searched

    def __str__(self) -> str:
        return self.message


def _is_executable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_ollama_binary(
    environ: Mapping[str, str] | None = None,
    *,
    extra_paths: Iterable[str | os.PathLike[str]] = DEFAULT_SEARCH_PATHS,
    is_executable: Callable[[Path], bool] = _is_executable_file,
) -> Path:
    """Find the ``ollama`` executable.

    Args:
        environ: The environment to read ``OLLAMA_BIN``, ``PATH`` and ``HOME`` from (default
            ``os.environ``).
        extra_paths: Places looked at after ``PATH``, in order; ``~`` expands to ``HOME``.
        is_executable: Tells whether a path is an executable file (tests pass a fake).

    Returns:
        The path of the executable (absolute when found on ``PATH`` or in a usual place).

    Raises:
        OllamaBinaryNotFoundError: ``OLLAMA_BIN`` names no executable file, or none was found;
            the message says how to install Ollama.
    """
    env = os.environ if environ is None else environ
    explicit = env.get(BINARY_VARIABLE, "").strip()
    if explicit:
        path = Path(explicit).expanduser()
        if is_executable(path):
            return path
        raise OllamaBinaryNotFoundError(
            f"{BINARY_VARIABLE}={explicit!r} is not an executable file. Point it at the `ollama` "
            f"executable, or unset it to search PATH. {INSTALL_HINT}",
            searched=(explicit,),
        )
    searched: list[str] = []
    for folder in env.get("PATH", "").split(os.pathsep):
        if folder:
            candidate = Path(folder) / "ollama"
            searched.append(str(candidate))
            if is_executable(candidate):
                return candidate
    home = env.get("HOME") or str(Path.home())
    for extra in extra_paths:
        text = os.fspath(extra)
        candidate = Path(home + text[1:] if text.startswith("~") else text)
        searched.append(str(candidate))
        if is_executable(candidate):
            return candidate
    raise OllamaBinaryNotFoundError(
        f"No `ollama` executable was found on PATH or in {', '.join(map(str, extra_paths))}. "
        f"{INSTALL_HINT}",
        searched=tuple(searched),
    )
