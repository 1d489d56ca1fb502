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


class InputError(ValueError):
    """The user's input is wrong: the message says where and how to fix it.

    Every error a user can cause derives from this class, and only those are reported as bad
    input (CLI exit 2, HTTP 422). Anything else that escapes is a bug in councilplan: an internal
    error (CLI exit 3, HTTP 500), logged with its trace. It subclasses ``ValueError`` so that
    callers who caught ``ValueError`` keep working.
    """


class UnknownNameError(InputError, KeyError):
    """A name (an example, a rule, a solver, an id) that does not exist; the message lists the choices."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class EconomyError(InputError):
    """The economy's files are invalid. ``issues`` holds every problem found."""

    def __init__(self, issues: list[Issue], *, source: str = "economy") -> None:
        self.issues = list(issues)
        self.source = source
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        n = len(self.issues)
        super().__init__(f"{source} has {n} problem{'s' if n != 1 else ''}:\n{lines}")


class SourceTableError(InputError):
    """A source table for an importer cannot be read. The message names file and fix."""


class SolverError(RuntimeError):
    """A solver backend broke (not: the plan is infeasible, which is a status)."""


class SolverUnavailableError(SolverError):
    """The requested solver backend is not installed or not registered."""
