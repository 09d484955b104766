"""`plan`: the Typer application. Commands are thin: options in, one planner call, render out."""

from __future__ import annotations

import gc
import importlib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, assert_never

import typer

from cli import common
from cli.common import run_analysis, run_export, say
from cli.errors import EXIT_CODES_HELP, OneLineErrors, run, written
from cli.hygiene import cleaned
from cli.options import (
    BatchWorkloadOpt,
    BudgetOpt,
    DbOpt,
    DetailsOpt,
    DistilledOpt,
    Engine,
    EngineOpt,
    EscalationOpt,
    ExcelOpt,
    FormatOpt,
    FrontierOpt,
    GrowthOpt,
    JsonOpt,
    KeepTextOpt,
    LogsArg,
    MapOpt,
    MaxRejectsOpt,
    MemoryLimitOpt,
    MinReplicasOpt,
    ModelOpt,
    MonthsOpt,
    OnPremModeOpt,
    OutputOpt,
    OverridesOpt,
    PriceAt,
    PriceAtOpt,
    PricingOpt,
    QuietOpt,
    RecursiveOpt,
    ReportFormat,
    RulesOpt,
    ScenarioFileOpt,
    SinceOpt,
    SourceOpt,
    SparkMasterOpt,
    TextSampleOpt,
    TimeBoundsOpt,
    TopOpt,
    TraceStartOpt,
    UntilOpt,
    UtilizationOpt,
    WideOpt,
    WorkloadOpt,
    analysis_options,
    reading_options,
)
from cli.view import DEFAULT_TOP, View
from planner.outputs.formats import to_json
from planner.stages.signals import DEFAULT_PER_WORKLOAD

if TYPE_CHECKING:
    from planner.report import Report

