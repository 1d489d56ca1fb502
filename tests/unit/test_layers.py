"""The layers import only the layers before them (README, "Architecture")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "src" / "councilplan"

#: a layer may import its own level and the levels below it
LEVEL = {
    "model": 0,
    "examples": 1,
    "solvers": 1,
    "planning": 2,
    "scenarios": 2,
    "democracy": 3,
    "monitor": 3,
    "store": 4,
    "api": 5,
    "web": 5,
    "distributed": 5,
    "experiment": 5,
    "cli": 6,
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m.split(".")[1] for m in out if m.startswith("councilplan.") and m.count(".") >= 1}


def _files() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if p.relative_to(PKG).parts[0] in LEVEL)


def test_every_subpackage_has_a_level() -> None:
    subpackages = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert subpackages <= set(LEVEL), f"give {subpackages - set(LEVEL)} a level"


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PKG)))
def test_imports_respect_layers(path: Path) -> None:
    layer = path.relative_to(PKG).parts[0]
    bad = {m for m in _imports(path) if m in LEVEL and LEVEL[m] > LEVEL[layer]}
    assert not bad, f"{path.relative_to(PKG)} ({layer}) imports higher layers {bad}"
