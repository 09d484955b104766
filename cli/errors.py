"""The one place where errors become an exit code and a single line on stderr."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from cli.hygiene import printable
from planner.errors import DatabaseError, InputError, PlannerError, RulesError
from pricing import PricingError


class ExitCode(IntEnum):
    OK = 0
    CHECK_FAILED = 1
    USAGE = 2  # bad options or unusable input
    PRICING_OR_RULES = 3
    UNEXPECTED = 4  # an error plan did not foresee: a bug to report


EXIT_CODES_HELP = (
    "Exit codes: 0 ok; 1 a check failed; 2 usage error or unusable input; "
    "3 pricing or rules error; 4 unexpected error. Set PLAN_DEBUG=1 for tracebacks."
)

_CODES: tuple[tuple[type[Exception], ExitCode], ...] = (
    (PricingError, ExitCode.PRICING_OR_RULES),
    (RulesError, ExitCode.PRICING_OR_RULES),
    (InputError, ExitCode.USAGE),
    (DatabaseError, ExitCode.USAGE),
    (PlannerError, ExitCode.USAGE),
)


def exit_code(exc: Exception) -> ExitCode:
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    raise exc


@contextmanager
def reported() -> Iterator[None]:
    """Turn plan's own errors into `plan: error: ...` on stderr and the matching exit code."""
    try:
        yield
    except (PlannerError, PricingError) as exc:
        if os.environ.get("PLAN_DEBUG"):
            raise
        hint = getattr(exc, "hint", "")
        _tell(printable(f"plan: error: {exc}" + (f" (hint: {hint})" if hint else "")))
        raise typer.Exit(exit_code(exc)) from None


LAST_ERROR: list[str] = []  # the last error line told, for `plan check --comment`


def _tell(line: str) -> None:
    LAST_ERROR[:] = [line]
    print(line, file=sys.stderr)


class OneLineErrors(TyperGroup):
    """Click's usage errors (a typo'd flag, a bad value) as one line on stderr and exit 2,
    instead of a usage block: `plan: error: No such option: --fromat (Possible options: ...)`."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except typer.Abort:
            print("plan: aborted", file=sys.stderr)
            sys.exit(130)
        except typer.TyperException as exc:  # Click's errors (Typer's copy of Click)
            if type(exc).__name__ == "NoArgsIsHelpError":  # `plan` alone: the help
                exc.show()  # type: ignore[attr-defined]
                sys.exit(ExitCode.USAGE)
            ctx = getattr(exc, "ctx", None)
            command = ctx.command_path if ctx is not None else "plan"
            print(printable(f"plan: error: {exc.format_message()} "  # type: ignore[attr-defined]
                            f"(hint: {command} --help)"), file=sys.stderr)
            sys.exit(ExitCode.USAGE)
        sys.exit(code if isinstance(code, int) else 0)


def writable(path: Path | None) -> Path | None:
    """An output path whose folder exists and is writable: checked before the analysis starts,
    so a typo in -o costs a second, not the whole run."""
    if path is None or str(path) == "-":
        return path
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a folder, not a file")
    if not folder.is_dir():
        raise typer.BadParameter(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise typer.BadParameter(f"cannot write {path}: permission denied")
    return path


@contextmanager
def written(path: Path) -> Iterator[None]:
    """Writing an output file: a failure (disk full, a folder gone) is one line and exit 2."""
    try:
        yield
    except OSError as exc:
        if os.environ.get("PLAN_DEBUG"):
            raise
        _tell(printable(f"plan: error: cannot write {path}: {exc.strerror or exc}"))
        raise typer.Exit(ExitCode.USAGE) from None


def run(app: Callable[[], object]) -> None:
    """Run the CLI. An error plan did not foresee is one line on stderr and exit 4, never a
    traceback (which could also show values from the logs); PLAN_DEBUG=1 shows the traceback."""
    if hasattr(signal, "SIGPIPE"):
        # `plan analyze ... | head`: end quietly when the reader goes away, as Unix tools do.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app()
    except BrokenPipeError:
        os._exit(0)  # nothing left to say to a reader that is gone (no flush at exit either)
    except Exception as exc:  # not SystemExit (every normal exit) nor KeyboardInterrupt
        if os.environ.get("PLAN_DEBUG"):
            raise
        what = printable(str(exc))[:200]
        duckdb = sys.modules.get("duckdb")  # loaded by any run that reached DuckDB
        if duckdb is not None and isinstance(exc, duckdb.OutOfMemoryException):
            # not a bug: the log needs more memory than --memory-limit (or the machine) allows
            first = printable(str(exc).splitlines()[0] if str(exc) else "")[:200]
            print(f"plan: error: DuckDB ran out of memory: {first} (hint: a larger --memory-limit, "
                  "or fewer other programs running; see README 'Scale')", file=sys.stderr)
            sys.exit(ExitCode.USAGE)
        print(f"plan: error: unexpected {type(exc).__name__}" + (f": {what}" if what else "")
              + " (hint: a bug in plan, please report it; PLAN_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        sys.exit(ExitCode.UNEXPECTED)
