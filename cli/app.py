"""`plan`: the Typer application. Commands are thin: options in, one planner call, render out."""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, assert_never

import typer
from rich.console import Console

from cli import render_table
from cli.errors import EXIT_CODES_HELP, reported
from planner import pipeline, scenarios
from planner.formats import OutputFormat, to_csv, to_json
from planner.report import Report

app = typer.Typer(
    help="Classify LLM workloads as capability-bound or cost-bound and project monthly spend "
    "all-frontier, routed and on-prem, from your own request logs.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)



@app.callback()
def _plan() -> None:
    """Classify LLM workloads and project monthly spend from your own request logs."""


# Shared options, declared once.
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="DuckDB file for ingested logs (default .plan/plan.duckdb; ':memory:' for none).")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write the report to this file instead of stdout.")]
PricingOpt = Annotated[str | None, typer.Option(
    "--pricing", help="Pricing version (e.g. 2026-11-01) or a .toml file; default the newest.")]


def _fraction(name: str):  # type: ignore[no-untyped-def]
    def parse(value: str | None) -> Decimal | None:
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise typer.BadParameter(f"{value!r} is not a number") from None
        if not 0 <= number <= 1:
            raise typer.BadParameter(f"{name} must be between 0 and 1, got {value}")
        return number
    return parse


@app.command()
def analyze(
    logs: Annotated[list[str], typer.Argument(
        help="Log files (.jsonl, .jsonl.gz), directories or glob patterns.")],
    db: DbOpt = None,
    output_format: FormatOpt = OutputFormat.table,
    output: OutputOpt = None,
    pricing: PricingOpt = None,
    rules: Annotated[Path | None, typer.Option(
        help="Classification rules TOML (replaces the default rules).")] = None,
    overrides: Annotated[Path | None, typer.Option(
        help="TOML with a [workloads] table pinning workload = label.")] = None,
    frontier: Annotated[str | None, typer.Option(
        help="Frontier model for all-frontier and routed (default: the most-used frontier "
        "model in the logs).")] = None,
    distilled: Annotated[str | None, typer.Option(
        help="Distilled model for routed and on-prem (default from the pricing table).")] = None,
    escalation: Annotated[str | None, typer.Option(
        help="Share of routed requests re-sent to frontier (default 0.12).",
        parser=_fraction("--escalation"))] = None,
    utilization: Annotated[str | None, typer.Option(
        help="Target GPU utilisation for on-prem sizing (default 0.75).",
        parser=_fraction("--utilization"))] = None,
    min_replicas: Annotated[int | None, typer.Option(
        min=1, help="Minimum self-hosted replicas (default 2).")] = None,
) -> None:
    """Ingest request logs, label workloads and project monthly spend per scenario."""
    if utilization is not None and Decimal(utilization) == 0:
        raise typer.BadParameter("must be above 0", param_hint="--utilization")
    options = pipeline.AnalyzeOptions(
        db=db,
        pricing=pricing,
        rules=str(rules) if rules else None,
        overrides=str(overrides) if overrides else None,
        settings=scenarios.Settings(
            frontier=frontier, distilled=distilled,
            escalation=escalation,  # type: ignore[arg-type]  # parsed to Decimal
            utilization=utilization,  # type: ignore[arg-type]
            min_replicas=min_replicas,
        ),
    )
    stderr = Console(stderr=True)
    with reported():
        if stderr.is_terminal and output_format is OutputFormat.table:
            with stderr.status("analysing...") as status:
                report = pipeline.analyze(logs, options, progress=status.update)
        else:
            report = pipeline.analyze(logs, options)
    for warning in report.warnings:
        stderr.print(f"plan: warning: {warning}", highlight=False, markup=False)
    _emit(report, output_format, output)


def _emit(report: Report, fmt: OutputFormat, output: Path | None) -> None:
    if fmt is OutputFormat.table:
        if output is None:
            render_table.render(report, Console(highlight=False))
            return
        with output.open("w", encoding="utf-8") as fh:
            render_table.render(report, Console(file=fh, highlight=False, width=120))
        return
    if fmt is OutputFormat.json:
        text = to_json(report)
    elif fmt is OutputFormat.csv:
        text = to_csv(report)
    else:
        assert_never(fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="")


def main() -> None:
    app()
