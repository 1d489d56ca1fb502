"""Built-in example economies, each written from published figures with its source.

========================  =====================================================
name                      what
========================  =====================================================
``kantorovich``           Kantorovich (1939): two parts on three machine kinds,
                          alternative techniques, machine-days as resources
``germany-1995``          Eurostat manual (Beutel 2008, Table 15.4): Germany 1995,
                          6 products, two labour kinds, final demand as targets
========================  =====================================================
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from councilplan.model.economy import Economy
from councilplan.model.errors import UnknownNameError
from councilplan.model.formats import read_economy

DEMO = "germany-1995"


def available_examples() -> list[str]:
    """Names of the built-in economies."""
    root = resources.files(__name__)
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "economy.toml").is_file())


def example_path(name: str) -> Path:
    """The directory of a built-in economy (inside the installed package)."""
    if name not in available_examples():
        raise UnknownNameError(f"unknown example '{name}'; choose one of: {', '.join(available_examples())}")
    return Path(str(resources.files(__name__) / name))


def example(name: str) -> Economy:
    """Read a built-in economy."""
    return read_economy(example_path(name))


def copy_example(name: str, dest: str | Path) -> Path:
    """Copy a built-in economy's files to ``dest`` (created; must not hold files already)."""
    target = Path(dest)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty; choose a new directory")
    shutil.copytree(example_path(name), target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    return target
