"""The Redis coordinator: one queue per Ollama host shared by every machine of a LAN.

Set ``SHARED_OLLAMA_COORDINATOR=redis://host:port/db`` (and install the ``redis`` extra). The
decisions are the same pure policy as the embedded back-end; a step is atomic through two Lua
scripts: one reads the host's state with the server's clock and a version number, the other
writes the step's changes only if the version is unchanged (else the step runs again on a fresh
read). Leases expire with key TTLs: each ticket has a ``L:<id>`` key set with ``PX`` and renewed
by its owner's heartbeat; a ticket whose key is gone is dropped at the next step. A granted
waiter is woken through a list it blocks on (``BLPOP``), in grant order.

Keys, under ``shared-ollama:<hash of the host>:``: ``T`` (hash: ticket id -> ticket), ``M``
(hash: fair-share passes, loaded models, agreed options), ``V`` (version), ``L:<id>`` (lease
liveness), ``W:<id>`` (wake-up list); ``shared-ollama:hosts`` lists the hosts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared_ollama._coordinator._codec import decode_ticket, encode_ticket
from shared_ollama._coordinator._leases import (
    DEFAULT_POLL_INTERVAL,
    Coordinator,
    Step,
    WakeChannel,
)
from shared_ollama._coordinator._options import AgreedOptions
from shared_ollama._coordinator._policy import Changes, HostView, SchedulingPolicy
from shared_ollama._host import mask_url
from shared_ollama._json import dumps, loads

if TYPE_CHECKING:
    import redis

__all__ = ["RedisCoordinator", "load_redis"]

_NAMESPACE = "shared-ollama"
_MAX_CONFLICTS = 200
_WAKE_TTL_MS = 60_000

_READ = """
local tickets = redis.call('HGETALL', KEYS[1])
local marks = redis.call('HGETALL', KEYS[2])
local version = redis.call('GET', KEYS[3]) or '0'
local ttls = {}
for i = 1, #tickets, 2 do
  ttls[#ttls + 1] = redis.call('PTTL', ARGV[1] .. 'L:' .. tickets[i])
end
return {tickets, marks, version, redis.call('TIME'), ttls}
"""

_APPLY = """
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[1] then return 0 end
local prefix = ARGV[2]
local changes = cjson.decode(ARGV[3])
for _, id in ipairs(changes[1]) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('DEL', prefix .. 'L:' .. id)
end
for _, t in ipairs(changes[2]) do
  redis.call('HSET', KEYS[1], t[1], t[2])
  redis.call('SET', prefix .. 'L:' .. t[1], '1', 'PX', t[3])
end
for _, m in ipairs(changes[3]) do
  redis.call('HSET', KEYS[2], m[1], m[2])
end
for _, id in ipairs(changes[4]) do
  redis.call('RPUSH', prefix .. 'W:' .. id, '1')
  redis.call('PEXPIRE', prefix .. 'W:' .. id, ARGV[5])
end
redis.call('INCR', KEYS[3])
redis.call('SADD', KEYS[4], ARGV[4])
return 1
"""


def load_redis() -> Any:
    """The ``redis`` module, or an ``ImportError`` saying how to install it."""
    try:
        import redis  # noqa: PLC0415 (optional extra, loaded only for a redis:// coordinator)
    except ImportError as exc:
        raise ImportError(
            "SHARED_OLLAMA_COORDINATOR is a redis:// URL but the redis client is not installed: "
            "pip install 'shared-ollama[redis]'."
        ) from exc
    return redis


def _prefix(host: str) -> str:
    return f"{_NAMESPACE}:{hashlib.sha256(host.encode()).hexdigest()[:16]}:"


class _ListChannel(WakeChannel):
    """Blocks on the ticket's wake-up list (``BLPOP``)."""

    __slots__ = ("_client", "_key")

    def __init__(self, client: redis.Redis, key: str) -> None:
        self._client = client
        self._key = key

    def wait(self, timeout: float) -> None:
        if timeout <= 0:
            return
        self._client.blpop([self._key], timeout=max(timeout, 0.01))

    async def wait_async(self, timeout: float) -> None:
        await asyncio.to_thread(self.wait, timeout)

    def close(self) -> None:
        self._client.delete(self._key)


class RedisCoordinator(Coordinator):
    """The coordinator of several machines, stored in Redis.

    Args:
        url: ``redis://host:port/db`` (or a ``rediss://`` URL).
        policy: The scheduling tunables.
        clock: Seconds (default: the Redis server's clock, the same for every machine).
        poll_interval: Seconds a waiter blocks at most between two looks.
    """

    blocking_io = True

    def __init__(
        self,
        url: str,
        *,
        policy: SchedulingPolicy | None = None,
        clock: Callable[[], float] | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        super().__init__(
            policy=policy or SchedulingPolicy(), clock=clock, poll_interval=poll_interval
        )
        module = load_redis()
        self.url = url
        self._client: redis.Redis = module.Redis.from_url(url)
        self._read = self._client.register_script(_READ)
        self._apply = self._client.register_script(_APPLY)

    def _transact(self, host: str, step: Step) -> tuple[HostView, Changes]:
        prefix = _prefix(host)
        keys = [prefix + "T", prefix + "M", prefix + "V", f"{_NAMESPACE}:hosts"]
        for _ in range(_MAX_CONFLICTS):
            tickets, marks, version, server_time, ttls = self._read(keys=keys[:3], args=[prefix])
            now = (
                self.clock()
                if self.clock is not None
                else int(server_time[0]) + int(server_time[1]) / 1e6
            )
            view = self._view(now, tickets, marks, ttls)
            changes = step(view)
            if not changes:
                return view, changes
            payload = self._encode(view, changes)
            if self._apply(keys=keys, args=[version, prefix, payload, host, _WAKE_TTL_MS]):
                return view, changes
        raise RuntimeError(
            f"The Redis coordinator at {mask_url(self.url)} kept changing under {_MAX_CONFLICTS} tries "
            f"for {host}; is another program writing under '{_NAMESPACE}:'?"
        )

    @staticmethod
    def _view(now: float, tickets: list[bytes], marks: list[bytes], ttls: list[int]) -> HostView:
        found = {}
        for index in range(0, len(tickets), 2):
            ticket = decode_ticket(loads(tickets[index + 1]))
            left = ttls[index // 2]
            expires = now + left / 1000 if left > 0 else now
            found[ticket.id] = dataclasses.replace(ticket, expires_at=expires)
        passes: dict[str, float] = {}
        loaded: dict[str, float] = {}
        agreements: dict[str, AgreedOptions] = {}
        for index in range(0, len(marks), 2):
            kind, _, name = marks[index].decode().partition(":")
            value = loads(marks[index + 1])
            if kind == "p":
                passes[name] = value
            elif kind == "l":
                loaded[name] = value
            else:
                agreements[name] = AgreedOptions(*value)
        return HostView(now, found, passes, loaded, agreements)

    @staticmethod
    def _encode(view: HostView, changes: Changes) -> bytes:
        now = view.now
        marks = [
            *(["p:" + name, dumps(value).decode()] for name, value in changes.passes.items()),
            *(["l:" + name, dumps(value).decode()] for name, value in changes.loaded.items()),
            *(
                ["a:" + name, dumps([agreed.num_ctx, agreed.keep_alive]).decode()]
                for name, agreed in changes.agreements.items()
            ),
        ]
        put = [
            [
                ticket.id,
                dumps(encode_ticket(ticket)).decode(),
                max(1, int((ticket.expires_at - now) * 1000)),
            ]
            for ticket in changes.put.values()
        ]
        return dumps([sorted(changes.drop), put, marks, changes.woken])

    def _channel(self, host: str, ticket_id: str) -> WakeChannel:
        return _ListChannel(self._client, f"{_prefix(host)}W:{ticket_id}")

    def hosts(self) -> list[str]:
        members: set[bytes] = self._client.smembers(f"{_NAMESPACE}:hosts")  # type: ignore[assignment]
        return sorted(member.decode() for member in members)

    def close(self) -> None:
        self._stop_heartbeat()
        self._client.close()

    def __repr__(self) -> str:
        return f"RedisCoordinator({mask_url(self.url)!r})"
