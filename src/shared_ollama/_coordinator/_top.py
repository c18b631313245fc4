"""``shared-ollama top``: who is using and waiting for the shared daemon, live.

Per host, one row per project and priority: requests in flight, requests waiting, the longest
wait, the models asked for, and the load-time options agreed for those models. ``--json`` prints
one snapshot as JSON for scripts; ``--once`` prints one table and exits (the default when stdout
is not a terminal). Works with either coordinator back-end, as the environment selects it.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared_ollama._coordinator._policy import PRIORITIES

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from shared_ollama._coordinator._leases import Coordinator, HostSnapshot

__all__ = [
    "COMMAND_HELP",
    "COMMAND_NAME",
    "TopRow",
    "configure_parser",
    "render",
    "run",
    "summarize",
    "to_json",
]

COMMAND_NAME = "top"
COMMAND_HELP = "live view of the shared slots: per project and priority, in flight and waiting"
DEFAULT_INTERVAL = 1.0


@dataclass(frozen=True, slots=True)
class TopRow:
    """One project at one priority on one host."""

    project: str
    priority: str
    in_flight: int
    waiting: int
    longest_wait: float
    models: tuple[str, ...]
    agreed: dict[str, dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON-ready values."""
        return {
            "project": self.project,
            "priority": self.priority,
            "in_flight": self.in_flight,
            "waiting": self.waiting,
            "longest_wait": round(self.longest_wait, 3),
            "models": list(self.models),
            "agreed": self.agreed,
        }


def summarize(snapshot: HostSnapshot) -> list[TopRow]:
    """One host's tickets grouped by project and priority (most urgent first, then by name)."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for ticket in snapshot.tickets:
        groups.setdefault((ticket.project, ticket.priority), []).append(ticket)
    rows = []
    for (project, priority), tickets in groups.items():
        waits = [snapshot.now - t.enqueued_at for t in tickets if not t.granted]
        models = tuple(sorted({t.model for t in tickets if t.model is not None}))
        rows.append(
            TopRow(
                project=project,
                priority=priority,
                in_flight=sum(1 for t in tickets if t.granted),
                waiting=len(waits),
                longest_wait=max(waits, default=0.0),
                models=models,
                agreed={
                    model: snapshot.agreements[model].as_dict()
                    for model in models
                    if model in snapshot.agreements
                },
            )
        )
    rank: dict[str, int] = {name: index for index, name in enumerate(PRIORITIES)}
    return sorted(rows, key=lambda row: (rank.get(row.priority, len(rank)), row.project))


def to_json(snapshots: Sequence[HostSnapshot]) -> dict[str, Any]:
    """Every host's rows and agreements as one JSON document."""
    return {
        "hosts": [
            {
                "host": snapshot.host,
                "slots": snapshot.capacity,
                "in_flight": sum(1 for t in snapshot.tickets if t.granted),
                "waiting": sum(1 for t in snapshot.tickets if not t.granted),
                "rows": [row.as_dict() for row in summarize(snapshot)],
                "agreements": {
                    model: agreed.as_dict() for model, agreed in sorted(snapshot.agreements.items())
                },
            }
            for snapshot in snapshots
        ]
    }


def _options(agreed: dict[str, dict[str, Any]]) -> str:
    parts = []
    for model, options in agreed.items():
        shown = ", ".join(f"{key}={value}" for key, value in options.items() if value is not None)
        parts.append(f"{model}: {shown}" if len(agreed) > 1 else shown)
    return "; ".join(parts) or "-"


def render(snapshots: Sequence[HostSnapshot], *, where: str) -> RenderableType:
    """A rich table per host (what ``top`` shows)."""
    from rich.console import Group  # noqa: PLC0415 (the cli extra)
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    if not snapshots:
        return Text(f"No requests through the coordinator at {where} yet.")
    tables: list[RenderableType] = []
    for snapshot in snapshots:
        in_flight = sum(1 for t in snapshot.tickets if t.granted)
        table = Table(
            title=f"{snapshot.host}  {in_flight}/{snapshot.capacity or '-'} slots in use",
            title_justify="left",
        )
        table.add_column("project")
        table.add_column("priority")
        for column in ("in flight", "waiting", "longest wait"):
            table.add_column(column, justify="right")
        table.add_column("models")
        table.add_column("agreed options")
        for row in summarize(snapshot):
            table.add_row(
                row.project,
                row.priority,
                str(row.in_flight),
                str(row.waiting),
                f"{row.longest_wait:.1f} s" if row.waiting else "-",
                ", ".join(row.models) or "-",
                _options(row.agreed),
            )
        tables.append(table)
    return Group(*tables)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add ``top``'s arguments to ``parser`` (``--json`` is the CLI's global option)."""
    parser.description = (
        "Watch the coordinator behind the machine-wide slots (SHARED_OLLAMA_COORDINATOR, else "
        "the embedded one in SHARED_OLLAMA_RUNTIME_DIR): per host, project and priority, the "
        "requests in flight and waiting, the longest wait, models and agreed options."
    )
    parser.add_argument(
        "--interval", type=float, default=DEFAULT_INTERVAL, metavar="SECONDS",
        help=f"seconds between refreshes (default {DEFAULT_INTERVAL:g})",
    )  # fmt: skip
    parser.add_argument(
        "--once", action="store_true", help="print one table and exit (the default off a terminal)"
    )


def watch(
    coordinator: Coordinator,
    console: Console,
    *,
    interval: float,
    once: bool,
    where: str,
    sleep: Callable[[float], None] = time.sleep,
    frames: int | None = None,
) -> None:
    """Show the coordinator's state on ``console``: once, or refreshed until interrupted."""
    if once or not console.is_terminal:
        console.print(render(coordinator.snapshot(), where=where))
        return
    from rich.live import Live  # noqa: PLC0415 (the cli extra)

    shown = 0
    with Live(render(coordinator.snapshot(), where=where), console=console) as live:
        while frames is None or shown < frames:
            sleep(interval)
            live.update(render(coordinator.snapshot(), where=where))
            shown += 1


def run(args: argparse.Namespace) -> int:
    """``shared-ollama top``."""
    import json  # noqa: PLC0415

    from rich.console import Console  # noqa: PLC0415 (the cli extra)

    from shared_ollama._coordinator._registry import coordinator_for  # noqa: PLC0415
    from shared_ollama._host import mask_url  # noqa: PLC0415
    from shared_ollama._settings import EnvironmentDefaults  # noqa: PLC0415

    settings = EnvironmentDefaults.from_environ()
    coordinator = coordinator_for(settings)
    where = mask_url(settings.coordinator or str(settings.runtime_dir))
    if getattr(args, "json", False):
        print(json.dumps(to_json(coordinator.snapshot()), indent=2))
        return 0
    if args.interval <= 0:
        raise ValueError(f"--interval {args.interval!r} must be a positive number of seconds.")
    try:
        watch(coordinator, Console(), interval=args.interval, once=args.once, where=where)
    except KeyboardInterrupt:
        return 130
    return 0