_app = typer.Typer(
    help="Classify LLM workloads as capability-bound or cost-bound and project monthly spend "
    "all-frontier, routed and on-prem, from your own request logs.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=True,  # plan --install-completion / --show-completion
    rich_markup_mode=None,
    pretty_exceptions_enable=False,  # PLAN_DEBUG's traceback is plain text
    cls=OneLineErrors,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version  # (a twentieth of a small run's start)

        print(f"plan {version('plan')}")
        raise typer.Exit()


@_app.callback()
def _plan(
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print plan's version.")] = False,
) -> None:
    """Classify LLM workloads and project monthly spend from your own request logs."""
    common.QUIET.clear()  # each command starts loud; its -q (cli/options.py) may quiet it


@_app.command()
def analyze(
    logs: LogsArg,
    db: DbOpt = None,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    pricing: PricingOpt = None,
    rules: RulesOpt = None,
    overrides: OverridesOpt = None,
    text_sample: TextSampleOpt = DEFAULT_PER_WORKLOAD,
    frontier: FrontierOpt = None,
    distilled: DistilledOpt = None,
    escalation: EscalationOpt = None,
    utilization: UtilizationOpt = None,
    min_replicas: MinReplicasOpt = None,
    onprem_mode: OnPremModeOpt = None,
    scenario_file: ScenarioFileOpt = None,
    growth: GrowthOpt = None,
    months: MonthsOpt = None,
    budget: BudgetOpt = None,
    batch_workload: BatchWorkloadOpt = None,
    price_at: PriceAtOpt = PriceAt.current,
    source: SourceOpt = None,
    model: ModelOpt = None,
    workload: WorkloadOpt = None,
    trace_start: TraceStartOpt = None,
    time_bounds: TimeBoundsOpt = None,
    maps: MapOpt = None,
    recursive: RecursiveOpt = True,
    memory_limit: MemoryLimitOpt = None,
    keep_text: KeepTextOpt = False,
    max_rejects: MaxRejectsOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    engine: EngineOpt = Engine.duckdb,
    spark_master: SparkMasterOpt = None,
    top: TopOpt = DEFAULT_TOP,
    details: DetailsOpt = False,
    wide: WideOpt = False,
    json_: JsonOpt = False,
    excel: ExcelOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Ingest request logs, label workloads and project monthly spend per scenario.

    `plan report LOGS -o report.html` is the same command: the format follows -o.

    \b
    Examples:
      plan analyze logs/                       the terminal report
      plan analyze logs/ --top 20 --details    more workloads, every assumption
      plan report logs/ -o report.html         one page to forward
      plan analyze logs/ --json > report.json  the canonical JSON report
      zcat old.jsonl.gz | plan analyze -       standard input"""
    fmt = ReportFormat.json if json_ else output_format or _format_of(output)
    options = analysis_options(
        db, pricing, rules, overrides, frontier, distilled, escalation, utilization,
        min_replicas, reading_options(source, model, workload, trace_start, maps, time_bounds,
                                      recursive, max_rejects),
        price_at, scenario_file, growth, months, budget, onprem_mode, batch_workload,
        text_sample, memory_limit=memory_limit, keep_text=keep_text, since=since,
        until=until, engine=engine, spark_master=spark_master)
    if fmt is ReportFormat.csv:  # the export's wide rows per workload: one schema
        from planner.outputs import spreadsheet
        from planner.outputs.export import Layout, columns

        _, rows = run_export(logs, options, ["workload"], Layout.wide)
        text = spreadsheet.csv_text(rows, columns(["workload"], Layout.wide), excel)
        _write(text, output)
    else:
        report = run_analysis(logs, options, fmt is ReportFormat.table)
        _emit(report, fmt, output, View(top=top, details=details, wide=wide))
    if output is not None:
        say(f"plan: {fmt.value} report written to {output}")


# The other commands, each registered from its module (name: module, function; "pricing" is a
# group; "report" is analyze under another name). A run of one command imports only its module
# and builds only its options: `plan analyze` none of the others.
_COMMANDS = {
    "report": ("app", "analyze"),
    "samples": ("classify_cmd", "samples"), "eval": ("classify_cmd", "evaluate"),
    "cache-pairs": ("classify_cmd", "cache_pairs"), "forget": ("data_cmd", "forget"),
    "baseline": ("gate_cmd", "baseline"), "check": ("gate_cmd", "check"),
    "diff": ("gate_cmd", "diff"), "export": ("export_cmd", "export"),
    "pricing": ("pricing_cmd", "app"),
}
_registered: set[str] = set()


def _register(names: Iterable[str]) -> typer.Typer:
    """The application with commands `names` (of _COMMANDS) registered too."""
    for name in names:
        if name in _registered:
            continue
        _registered.add(name)
        module, attribute = _COMMANDS[name]
        function = getattr(importlib.import_module(f"cli.{module}"), attribute)
        if name == "report":
            _app.command(name, help="The same as analyze, for an HTML report: plan report LOGS "
                         "-o report.html (the format follows -o; without -o, the terminal "
                         "report).")(function)
        elif isinstance(function, typer.Typer):
            _app.add_typer(function, name=name)
        else:
            _app.command(name)(function)
    return _app


def __getattr__(name: str) -> typer.Typer:
    """`app`: the application with every command (tests, help, shell completion)."""
    if name == "app":
        return _register(_COMMANDS)
    raise AttributeError(name)


def _format_of(output: Path | None) -> ReportFormat:
    suffix = output.suffix.lower().lstrip(".") if output else ""
    return ReportFormat(suffix) if suffix in ("html", "json", "csv") else ReportFormat.table


def _emit(report: Report, fmt: ReportFormat, output: Path | None,
          view: View) -> None:
    if fmt is ReportFormat.table:
        from rich.console import Console  # (Rich: only for the terminal report)

        from cli import render_table

        if output is None:
            render_table.render(cleaned(report), Console(highlight=False), view)
            return
        with written(output), output.open("w", encoding="utf-8") as fh:
            render_table.render(cleaned(report), Console(file=fh, highlight=False, width=120),
                                view)
        return
    if fmt is ReportFormat.json:
        text = to_json(report)
    elif fmt is ReportFormat.html:
        from cli import render_html

        text = render_html.render(report)
    elif fmt is ReportFormat.csv:
        raise AssertionError("CSV is the export's rows (analyze)")
    else:
        assert_never(fmt)
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        with written(output):
            output.write_text(text, encoding="utf-8", newline="")


def main() -> None:
    # What is imported by now (modules, classes, functions: about 30,000 objects) lives until the
    # process ends: frozen out of the cyclic garbage collector's sight, neither its collections
    # during the run nor the one at exit walk them again (0.05-0.07 s of a small run's CPU, 12%).
    # What the run makes is collected as usual.
    gc.freeze()
    # the command a user named (the first argument not an option): only its module is loaded
    named = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    if named == "analyze":
        run(_app)
    elif named in _COMMANDS:
        run(_register([named]))
    else:  # plan --help, a mistyped command (typer suggests the nearest), shell completion
        run(_register(_COMMANDS))
