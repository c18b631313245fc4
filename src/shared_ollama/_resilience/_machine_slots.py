"""A cap on requests in flight to one host shared by every process of this user on the machine.

Ten projects on one laptop each capping themselves at four requests still send forty at once.
:class:`MachineSlots` is a counting semaphore made of ``N`` lock files in a runtime folder: a
request holds one file lock while it is in flight, so at most ``N`` requests from all processes
reach the host at a time. Locks are advisory ``flock`` locks held by open file descriptors, so a
crashed process frees its slot at once. Opt in with ``machine_slots=N`` on a client or
``SHARED_OLLAMA_MACHINE_SLOTS=N`` in the environment.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from pathlib import Path

import filelock

from shared_ollama._core._error_mapping import timeout_error
from shared_ollama._private_files import PRIVATE_FILE_MODE, check_not_symlink, private_dir

__all__ = ["DEFAULT_POLL_INTERVAL", "MachineSlots"]

DEFAULT_POLL_INTERVAL = 0.02
"""Seconds between two tries while every slot is taken."""


class MachineSlots:
    """``slots`` lock files for one host; holding one of them is a request in flight.

    Args:
        base_url: The host the slots belong to (one set of files per host).
        slots: How many requests may be in flight from all processes together.
        directory: Where the lock files live.
        poll_interval: Seconds between tries while every slot is taken.
    """

    __slots__ = ("_guard", "_locks", "_next", "base_url", "poll_interval")

    def __init__(
        self,
        base_url: str,
        slots: int,
        *,
        directory: Path,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        if slots < 1:
            raise ValueError(f"machine slots={slots!r} must be at least 1.")
        private_dir(directory, variable="SHARED_OLLAMA_RUNTIME_DIR")
        key = hashlib.sha256(base_url.encode()).hexdigest()[:16]
        self.base_url = base_url
        self.poll_interval = poll_interval
        self._locks = [
            filelock.FileLock(
                check_not_symlink(directory / f"slot-{key}-{index}.lock"),
                thread_local=False,
                mode=PRIVATE_FILE_MODE,
            )
            for index in range(slots)
        ]
        self._next = 0
        self._guard = threading.Lock()

    def _try_once(self) -> filelock.BaseFileLock | None:
        with self._guard:  # the locks are reentrant: one thread of ours at a time tries them
            count = len(self._locks)
            start = self._next
            for offset in range(count):
                lock = self._locks[(start + offset) % count]
                if lock.is_locked:
                    continue  # held by another thread of this process
                try:
                    lock.acquire(timeout=0)
                except filelock.Timeout:
                    continue
                self._next = (start + offset + 1) % count
                return lock
            return None

    def acquire(self, timeout: float | None) -> filelock.BaseFileLock:
        """Block until a slot is free (or raise the ``pool`` timeout) and return its lock."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (lock := self._try_once()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise timeout_error("pool", timeout=timeout, host=self.base_url)
            time.sleep(self.poll_interval)
        return lock

    async def aacquire(self, timeout: float | None) -> filelock.BaseFileLock:
        """Wait (without blocking the loop) until a slot is free, and return its lock."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (lock := self._try_once()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise timeout_error("pool", timeout=timeout, host=self.base_url)
            await asyncio.sleep(self.poll_interval)
        return lock

    def release(self, lock: filelock.BaseFileLock) -> None:
        """Free a slot taken by :meth:`acquire`."""
        with self._guard:
            lock.release()

    def __repr__(self) -> str:
        return f"MachineSlots({self.base_url!r}, slots={len(self._locks)})"
