"""The Typer application, the shared console and the error boundary."""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import typer
from rich.console import Console

from councilplan.model.errors import EconomyError, InputError, SolverUnavailableError

app = typer.Typer(
    name="councilplan",
    help="Democratic economic planning: check economies, compute certified optimal plans, value every goal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_NOT_OPTIMAL, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3

#: where the traces of internal errors are appended (``COUNCILPLAN_LOG_DIR`` overrides the folder)
INTERNAL_LOG = "councilplan-internal-errors.log"


def fail(message: str, code: int = EXIT_INVALID) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def report_economy_error(exc: EconomyError) -> typer.Exit:
    n = len(exc.issues)
    err_console.print(f"[bold red]{exc.source}[/] has {n} problem{'s' if n != 1 else ''}:")
    for issue in exc.issues:
        err_console.print(f"  [red]•[/] {issue}")
    return typer.Exit(EXIT_INVALID)


def internal_log_path() -> Path:
    """The file that keeps the traces of internal errors."""
    return Path(os.environ.get("COUNCILPLAN_LOG_DIR") or tempfile.gettempdir()) / INTERNAL_LOG


def report_internal_error(exc: BaseException) -> typer.Exit:
    """A bug in councilplan, not the user's mistake: say so, keep the trace in a log, exit 3.

    ``COUNCILPLAN_DEBUG=1`` prints the trace as well.
    """
    trace = "".join(traceback.format_exception(exc))
    where = internal_log_path()
    try:
        with where.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.datetime.now(datetime.UTC).isoformat()} {' '.join(sys.argv)}\n{trace}\n")
        kept = f"the trace is in {where}"
    except OSError:
        kept = "the trace follows"
        err_console.print(trace, markup=False)
    if os.environ.get("COUNCILPLAN_DEBUG") and kept != "the trace follows":
        err_console.print(trace, markup=False)
    err_console.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}", markup=True)
    err_console.print(f"This is a bug in councilplan, not a mistake in your input; {kept}. Please report it.")
    return typer.Exit(EXIT_INTERNAL)


@contextmanager
def user_errors() -> Iterator[None]:
    """The error boundary of a command.

    A user's mistake (an :class:`~councilplan.model.errors.InputError`, a missing or existing file,
    a solver that is not installed) becomes a message and exit code 2, never a traceback. Anything
    else is a bug: exit code 3, with the trace kept in :func:`internal_log_path`.
    """
    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
        raise
    except EconomyError as exc:
        raise report_economy_error(exc) from None
    except (InputError, SolverUnavailableError, FileExistsError) as exc:
        raise fail(str(exc)) from None
    except FileNotFoundError as exc:
        raise fail(f"{exc.filename or exc}: file not found") from None
    except Exception as exc:
        raise report_internal_error(exc) from None


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator form of :func:`user_errors`."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return fn(*args, **kwargs)

    return wrapper


def main() -> None:
    """Entry point of the ``councilplan`` script."""
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a command outside :func:`user_errors`: still no bare traceback
        sys.exit(report_internal_error(exc).exit_code)
