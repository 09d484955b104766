"""The one place where errors become an exit code and a single line on stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum

import typer

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
        print(printable(f"plan: error: {exc}" + (f" (hint: {hint})" if hint else "")),
              file=sys.stderr)
        raise typer.Exit(exit_code(exc)) from None


def run(app: Callable[[], object]) -> None:
    """Run the CLI. An error plan did not foresee is one line on stderr and exit 4, never a
    traceback (which could also show values from the logs); PLAN_DEBUG=1 shows the traceback."""
    try:
        app()
    except Exception as exc:  # not SystemExit (every normal exit) nor KeyboardInterrupt
        if os.environ.get("PLAN_DEBUG"):
            raise
        what = printable(str(exc))[:200]
        print(f"plan: error: unexpected {type(exc).__name__}" + (f": {what}" if what else "")
              + " (hint: a bug in plan, please report it; PLAN_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        sys.exit(ExitCode.UNEXPECTED)
