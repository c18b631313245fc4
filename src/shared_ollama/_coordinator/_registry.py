"""One coordinator per store for the whole process, built from the settings on first use.

Every client of a process that turns machine-wide slots on shares one :class:`Coordinator`
(one database connection or Redis pool, one heartbeat thread). :func:`reset_coordinators`
closes them all; the project's pytest plugin calls it between tests.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from shared_ollama._coordinator._policy import DEFAULT_AGING_STEP, SchedulingPolicy

if TYPE_CHECKING:
    from shared_ollama._coordinator._leases import Coordinator
    from shared_ollama._settings import EnvironmentDefaults

__all__ = ["coordinator_for", "policy_from", "reset_coordinators"]

_lock = threading.Lock()
_coordinators: dict[tuple[str, SchedulingPolicy], Coordinator] = {}


def policy_from(settings: EnvironmentDefaults) -> SchedulingPolicy:
    """The scheduling tunables the environment asks for."""
    return SchedulingPolicy(
        aging_step=settings.aging_step or DEFAULT_AGING_STEP,
        num_ctx_ceiling=settings.num_ctx_ceiling,
    )


def coordinator_for(settings: EnvironmentDefaults) -> Coordinator:
    """The process's coordinator for these settings: Redis when a URL is set, else embedded.

    Raises:
        ValueError: Neither a coordinator URL nor a runtime folder is known.
        ImportError: A ``redis://`` URL without the ``redis`` extra installed.
    """
    policy = policy_from(settings)
    if settings.coordinator is not None:
        where = settings.coordinator
    elif settings.runtime_dir is not None:
        where = str(settings.runtime_dir)
    else:
        raise ValueError(
            "Machine-wide slots need somewhere to coordinate: set SHARED_OLLAMA_RUNTIME_DIR "
            "(one machine) or SHARED_OLLAMA_COORDINATOR=redis://host:port/db (several)."
        )
    key = (where, policy)
    with _lock:
        found = _coordinators.get(key)
        if found is None:
            found = _coordinators[key] = _open(where, policy)
        return found


def _open(where: str, policy: SchedulingPolicy) -> Coordinator:
    if where.startswith(("redis://", "rediss://")):
        from shared_ollama._coordinator._redis import RedisCoordinator  # noqa: PLC0415 (extra)

        return RedisCoordinator(where, policy=policy)
    from pathlib import Path  # noqa: PLC0415 (only the embedded store needs it)

    from shared_ollama._coordinator._sqlite import SqliteCoordinator  # noqa: PLC0415 (opt-in)

    return SqliteCoordinator(Path(where), policy=policy)


def reset_coordinators() -> None:
    """Close every coordinator this process opened (their leases are released by expiry)."""
    with _lock:
        opened = list(_coordinators.values())
        _coordinators.clear()
    for coordinator in opened:
        coordinator.close()
