"""Run by the lease tests in a child process: take one slot, say so, then hold it forever."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from shared_ollama._coordinator._leases import SlotRequest
from shared_ollama._coordinator._policy import SchedulingPolicy


def main() -> None:
    """``hold_slot.py STORE HOST TTL``: acquire a slot of HOST, print ``held``, sleep."""
    store, host, ttl = sys.argv[1], sys.argv[2], float(sys.argv[3])
    policy = SchedulingPolicy(lease_ttl=ttl, aging_step=30.0)
    if store.startswith("redis://"):
        from shared_ollama._coordinator._redis import RedisCoordinator

        coordinator = RedisCoordinator(store, policy=policy)
    else:
        from shared_ollama._coordinator._sqlite import SqliteCoordinator

        coordinator = SqliteCoordinator(Path(store), policy=policy)
    coordinator.acquire(
        SlotRequest(host=host, project="child", priority="normal", model="m", slots=1), 30.0
    )
    print("held", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main()
