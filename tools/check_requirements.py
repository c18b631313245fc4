"""Check that constraints.txt and the declared floors agree with the four pyproject.toml files.

Three checks, each exits 1 with one line per problem (0 when all is well):

``pins``
    Every requirement any pyproject.toml asks for (dependencies, extras, dependency groups) has a
    pin in constraints.txt that satisfies it, for Python 3.10 and for 3.13. Pure: reads files.
``installed``
    Every distribution installed in the running interpreter's environment (except the four of
    this repository) is pinned in constraints.txt, at the installed version. Run with the venv's
    Python after ``scripts/test.sh`` (and the benchmark peers) installed it: it catches a
    transitive dependency that constraints.txt does not cover.
``floors``
    Run with the Python of an environment installed with ``uv pip install --resolution
    lowest-direct``: every lower bound declared for the distributions' dependencies and extras,
    and for the ``test`` group, is the version that got installed. A floor that the resolver had
    to raise (because another requirement needs more) was never tested, so it must be raised.

``python tools/check_requirements.py pins`` is also run by the test suite
(tests/unit/test_requirements.py). Needs ``packaging``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest, and so every venv that runs this, depends on tomli before 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
PROJECTS = (
    ".",
    "integrations/langchain-shared-ollama",
    "integrations/llama-index-llms-shared-ollama",
    "integrations/llama-index-embeddings-shared-ollama",
)
PYTHONS = ("3.10", "3.13")
FLOOR_GROUPS = frozenset({"test"})
"""Groups whose floors the lowest-direct step installs, so proves (lint tools are not run)."""


@dataclass(frozen=True)
class Declared:
    """One requirement and where it is declared (``pyproject.toml`` path and section)."""

    requirement: Requirement
    where: str


@dataclass(frozen=True)
class Pin:
    """One ``name==version`` line of constraints.txt, with its marker."""

    name: str
    version: Version
    marker: Marker | None

    def applies(self, python: str) -> bool:
        """Whether the line is in force on that Python (``3.10``), on this platform."""
        return self.marker is None or self.marker.evaluate(_environment(python))


def _environment(python: str) -> dict[str, str]:
    return {"python_version": python, "python_full_version": f"{python}.0"}


def own_names() -> frozenset[str]:
    """The canonical names of this repository's distributions."""
    return frozenset(canonicalize_name(_project(folder)["project"]["name"]) for folder in PROJECTS)


def _project(folder: str) -> dict[str, object]:
    text = (ROOT / folder / "pyproject.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def declared(*, groups: frozenset[str] | None = None) -> Iterator[Declared]:
    """Every requirement of the four pyprojects; dependency groups limited to ``groups``."""
    for folder in PROJECTS:
        data = _project(folder)
        where = f"{folder}/pyproject.toml"
        project = data["project"]
        assert isinstance(project, dict)
        for text in project.get("dependencies", []):
            yield Declared(Requirement(text), f"{where} dependencies")
        for extra, items in project.get("optional-dependencies", {}).items():
            for text in items:
                yield Declared(Requirement(text), f"{where} [{extra}]")
        for group, items in data.get("dependency-groups", {}).items():  # type: ignore[union-attr]
            if groups is not None and group not in groups:
                continue
            for item in items:
                if isinstance(item, str):  # {include-group = ...} tables add nothing new
                    yield Declared(Requirement(item), f"{where} group {group}")


def pins() -> list[Pin]:
    """The lines of constraints.txt."""
    found = []
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        requirement = Requirement(text)
        (spec,) = requirement.specifier
        if spec.operator != "==":
            raise ValueError(f"constraints.txt: {line!r} is not a name==version pin")
        found.append(
            Pin(canonicalize_name(requirement.name), Version(spec.version), requirement.marker)
        )
    return found


def _pinned(all_pins: list[Pin], name: str, python: str) -> list[Pin]:
    return [pin for pin in all_pins if pin.name == name and pin.applies(python)]


def check_pins() -> list[str]:
    """Problems: requirements without a pin, or with a pin outside what they allow."""
    problems = []
    all_pins = pins()
    ours = own_names()
    for item in declared():
        name = canonicalize_name(item.requirement.name)
        if name in ours:
            continue
        for python in PYTHONS:
            marker = item.requirement.marker
            if marker is not None and not marker.evaluate(_environment(python)):
                continue
            found = _pinned(all_pins, name, python)
            if len(found) != 1:
                problems.append(
                    f"{item.requirement} ({item.where}): {len(found)} pins in constraints.txt "
                    f"for Python {python}, want 1 (run python tools/update_constraints.py)"
                )
            elif not item.requirement.specifier.contains(found[0].version, prereleases=True):
                problems.append(
                    f"{item.requirement} ({item.where}): constraints.txt pins {found[0].version} "
                    f"for Python {python} (run python tools/update_constraints.py)"
                )
    return problems


def check_installed() -> list[str]:
    """Problems: installed distributions that constraints.txt does not pin at their version."""
    all_pins = [
        pin for pin in pins() if pin.marker is None or pin.marker.evaluate()
    ]  # this interpreter's own environment, micro version included
    ours = own_names()
    problems = []
    for dist in importlib.metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"])
        if name in ours:
            continue
        found = [pin for pin in all_pins if pin.name == name]
        version = Version(dist.version)
        if not found:
            problems.append(f"{name} {version} is installed but not pinned in constraints.txt")
        elif found[0].version != version:
            problems.append(
                f"{name} {version} is installed; constraints.txt pins {found[0].version}"
            )
    return problems


def _floor(requirement: Requirement) -> Version | None:
    floors = [
        Version(spec.version)
        for spec in requirement.specifier
        if spec.operator in {">=", "==", "~="}
    ]
    return max(floors) if floors else None


def check_floors() -> list[str]:
    """Problems: declared floors that are not the version installed (by lowest-direct)."""
    problems = []
    ours = own_names()
    installed = {
        canonicalize_name(dist.metadata["Name"]): Version(dist.version)
        for dist in importlib.metadata.distributions()
    }
    for item in declared(groups=FLOOR_GROUPS):
        name = canonicalize_name(item.requirement.name)
        floor = _floor(item.requirement)
        if floor is None or name not in installed:
            continue
        if name in ours:
            floor_ok = item.requirement.specifier.contains(installed[name], prereleases=True)
            if not floor_ok:
                problems.append(f"{item.requirement} ({item.where}): {installed[name]} installed")
            continue
        if installed[name] != floor:
            problems.append(
                f"{item.requirement} ({item.where}): the lowest resolution installed "
                f"{installed[name]}; raise the floor to it (or find what forces it up)"
            )
    return problems


CHECKS = {"pins": check_pins, "installed": check_installed, "floors": check_floors}


def main(argv: list[str] | None = None) -> int:
    """Run one check; print its problems; 1 when there are any."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("check", choices=sorted(CHECKS))
    args = parser.parse_args(argv)
    problems = CHECKS[args.check]()
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{args.check}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
