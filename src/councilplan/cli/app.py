"""The Typer application, the shared console and the error boundary."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from councilplan.model.errors import EconomyError, SolverUnavailableError, SourceTableError

app = typer.Typer(
    name="councilplan",
    help="Democratic economic planning: check economies, compute certified optimal plans, value every goal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_OK, EXIT_NOT_OPTIMAL, EXIT_INVALID = 0, 1, 2


def fail(message: str, code: int = EXIT_INVALID) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def report_economy_error(exc: EconomyError) -> typer.Exit:
    n = len(exc.issues)
    err_console.print(f"[bold red]{exc.source}[/] has {n} problem{'s' if n != 1 else ''}:")
    for issue in exc.issues:
        err_console.print(f"  [red]•[/] {issue}")
    return typer.Exit(EXIT_INVALID)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every user mistake into a message and exit code 2 (never a traceback)."""
    try:
        yield
    except EconomyError as exc:
        raise report_economy_error(exc) from None
    except (SourceTableError, SolverUnavailableError, FileExistsError, KeyError, ValueError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise fail(str(msg)) from None
    except FileNotFoundError as exc:
        raise fail(f"{exc.filename or exc}: file not found") from None


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
