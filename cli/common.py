"""What the commands that analyse logs share: running the analysis with progress on stderr,
and one-line messages on stderr."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli.errors import reported
from cli.hygiene import printable
from planner import pipeline
from planner.outputs.export import Layout, shaped
from planner.progress import Progress
from planner.report import Report

QUIET: set[bool] = set()  # holds True under -q (set by the option's callback, cli/options.py)


@contextmanager
def stdin_logs(logs: list[str]) -> Iterator[list[str]]:
    """`-` among the logs: standard input, kept in a temporary file for the run (JSON lines,
    or CSV when its first character is not `{` or `[`)."""
    if "-" not in logs:
        yield logs
        return
    data = sys.stdin.buffer.read()
    first = data.lstrip()[:1]
    with tempfile.TemporaryDirectory(prefix="plan-stdin-") as folder:
        path = Path(folder) / ("stdin.jsonl" if first in (b"{", b"[", b"") else "stdin.csv")
        path.write_bytes(data)
        yield [str(path) if name == "-" else name for name in logs]


def run_analysis(logs: list[str], options: pipeline.AnalyzeOptions, interactive: bool) -> Report:
    with reported(), _progress(interactive) as report_progress, stdin_logs(logs) as paths:
        report = pipeline.analyze(paths, options, progress=report_progress)
    for warning in report.warnings:
        say(f"plan: warning: {warning}")
    return report


def run_export(logs: list[str], options: pipeline.AnalyzeOptions, group_by: list[str],
               layout: Layout) -> tuple[Report, list[dict[str, object]]]:
    """The analysis and its cost rows per group, in the export schema
    (planner/outputs/export.py)."""
    with reported(), stdin_logs(logs) as paths:
        report, rows = pipeline.export(paths, options, group_by)
    for warning in report.warnings:
        say(f"plan: warning: {warning}")
    labels = {w.workload: w.label for w in report.workloads}
    return report, shaped(rows, group_by, layout, labels)


@contextmanager
def _progress(interactive: bool) -> Iterator[Progress | None]:
    """Progress drawn on stderr for the terminal report (cli/progress.py); none, and no Rich
    loaded for it, in the other formats."""
    if not interactive:
        yield None
        return
    from rich.console import Console

    from cli import progress

    with progress.shown(Console(stderr=True), interactive) as drawing:
        yield drawing


def say(message: str) -> None:
    """One line on stderr, never wrapped (a script greps it) nor read as markup; none
    under -q. (Plain print: the line is printable() already, and Rich would cost a JSON run
    its import.)"""
    if QUIET:
        return
    print(printable(message), file=sys.stderr, flush=True)
