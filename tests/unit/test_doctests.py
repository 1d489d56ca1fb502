"""Docstring examples and the README's Python block are run, so they cannot drift from the code."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "src" / "councilplan"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules_with_examples() -> list[str]:
    found = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent)
        if "migrations" in rel.parts or ">>>" not in path.read_text(encoding="utf-8"):
            continue
        parts = rel.with_suffix("").parts
        found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_examples_are_found() -> None:
    assert "councilplan.planning.solve" in _modules_with_examples()


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=FLAGS, report=True)
    assert result.attempted > 0, f"{name} has '>>>' but no example doctest can run"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail (see the output above)"


def test_readme_python_block() -> None:
    readme = ROOT / "README.md"
    result = doctest.testfile(str(readme), module_relative=False, optionflags=FLAGS, report=True)
    assert result.attempted >= 4, "the README's Python block should be written as a doctest (>>> lines)"
    assert result.failed == 0, f"{result.failed} of {result.attempted} README examples fail (see the output above)"
