"""JSON Lines files of performance records: appending with size-capped rotation, and reading back.

Rotation works like ``logging.handlers.RotatingFileHandler``: when the next line would push
``performance.jsonl`` past ``max_bytes``, it becomes ``performance.jsonl.1``, the old ``.1``
becomes ``.2``, and so on up to ``backups`` files; the oldest is deleted. Several processes may
share one file (several projects on one machine): appends and rotations hold a lock file
(``performance.jsonl.lock``) as well as a thread lock.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock

from shared_ollama.telemetry._records import PerformanceRecord, PerformanceRecorder

__all__ = [
    "DEFAULT_BACKUPS",
    "DEFAULT_MAX_BYTES",
    "JsonlSink",
    "file_recorder",
    "read_records",
    "rotated_paths",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_BACKUPS = 5
_logger = logging.getLogger("shared_ollama.telemetry")
_FILE_RECORDERS: dict[Path, PerformanceRecorder] = {}
_FILE_RECORDERS_LOCK = threading.Lock()


def rotated_paths(path: str | os.PathLike[str], backups: int) -> list[Path]:
    """Return ``path`` and its rotated copies, newest first: ``p``, ``p.1``, ... ``p.backups``."""
    base = Path(path)
    return [base, *(base.with_name(f"{base.name}.{index}") for index in range(1, backups + 1))]


class JsonlSink:
    """Appends records as JSON Lines to a file that rotates when it reaches a size cap.

    Args:
        path: The file, e.g. ``logs/performance.jsonl``; its folder is created when missing.
        max_bytes: Size past which the file rotates; ``0`` never rotates.
        backups: How many rotated files to keep.
        interprocess: Hold a lock file around each append so processes can share the file.
    """

    __slots__ = ("_file_lock", "_lock", "backups", "interprocess", "max_bytes", "path")

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        backups: int = DEFAULT_BACKUPS,
        interprocess: bool = True,
    ) -> None:
        if max_bytes < 0 or backups < 0:
            raise ValueError(f"max_bytes and backups must be >= 0, got {max_bytes}, {backups}")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backups = backups
        self.interprocess = interprocess
        self._lock = threading.Lock()
        self._file_lock: FileLock | None = None

    def __repr__(self) -> str:
        return f"JsonlSink({str(self.path)!r}, max_bytes={self.max_bytes}, backups={self.backups})"

    def write(self, record: Mapping[str, Any]) -> None:
        """Append one record as a line, rotating first when the line would pass the cap."""
        line = orjson.dumps(record) + b"\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.interprocess:
                self._append(line)
                return
            if self._file_lock is None:
                self._file_lock = FileLock(str(self.path) + ".lock")
            with self._file_lock:
                self._append(line)

    def _append(self, line: bytes) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        if self.max_bytes and size and size + len(line) > self.max_bytes:
            self._rotate()
        with self.path.open("ab") as stream:
            stream.write(line)

    def _rotate(self) -> None:
        paths = rotated_paths(self.path, self.backups)
        if self.backups == 0:
            self.path.unlink(missing_ok=True)
            return
        paths[-1].unlink(missing_ok=True)
        for newer, older in zip(reversed(paths[:-1]), reversed(paths[1:]), strict=True):
            if newer.exists():
                newer.replace(older)


def file_recorder(path: str | os.PathLike[str]) -> PerformanceRecorder:
    """Return the process's one recorder appending to ``path`` (made on first use).

    Every client that logs to the same file shares it, so appends and rotation go through one
    sink. This is what ``SHARED_OLLAMA_PERFORMANCE_LOG`` turns on.
    """
    key = Path(path).absolute()
    with _FILE_RECORDERS_LOCK:
        recorder = _FILE_RECORDERS.get(key)
        if recorder is None:
            recorder = _FILE_RECORDERS[key] = PerformanceRecorder(sink=JsonlSink(key))
        return recorder


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        yield from stream


def read_records(
    paths: Iterable[str | os.PathLike[str]], *, include_rotated: bool = False
) -> tuple[list[PerformanceRecord], int]:
    """Read performance records from JSON Lines files, oldest file first.

    Blank lines are ignored; lines that are not records are counted and skipped (a crash may cut
    the last line short).

    Args:
        paths: The files to read.
        include_rotated: Also read each file's rotated copies (``.1``, ``.2``...) that exist.

    Returns:
        The records, and how many lines were skipped.

    Raises:
        FileNotFoundError: When a named file does not exist.
    """
    records: list[PerformanceRecord] = []
    skipped = 0
    for name in paths:
        path = Path(name)
        if not path.exists():
            raise FileNotFoundError(f"no records file at {path}: check the path or run a load test")
        files = [path]
        index = 1
        while include_rotated and path.with_name(f"{path.name}.{index}").exists():
            files.insert(0, path.with_name(f"{path.name}.{index}"))
            index += 1
        for file in files:
            for line in _lines(file):
                if not line.strip():
                    continue
                try:
                    data = orjson.loads(line)
                    records.append(PerformanceRecord.from_dict(data))
                except (orjson.JSONDecodeError, ValueError, AttributeError):
                    skipped += 1
    if skipped:
        _logger.warning("skipped %d lines that were not performance records", skipped)
    return records, skipped
