"""What the pytest plugin costs a project that never uses it: ``pytest --collect-only``.

pytest loads our ``pytest11`` plugin in every run wherever shared-ollama is installed. This times
``pytest --collect-only`` in a throwaway project that never calls Ollama (40 modules of 10 tests,
no conftest), interleaving three variants round by round so machine load hits them alike:

* ``without``: ``-p no:shared_ollama`` (the plugin not loaded at all), the baseline;
* ``with``: the plugin loaded from its entry point, as every user gets it (other installed
  plugins are not autoloaded in any variant: they would only add noise);
* ``importing``: the plugin plus a module that imports ``shared_ollama``, which is what loading
  the plugin cost when it lived inside the package (for comparison).

It prints the median of each and the difference to the baseline; the target is ``with`` no more
than 10 ms above ``without``. Run: ``python benchmarks/pytest_plugin_overhead.py [ROUNDS]``
(default 15 rounds, about a minute).

Measured on the 2-core development box (load average 8-9 from other jobs, 15 rounds):
see the figures in the closing note of issue 13 and the output of this script.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MS = 10.0
MODULES, TESTS = 40, 10
# Other installed plugins are not autoloaded (they would only add noise); ours is named with -p,
# which loads it from its entry point exactly as autoloading does.
VARIANTS = {
    "without": ["-p", "no:shared_ollama"],
    "with": ["-p", "shared_ollama"],
    "importing": ["-p", "shared_ollama", "-p", "_imports_shared_ollama"],
}


def _project(root: Path) -> None:
    """A project that never calls Ollama: plain test modules and an empty pytest config."""
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    body = "\n".join(f"def test_{n}():\n    assert {n} == {n}\n" for n in range(TESTS))
    for module in range(MODULES):
        (root / f"test_m{module}.py").write_text(body, encoding="utf-8")
    (root / "_imports_shared_ollama.py").write_text("import shared_ollama\n", encoding="utf-8")


def _collect_seconds(root: Path, extra: list[str]) -> float:
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    started = time.perf_counter()
    subprocess.run([*command, *extra], cwd=root, check=True, capture_output=True, env=_env(root))
    return time.perf_counter() - started


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def main(rounds: int = 15) -> int:
    """Time every variant ``rounds`` times, interleaved; print medians; 0 if the target is met."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _project(root)
        for extra in VARIANTS.values():  # warm the OS file cache and bytecode of every variant
            _collect_seconds(root, extra)
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for _ in range(rounds):
            for name, extra in VARIANTS.items():
                times[name].append(_collect_seconds(root, extra))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    base = medians["without"]
    print(f"pytest --collect-only, {MODULES * TESTS} tests, median of {rounds} rounds:")
    for name, median in medians.items():
        paired = statistics.median(
            (mine - theirs) * 1000
            for mine, theirs in zip(times[name], times["without"], strict=True)
        )
        print(
            f"  {name:<10} {median:8.1f} ms   {median - base:+7.1f} ms  (paired {paired:+.1f} ms)"
        )
    overhead = medians["with"] - base
    met = overhead <= TARGET_MS
    print(
        f"plugin overhead {overhead:+.1f} ms (target <= {TARGET_MS:.0f} ms): {'MET' if met else 'NOT MET'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 15))
