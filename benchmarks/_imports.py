"""Import time and peak memory of each package, each in a fresh interpreter.

Every sample is a new ``python -c`` process that imports one module and reports the import's
wall and CPU time (``perf_counter``/``process_time`` around ``importlib.import_module``) and
the process's peak RSS before and after (``VmHWM`` from ``/proc/self/status``, which, unlike
``ru_maxrss``, does not inherit the parent's peak across ``exec``). One unmeasured import per
module first caches its bytecode, so every package is timed as installed (see
:func:`_child_environment`). The CPU time is the figure
compared between packages: on a loaded machine the wall time mostly measures waiting. Runs are interleaved (forward, then
reversed) and the medians are reported. A module that is not installed is skipped with a note.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from _measure import round_order

__all__ = ["MODULES", "ImportFigure", "measure_imports"]

MODULES = (
    "httpx",
    "ollama",
    "shared_ollama",
    "langchain_ollama",
    "langchain_shared_ollama",
    "llama_index.llms.ollama",
    "llama_index.llms.shared_ollama",
    "llama_index.embeddings.ollama",
    "llama_index.embeddings.shared_ollama",
)
"""Modules whose import is measured, in run order."""

_CHILD = """
import importlib, sys, time

def high_water_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

base = high_water_kib()
wall, cpu = time.perf_counter(), time.process_time()
importlib.import_module(sys.argv[1])
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
peak = high_water_kib()
import json
print(json.dumps({"import_s": wall, "cpu_s": cpu, "base_kib": base, "peak_kib": peak}))
"""


@dataclass(frozen=True, slots=True)
class ImportFigure:
    """Medians over runs for one module.

    Attributes:
        module: The module imported.
        import_s: Median wall seconds of the import itself.
        cpu_s: Median CPU seconds of the import.
        process_s: Median wall seconds of the whole child process (startup + import + exit).
        peak_rss_mib: Median peak RSS of the process after the import, MiB.
        added_rss_mib: Median peak RSS added by the import over the bare interpreter, MiB.
        runs: Runs measured.
        note: Why the module was skipped, else empty.
    """

    module: str
    import_s: float | None
    cpu_s: float | None
    process_s: float | None
    peak_rss_mib: float | None
    added_rss_mib: float | None
    runs: int
    note: str = ""


def _child_environment() -> dict[str, str]:
    """The children's environment, allowed to cache bytecode.

    Every package is measured as an installed one runs: from cached bytecode. ``pip install``
    byte-compiles a wheel's modules, but an editable install (ours, in this repository) gets
    its ``__pycache__`` only when an import may write it; with ``PYTHONDONTWRITEBYTECODE`` set
    (as on some CI and agent machines) every child would recompile our modules from source and
    none of the peers', which measures the compiler, not the package.
    """
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def _sample(module: str, environment: dict[str, str] | None = None) -> dict[str, float] | str:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, module],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=environment,
    )
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no error output"])[-1]
        return f"skipped: import failed ({last})"
    sample: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    sample["process_s"] = time.perf_counter() - started
    return sample


def measure_imports(modules: Sequence[str], runs: int) -> list[ImportFigure]:
    """Measure each module's import ``runs`` times in fresh interpreters.

    Args:
        modules: Modules to import.
        runs: Samples per module.

    Returns:
        One figure per module, in the order given.
    """
    samples: dict[str, list[dict[str, float]]] = {module: [] for module in modules}
    notes: dict[str, str] = {}
    environment = _child_environment()
    for module in modules:  # warm-up, not measured: writes any bytecode not cached yet
        warm = _sample(module, environment)
        if isinstance(warm, str):
            notes[module] = warm
    for run in range(runs):
        for module in round_order([m for m in modules if m not in notes], run):
            sample = _sample(module, environment)
            if isinstance(sample, str):
                notes[module] = sample
            else:
                samples[module].append(sample)
    figures = []
    for module in modules:
        taken = samples[module]
        if module in notes or not taken:
            note = notes.get(module, "skipped: no sample")
            figures.append(ImportFigure(module, None, None, None, None, None, 0, note))
            continue

        def median(key: str, values: list[dict[str, float]] = taken) -> float:
            return statistics.median(value[key] for value in values)

        figures.append(
            ImportFigure(
                module=module,
                import_s=median("import_s"),
                cpu_s=median("cpu_s"),
                process_s=median("process_s"),
                peak_rss_mib=median("peak_kib") / 1024,
                added_rss_mib=statistics.median(s["peak_kib"] - s["base_kib"] for s in taken)
                / 1024,
                runs=len(taken),
            )
        )
    return figures
