"""Dependencies point one way: core <- config <- gcode <- store <- printer <- jobs <- control <- auth <- the rest."""

from __future__ import annotations

import ast
from pathlib import Path

EDGE = Path(__file__).resolve().parents[1] / "edge"
# Each package may import only from the packages listed for it (and from itself).
ALLOWED = {
    "core": set(),
    "config": {"core"},
    "gcode": {"core", "config"},
    "store": {"core", "config", "gcode"},
    "printer": {"core", "config", "gcode", "store"},
    "jobs": {"core", "config", "gcode", "store", "printer"},
    "control": {"core", "config", "gcode", "store", "printer", "jobs"},
    "auth": {"core", "config", "store", "control"},
    "agents": {"core", "config", "gcode", "jobs"},
    "telemetry": {"core", "config", "gcode", "store", "printer", "jobs", "control"},
    "ota": {"core", "config", "gcode", "store", "printer", "jobs", "control", "telemetry"},
    "web": {"core", "config", "gcode", "store", "printer", "jobs", "control", "auth", "services", "agents"},
}


def imports_of(path: Path) -> set[str]:
    """The edge packages a module imports (edge.x.y -> x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("edge."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("edge.")}
    return found


def test_nothing_imports_upward() -> None:
    wrong = []
    for package, allowed in ALLOWED.items():
        for module in (EDGE / package).rglob("*.py"):
            for imported in imports_of(module) - allowed - {package}:
                wrong.append(f"{module.relative_to(EDGE.parent)} imports edge.{imported}")
    assert wrong == []


def test_the_web_never_sees_the_simulator() -> None:
    for module in (EDGE / "web").rglob("*.py"):
        assert "simulator" not in module.read_text(), module
