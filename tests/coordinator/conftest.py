"""Fixtures for the coordinator: a real redis-server on a free loopback port, and both back-ends."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared_ollama._coordinator._leases import Coordinator
from shared_ollama._coordinator._policy import SchedulingPolicy
from shared_ollama._coordinator._sqlite import SqliteCoordinator

REDIS_SERVER_VARIABLE = "SHARED_OLLAMA_REDIS_SERVER"
TEST_POLICY = SchedulingPolicy(lease_ttl=1.0, aging_step=30.0)
"""A short TTL so lease expiry shows within a test; aging out of the way."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """``redis://127.0.0.1:PORT`` of a redis-server this fixture starts (skips when none exists)."""
    binary = os.environ.get(REDIS_SERVER_VARIABLE) or shutil.which("redis-server")
    if not binary:
        pytest.skip(
            "no redis-server found: install it (apt-get install -y redis-server) or set "
            f"{REDIS_SERVER_VARIABLE} to its path to run the Redis coordinator tests"
        )
    pytest.importorskip(
        "redis", reason="the redis client is missing: pip install 'shared-ollama[redis]'"
    )
    import redis

    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail(f"redis-server ({binary}) did not answer on port {port}")
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The test redis-server, emptied for this test."""
    import redis

    with redis.Redis.from_url(redis_server) as client:
        client.flushdb()
    return redis_server


@pytest.fixture(params=["embedded", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a coordinator keeps its state: a runtime folder, or a ``redis://`` URL."""
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        return url
    return str(tmp_path / "run")


def open_coordinator(store: str, policy: SchedulingPolicy = TEST_POLICY) -> Coordinator:
    """A coordinator on ``store`` (several may share one store, as processes do)."""
    if store.startswith("redis://"):
        from shared_ollama._coordinator._redis import RedisCoordinator

        return RedisCoordinator(store, policy=policy, poll_interval=0.2)
    return SqliteCoordinator(Path(store), policy=policy, poll_interval=0.2)


@pytest.fixture
def coordinator(store: str) -> Iterator[Coordinator]:
    """A coordinator on each back-end in turn (one shared contract)."""
    opened = open_coordinator(store)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def another(store: str) -> Iterator[Coordinator]:
    """A second coordinator on the same store: another process's view of it."""
    opened = open_coordinator(store)
    try:
        yield opened
    finally:
        opened.close()
