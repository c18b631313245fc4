"""constraints.txt agrees with what the four pyproject.toml files ask for (tools/check_requirements.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_constraints_pin_every_requirement_within_its_range() -> None:
    """Every requirement, extra and group member has one pin it allows, on 3.10 and on 3.13."""
    assert _tool("check_requirements").check_pins() == []


def test_constraints_check_names_a_pin_outside_the_range(tmp_path: Path, monkeypatch) -> None:
    """A pin the pyproject does not allow, or a missing one, is reported with the fix."""
    check = _tool("check_requirements")
    drifted = tmp_path / "constraints.txt"
    lines = check.CONSTRAINTS.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith(("httpx==", "orjson=="))]
    drifted.write_text("\n".join([*kept, "httpx==0.20.0"]) + "\n", encoding="utf-8")
    monkeypatch.setattr(check, "CONSTRAINTS", drifted)

    problems = check.check_pins()

    assert any(p.startswith("httpx") and "pins 0.20.0" in p for p in problems)
    assert any(p.startswith("orjson") and "0 pins" in p for p in problems)
    assert all("tools/update_constraints.py" in p for p in problems)
