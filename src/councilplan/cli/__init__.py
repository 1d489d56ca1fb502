"""The ``councilplan`` command line (Typer + Rich).

Each command group lives in its own module and registers itself on :data:`app`.
A user's mistake never shows a traceback: invalid input exits with code 2 and a
list of problems; an infeasible or unbounded plan exits with code 1 and says
what must move; an optimal plan exits with 0.
"""

from __future__ import annotations

from councilplan.cli import audit as _audit  # noqa: F401  (registers `audit verify`)
from councilplan.cli import bundle as _bundle  # noqa: F401  (registers `verify`)
from councilplan.cli import core as _core  # noqa: F401  (registers commands)
from councilplan.cli import experiment as _experiment  # noqa: F401  (registers `experiment governance`)
from councilplan.cli import generate as _generate  # noqa: F401  (registers `generate`)
from councilplan.cli import importers as _importers  # noqa: F401  (registers `import iot|sut|pymrio`)
from councilplan.cli import report as _report  # noqa: F401  (registers `report import`)
from councilplan.cli import scenario as _scenario  # noqa: F401  (registers `scenario`)
from councilplan.cli import serve as _serve  # noqa: F401  (registers `serve` and `round simulate`)
from councilplan.cli.app import app, main

__all__ = ["app", "main"]
