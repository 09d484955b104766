"""`plan forget`: drop what the database keeps of some log files."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.errors import reported
from cli.hygiene import printable
from cli.options import DbOpt
from planner.stages.storage import forget as forget_files


def forget(
    paths: Annotated[list[str], typer.Argument(
        help="Log files (or folders) whose rows the database should drop; they need not exist.")],
    db: DbOpt = None,
) -> None:
    """Remove every row plan keeps of these files (requests, rejects, text signals)."""
    with reported():
        dropped = forget_files(db, paths)
    for f in dropped:
        typer.echo(f"plan: forgot {printable(f.path)} ({f.lines} lines)")
    if not dropped:
        typer.echo("plan: no such file in the database", err=True)
        raise typer.Exit(2)
