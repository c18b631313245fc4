"""Finding the ``ollama`` executable: OLLAMA_BIN, then PATH, then the usual places."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared_ollama._errors import SharedOllamaError
from shared_ollama.daemon._binary import OllamaBinaryNotFoundError, find_ollama_binary


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_find_ollama_binary_prefers_ollama_bin(tmp_path: Path) -> None:
    """OLLAMA_BIN wins over an ``ollama`` on PATH."""
    chosen = _executable(tmp_path / "chosen" / "my-ollama")
    _executable(tmp_path / "onpath" / "ollama")
    env = {"OLLAMA_BIN": str(chosen), "PATH": str(tmp_path / "onpath"), "HOME": str(tmp_path)}
    assert find_ollama_binary(env, extra_paths=()) == chosen


def test_find_ollama_binary_rejects_a_non_executable_ollama_bin(tmp_path: Path) -> None:
    """An OLLAMA_BIN that is not executable is an error, not a reason to search elsewhere."""
    plain = tmp_path / "ollama"
    plain.write_text("not a program")
    _executable(tmp_path / "onpath" / "ollama")
    env = {"OLLAMA_BIN": str(plain), "PATH": str(tmp_path / "onpath"), "HOME": str(tmp_path)}
    with pytest.raises(OllamaBinaryNotFoundError, match=r"OLLAMA_BIN=.* is not an executable"):
        find_ollama_binary(env, extra_paths=())


def test_find_ollama_binary_searches_path_in_order(tmp_path: Path) -> None:
    """The first PATH folder holding an executable ``ollama`` is chosen."""
    first = tmp_path / "a"
    first.mkdir()
    second = _executable(tmp_path / "b" / "ollama")
    _executable(tmp_path / "c" / "ollama")
    env = {"PATH": os.pathsep.join(map(str, [first, tmp_path / "b", tmp_path / "c"]))}
    assert find_ollama_binary(env, extra_paths=()) == second


def test_find_ollama_binary_falls_back_to_usual_places_after_path(tmp_path: Path) -> None:
    """The usual places are searched after PATH, with ``~`` meaning HOME."""
    home_binary = _executable(tmp_path / "home" / ".local" / "bin" / "ollama")
    env = {"PATH": str(tmp_path / "empty"), "HOME": str(tmp_path / "home")}
    found = find_ollama_binary(env, extra_paths=("/nonexistent/ollama", "~/.local/bin/ollama"))
    assert found == home_binary


def test_find_ollama_binary_not_found_says_how_to_install(tmp_path: Path) -> None:
    """The error is a FileNotFoundError and a SharedOllamaError that says how to install."""
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    with pytest.raises(OllamaBinaryNotFoundError) as caught:
        find_ollama_binary(env, extra_paths=("/nonexistent/ollama",))
    error = caught.value
    assert isinstance(error, FileNotFoundError)
    assert isinstance(error, SharedOllamaError)
    message = str(error)
    for hint in (
        "https://ollama.com/download",
        "brew install ollama",
        "install.sh | sh",
        "OLLAMA_BIN",
    ):
        assert hint in message
    assert error.searched == (str(tmp_path / "ollama"), "/nonexistent/ollama")


def test_find_ollama_binary_uses_the_injected_executable_test(tmp_path: Path) -> None:
    """The ``is_executable`` seam decides, so the Apple path is testable on any machine."""
    apple = "/Applications/Ollama.app/Contents/Resources/ollama"
    found = find_ollama_binary(
        {"PATH": "", "HOME": str(tmp_path)},
        extra_paths=("/usr/local/bin/ollama", apple),
        is_executable=lambda path: str(path) == apple,
    )
    assert found == Path(apple)
