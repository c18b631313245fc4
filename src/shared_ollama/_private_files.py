"""Folders and files only this user can touch: the runtime folder, the logs, pid and lock files.

shared-ollama keeps lock, pid and log files in folders that may be chosen through the
environment (``SHARED_OLLAMA_RUNTIME_DIR``, ``SHARED_OLLAMA_LOGS_DIR``). In a folder someone else
can write to, a symbolic link planted under one of our names would make us overwrite, truncate
or append to any file we may write. So:

- :func:`private_dir` creates a folder with mode ``0700`` and refuses one (created by us or not)
  that another user owns or that its group or others may write to, saying how to fix it;
- :func:`write_private` writes a file atomically through a scratch file created with
  ``O_EXCL | O_NOFOLLOW`` and mode ``0600``;
- :func:`open_private_log` opens a log for appending with ``O_NOFOLLOW`` and mode ``0600``;
- :func:`check_not_symlink` refuses a lock file that is a symbolic link.

On Windows (no owners and modes of this kind) only the symbolic-link refusals apply.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

from shared_ollama._errors import SharedOllamaError

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "UnsafePathError",
    "check_not_symlink",
    "open_private_log",
    "private_dir",
    "write_private",
]

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class UnsafePathError(SharedOllamaError, PermissionError):
    """A folder or file shared-ollama would write is not private to this user.

    Attributes:
        path: The folder or file refused.
    """

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


def _uid() -> int | None:
    getuid = getattr(os, "geteuid", None)
    return getuid() if getuid is not None else None


def private_dir(path: Path, *, variable: str | None = None) -> Path:
    """Create ``path`` (mode ``0700``) if needed and check that only this user can write to it.

    Args:
        path: The folder.
        variable: The environment variable that chooses it, named in the advice.

    Returns:
        ``path``.

    Raises:
        UnsafePathError: It is not a folder, another user owns it, or its group or others may
            write to it.
    """
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    info = path.stat()
    choose = (
        f"set {variable} to a folder of your own (e.g. ~/.cache/shared-ollama)"
        if variable
        else "use a folder of your own"
    )
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(f"{path} is not a folder; {choose}.", path=path)
    me = _uid()
    if me is None:
        return path
    if info.st_uid != me:
        raise UnsafePathError(
            f"refusing to keep shared-ollama's files in {path}: it belongs to user id "
            f"{info.st_uid}, not to you ({me}), so its owner could plant links there that make "
            f"us overwrite your files; {choose}.",
            path=path,
        )
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafePathError(
            f"refusing to keep shared-ollama's files in {path}: its group or other users may "
            f"write to it (mode {stat.S_IMODE(info.st_mode):04o}), so they could plant links "
            f"there that make us overwrite your files. Run `chmod 700 {path}`, or {choose}.",
            path=path,
        )
    return path


def _symlink_refusal(path: Path) -> UnsafePathError:
    return UnsafePathError(
        f"refusing to write {path}: it is a symbolic link (someone may be trying to make "
        "shared-ollama overwrite another file). Delete it and run the command again.",
        path=path,
    )


def check_not_symlink(path: Path) -> Path:
    """Refuse ``path`` when it is a symbolic link (a lock file is opened with truncation).

    Raises:
        UnsafePathError: ``path`` is a symbolic link.
    """
    if path.is_symlink():
        raise _symlink_refusal(path)
    return path


def _open(path: Path, flags: int) -> int:
    try:
        return os.open(path, flags | _NOFOLLOW | _CLOEXEC, PRIVATE_FILE_MODE)
    except OSError as exc:
        if path.is_symlink():
            raise _symlink_refusal(path) from exc
        raise


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader never sees half), mode ``0600``.

    The scratch file ``<path>.tmp`` is created afresh with ``O_EXCL | O_NOFOLLOW``: a link
    planted under its name is removed, never followed.
    """
    scratch = path.with_name(path.name + ".tmp")
    scratch.unlink(missing_ok=True)  # removes a planted link itself, not what it points to
    fd = _open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(scratch, path)


def open_private_log(path: Path) -> IO[bytes]:
    """Open a log for appending (created with mode ``0600``), never through a symbolic link.

    Raises:
        UnsafePathError: ``path`` is a symbolic link.
    """
    return os.fdopen(_open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT), "ab")
