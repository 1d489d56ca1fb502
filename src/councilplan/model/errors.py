"""Errors raised for bad user input.

A user's mistake is never a traceback: every problem found in an economy is a
:class:`Issue` that names the file, line and column and says how to fix it, and
all of them are reported at once in one :class:`EconomyError`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem in the input, located as precisely as the input allows.

    ``line`` is the 1-based line of the file as a text editor shows it (the
    header is line 1, so the first data row is line 2); ``None`` when the
    problem concerns the file as a whole.
    """

    file: str
    message: str
    fix: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}. Fix: {self.fix}"


class EconomyError(ValueError):
    """The economy's files are invalid. ``issues`` holds every problem found."""

    def __init__(self, issues: list[Issue], *, source: str = "economy") -> None:
        self.issues = list(issues)
        self.source = source
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        n = len(self.issues)
        super().__init__(f"{source} has {n} problem{'s' if n != 1 else ''}:\n{lines}")


class SourceTableError(ValueError):
    """A source table for an importer cannot be read. The message names file and fix."""


class SolverError(RuntimeError):
    """A solver backend broke (not: the plan is infeasible, which is a status)."""


class SolverUnavailableError(SolverError):
    """The requested solver backend is not installed or not registered."""
