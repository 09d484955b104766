"""`plan export`: scenario costs per group, for spreadsheets (docs/exports.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import run_export, say
from cli.errors import reported, writable, written
from cli.options import (
    DbOpt,
    DistilledOpt,
    Engine,
    EngineOpt,
    EscalationOpt,
    ExcelOpt,
    FrontierOpt,
    LayoutOpt,
    LogsArg,
    MapOpt,
    MemoryLimitOpt,
    ModelOpt,
    OverridesOpt,
    PriceAt,
    PriceAtOpt,
    PricingOpt,
    QuietOpt,
    RecursiveOpt,
    RulesOpt,
    ScenarioFileOpt,
    SinceOpt,
    SourceOpt,
    SparkMasterOpt,
    TextSampleOpt,
    TimeBoundsOpt,
    TraceStartOpt,
    UntilOpt,
    WorkloadOpt,
    analysis_options,
    reading_options,
)
from planner.outputs import spreadsheet
from planner.outputs.export import GroupBy, Layout, columns, schema
from planner.stages.signals import DEFAULT_PER_WORKLOAD


def export(
    logs: LogsArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="File to write: .csv, .xlsx, .parquet or .json.",
        callback=writable)],
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
    memory_limit: MemoryLimitOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    engine: EngineOpt = Engine.duckdb,
    spark_master: SparkMasterOpt = None,
    layout: LayoutOpt = Layout.wide,
    excel: ExcelOpt = False,
    show_schema: SchemaOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Write scenario costs per group for spreadsheets: one row per group with a column per
    scenario (--layout long: a row per group and scenario). Columns: plan export --schema.

    Examples: plan export logs/ -o costs.xlsx; plan export logs/ -g team -g month -o costs.csv
    --excel"""
    options = analysis_options(
        db, pricing, rules, overrides, frontier, distilled, escalation,
        reading=reading_options(source, model, workload, trace_start, maps, time_bounds,
                                recursive),
        price_at=price_at, scenario_file=scenario_file, text_sample=text_sample,
        memory_limit=memory_limit, since=since, until=until, engine=engine,
        spark_master=spark_master)
    groups = [g.value for g in group_by]
    with reported():
        kind = spreadsheet.kind_of(output)
    report, rows = run_export(logs, options, groups, layout)
    with reported(), written(output):
        spreadsheet.write(rows, columns(groups, layout), output, kind, excel=excel,
                          totals=layout is Layout.wide)
    say(f"plan: {len(rows)} rows written to {output}")


def _print_schema(value: bool) -> None:
    if value:
        print(schema_text(), end="")
        raise typer.Exit()


def schema_text() -> str:
    """The data dictionary as a Markdown table per layout (docs/exports.md holds the same)."""
    out = []
    for layout in Layout:
        out.append(f"{layout.value} layout (--layout {layout.value})\n\n"
                   "| column | type | meaning |\n|---|---|---|\n")
        out.extend(f"| {name} | {kind} | {meaning} |\n" for name, kind, meaning in schema(layout))
        out.append("\n")
    return "".join(out)[:-1]


SchemaOpt = Annotated[bool, typer.Option(
    "--schema", callback=_print_schema, is_eager=True,
    help="Print the export's columns, types and meanings, and exit.")]
