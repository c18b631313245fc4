"""How a client joins the machine-wide slots of a host (the coordinator), when they are on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared_ollama._settings import EnvironmentDefaults, default_project_name

if TYPE_CHECKING:
    from shared_ollama._coordinator._policy import Priority
    from shared_ollama._coordinator._slots import MachineQueue

__all__ = ["machine_queue"]


def machine_queue(
    base_url: str,
    slots: int | None,
    settings: EnvironmentDefaults,
    *,
    project: str | None,
    priority: Priority,
) -> MachineQueue | None:
    """The machine-wide slots of one host through the coordinator, when enabled.

    The coordinator's modules load only then; the project defaults to the working folder's.
    """
    if slots is None:
        return None
    from shared_ollama._coordinator._registry import coordinator_for  # noqa: PLC0415 (opt-in)
    from shared_ollama._coordinator._slots import MachineQueue  # noqa: PLC0415 (opt-in)

    return MachineQueue(
        coordinator_for(settings),
        base_url,
        slots,
        project=project or default_project_name(),
        priority=priority,
        weight=settings.project_weight or 1.0,
    )
