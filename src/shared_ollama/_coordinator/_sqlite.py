"""The embedded coordinator: one SQLite database (WAL mode) in the user's runtime folder.

Why SQLite and not lock files: the scheduler needs a shared *queue* (who waits, since when, at
which priority, for which model) and shared counters (fair-share passes, agreed options), not
only mutual exclusion; file locks would need a state file beside them and a lock protocol of our
own. SQLite gives an atomic read-decide-write (``BEGIN IMMEDIATE``) across processes for a few
tens of microseconds in WAL mode (see the README's figures), with no server.

Wake-ups: when a step grants a waiting ticket, the granting process sends one datagram to the
waiter's Unix socket (``wake/<ticket>.sock``), so the waiter runs at once instead of polling; a
waiter still looks every ``poll_interval`` (that is how expired leases are reclaimed). Tickets of
processes that no longer exist are dropped at once (``kill -9`` frees a slot at the next step),
others when their lease TTL ends. The folder is created ``0700`` (one that another user owns or others may write to is
refused) and the database ``0600``, never through a symbolic link.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import select
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from shared_ollama._coordinator._codec import decode_view, encode_view
from shared_ollama._coordinator._leases import (
    DEFAULT_POLL_INTERVAL,
    Coordinator,
    Step,
    WakeChannel,
)
from shared_ollama._coordinator._policy import Changes, HostView, SchedulingPolicy
from shared_ollama._private_files import PRIVATE_FILE_MODE, check_not_symlink, private_dir

__all__ = ["DATABASE_NAME", "SqliteCoordinator"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # SQLite's -wal/-shm files follow the database's mode

DATABASE_NAME = "coordinator.sqlite3"
_MAX_SOCKET_PATH = 100  # sun_path holds 104-108 bytes depending on the platform
_SCHEMA = "CREATE TABLE IF NOT EXISTS hosts (host TEXT PRIMARY KEY, state BLOB NOT NULL)"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a reused pid counts as alive: the TTL then decides)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _SocketChannel(WakeChannel):
    """A datagram socket the granting process sends one byte to."""

    __slots__ = ("_path", "_socket")

    def __init__(self, path: Path) -> None:
        self._path = path
        self._socket: socket.socket | None = None
        if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.bind(os.fspath(path))
            self._socket = sock

    def wait(self, timeout: float) -> None:
        if self._socket is None:
            time.sleep(timeout)
            return
        readable, _, _ = select.select([self._socket], [], [], max(timeout, 0.0))
        if readable:
            self._drain()

    async def wait_async(self, timeout: float) -> None:
        if self._socket is None:
            await asyncio.sleep(timeout)
            return
        loop = asyncio.get_running_loop()
        with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
            await asyncio.wait_for(loop.sock_recv(self._socket, 16), max(timeout, 0.0))
        self._drain()

    def _drain(self) -> None:
        assert self._socket is not None
        with contextlib.suppress(BlockingIOError):
            while self._socket.recv(16):
                pass

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
            with contextlib.suppress(FileNotFoundError):
                self._path.unlink()


class SqliteCoordinator(Coordinator):
    """The coordinator of one machine, stored in ``directory`` (no server needed).

    Args:
        directory: The user's runtime folder for shared-ollama (created ``0700``).
        policy: The scheduling tunables.
        clock: Wall-clock seconds (default ``time.time``).
        poll_interval: Seconds a waiter sleeps at most between two looks.
    """

    def __init__(
        self,
        directory: Path,
        *,
        policy: SchedulingPolicy | None = None,
        clock: Callable[[], float] | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        super().__init__(
            policy=policy or SchedulingPolicy(), clock=clock, poll_interval=poll_interval
        )
        self.directory = directory
        self._now = clock or time.time
        # Refused when another user owns it or others may write to it (planted links).
        private_dir(directory, variable="SHARED_OLLAMA_RUNTIME_DIR")
        self._wake_dir = private_dir(directory / "wake", variable="SHARED_OLLAMA_RUNTIME_DIR")
        self.path = directory / DATABASE_NAME
        check_not_symlink(self.path)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, PRIVATE_FILE_MODE))
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._db = self._connect()
        self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sender.setblocking(False)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        # No fsync at all: after a power cut every lease is gone anyway (the folder is usually
        # a tmpfs), and WAL keeps the file consistent through a crash of any process.
        db.execute("PRAGMA synchronous=OFF")
        db.execute(_SCHEMA)
        return db

    def _connection(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:  # a forked child never shares its parent's connection
            self._pid = os.getpid()
            self._db = self._connect()
            self._held.clear()
        return self._db

    def _transact(self, host: str, step: Step) -> tuple[HostView, Changes]:
        with self._lock:
            db = self._connection()
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT state FROM hosts WHERE host = ?", (host,)).fetchone()
                view = self._without_dead(decode_view(None if row is None else row[0], self._now()))
                changes = step(view)
                if changes:
                    db.execute(
                        "INSERT OR REPLACE INTO hosts VALUES (?, ?)",
                        (host, encode_view(changes.apply(view))),
                    )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        for ticket_id in changes.woken:
            with contextlib.suppress(OSError):
                self._sender.sendto(b"1", os.fspath(self._wake_dir / f"{ticket_id}.sock"))
        return view, changes

    @staticmethod
    def _without_dead(view: HostView) -> HostView:
        """``view`` with the tickets of processes that no longer exist marked expired."""
        dead = {
            ticket_id: dataclasses.replace(ticket, expires_at=view.now)
            for ticket_id, ticket in view.tickets.items()
            if not _alive(ticket.pid)
        }
        if not dead:
            return view
        return dataclasses.replace(view, tickets={**view.tickets, **dead})

    def _channel(self, host: str, ticket_id: str) -> WakeChannel:
        return _SocketChannel(self._wake_dir / f"{ticket_id}.sock")

    def hosts(self) -> list[str]:
        with self._lock:
            db = self._connection()
            rows = db.execute("SELECT host FROM hosts").fetchall()
        return sorted(row[0] for row in rows)

    def close(self) -> None:
        self._stop_heartbeat()
        with self._lock:
            self._db.close()
        self._sender.close()

    def __repr__(self) -> str:
        return f"SqliteCoordinator({str(self.path)!r})"
