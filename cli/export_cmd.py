"""`plan export`: scenario costs per group, for spreadsheets (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import say
from cli.errors import reported, writable
from cli.options import (
    DbOpt,
    DistilledOpt,
    EscalationOpt,
    FrontierOpt,
    LogsArg,
    MapOpt,
    ModelOpt,
    OverridesOpt,
    PriceAt,
    PriceAtOpt,
    PricingOpt,
    RecursiveOpt,
    RulesOpt,
    ScenarioFileOpt,
    SourceOpt,
    TextSampleOpt,
    TimeBoundsOpt,
    TraceStartOpt,
    WorkloadOpt,
    analysis_options,
    reading_options,
)
from planner import pipeline
from planner.export import GroupBy
from planner.formats import export_kind, write_export
from planner.signals import DEFAULT_PER_WORKLOAD


def export(
    logs: LogsArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="File to write: .csv, .parquet or .json.", callback=writable)],
    group_by: Annotated[list[GroupBy], typer.Option(
        "--group-by", "-g", help="Group rows by these (repeatable).")] = [  # noqa: B006
        GroupBy.workload],
    db: DbOpt = None,
    pricing: PricingOpt = None,
    rules: RulesOpt = None,
    overrides: OverridesOpt = None,
    text_sample: TextSampleOpt = DEFAULT_PER_WORKLOAD,
    frontier: FrontierOpt = None,
    distilled: DistilledOpt = None,
    escalation: EscalationOpt = None,
    scenario_file: ScenarioFileOpt = None,
    price_at: PriceAtOpt = PriceAt.current,
    source: SourceOpt = None,
    model: ModelOpt = None,
    workload: WorkloadOpt = None,
    trace_start: TraceStartOpt = None,
    time_bounds: TimeBoundsOpt = None,
    maps: MapOpt = None,
    recursive: RecursiveOpt = True,
) -> None:
    """Write scenario costs per group (one row per group and scenario) for spreadsheets."""
    options = analysis_options(db, pricing, rules, overrides, frontier, distilled, escalation,
                       reading=reading_options(source, model, workload, trace_start, maps,
                                               time_bounds, recursive),
                       price_at=price_at, scenario_file=scenario_file, text_sample=text_sample)
    with reported():
        kind = export_kind(output)
        report, rows = pipeline.export(logs, options, [g.value for g in group_by])
        write_export(rows, output, kind)
    for warning in report.warnings:
        say(f"plan: warning: {warning}")
    say(f"plan: {len(rows)} rows written to {output}")
