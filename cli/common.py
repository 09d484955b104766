"""What the commands that analyse logs share: running the analysis with progress on stderr,
and one-line messages on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from cli.errors import reported
from cli.hygiene import printable
from planner import pipeline
from planner.report import Report


def run_analysis(logs: list[str], options: pipeline.AnalyzeOptions, interactive: bool) -> Report:
    stderr = Console(stderr=True)
    with reported():
        if interactive and stderr.is_terminal:
            with stderr.status("analysing...") as status:
                report = pipeline.analyze(  # file names as text, escaped, never markup
                    logs, options, progress=lambda m: status.update(Text(printable(m))))
        else:
            report = pipeline.analyze(logs, options)
    for warning in report.warnings:
        say(f"plan: warning: {warning}")
    return report


def say(message: str) -> None:
    """One line on stderr, never wrapped (a script greps it) nor read as markup."""
    Console(stderr=True, highlight=False).print(printable(message), markup=False, soft_wrap=True)
