"""The appliance process never loads numpy or trimesh: only the worker imports the CAD agent."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_agents_package_imports_nothing() -> None:
    tree = ast.parse((ROOT / "edge/agents/__init__.py").read_text())
    assert not [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]


def test_the_spec_and_errors_load_without_numpy() -> None:
    code = "import sys, edge.agents.spec, edge.agents.errors; print(sorted({'numpy', 'trimesh', 'manifold3d'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_only_the_cad_package_imports_it() -> None:
    importers = []
    for module in (ROOT / "edge").rglob("*.py"):
        if (ROOT / "edge/agents/cad") in module.parents:
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if any(name.startswith(("edge.agents.cad", "trimesh", "manifold3d", "numpy")) for name in names):
                importers.append(str(module.relative_to(ROOT)))
    assert importers == []
