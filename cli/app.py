"""`plan`: the Typer application. Commands are thin: options in, one planner call, render out."""

from __future__ import annotations

import dataclasses
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, assert_never

import typer
from rich.console import Console

from cli import classify_cmd, data_cmd, pricing_cmd, progress, render_ci, render_html, render_table
from cli.errors import EXIT_CODES_HELP, ExitCode, reported, run
from cli.hygiene import cleaned, printable
from cli.options import (
    BatchWorkloadOpt,
    BudgetOpt,
    DbOpt,
    DistilledOpt,
    EscalationOpt,
    FormatOpt,
    FrontierOpt,
    GrowthOpt,
    KeepTextOpt,
    LogsArg,
    MapOpt,
    MemoryLimitOpt,
    MinReplicasOpt,
    ModelOpt,
    MonthsOpt,
    OnPremMode,
    OnPremModeOpt,
    OutputOpt,
    OverridesOpt,
    PriceAt,
    PriceAtOpt,
    PricingOpt,
    RecursiveOpt,
    ReportFormat,
    RulesOpt,
    ScenarioFileOpt,
    SourceOpt,
    TextSampleOpt,
    TimeBoundsOpt,
    TraceStartOpt,
    UtilizationOpt,
    WorkloadOpt,
    amount,
    instant,
)
from planner import gate, pipeline
from planner.column_map import ColumnMap
from planner.diff import Diff, diff_reports
from planner.export import GroupBy
from planner.formats import (
    CiFormat,
    baseline_settings,
    export_kind,
    load_report,
    to_csv,
    to_json,
    write_export,
)
from planner.gate import CheckResult, Thresholds
from planner.ingest import IngestOptions
from planner.report import Report
from planner.settings import Settings
from planner.signals import DEFAULT_PER_WORKLOAD

app = typer.Typer(
    help="Classify LLM workloads as capability-bound or cost-bound and project monthly spend "
    "all-frontier, routed and on-prem, from your own request logs.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,  # PLAN_DEBUG's traceback is plain text
)

app.add_typer(pricing_cmd.app, name="pricing")
app.command("samples")(classify_cmd.samples)
app.command("eval")(classify_cmd.evaluate)
app.command("forget")(data_cmd.forget)
app.command("cache-pairs")(classify_cmd.cache_pairs)


@app.callback()
def _plan() -> None:
    """Classify LLM workloads and project monthly spend from your own request logs."""


def _reading(
    source: str | None, model: str | None, workload: str | None, trace_start: object,
    maps: list[str] | None, time_bounds: str | None = None, recursive: bool = True,
) -> IngestOptions:
    with reported():
        column_map = ColumnMap.parse(maps) if maps else None
    low, sep, high = (time_bounds or "..").partition("..")
    if not sep:
        raise typer.BadParameter(f"{time_bounds!r} is not FROM..TO", param_hint="--time-bounds")
    return IngestOptions(source=source, model=model, workload=workload,
                         trace_start=trace_start,  # type: ignore[arg-type]  # parsed
                         column_map=column_map, not_before=instant(low or None),
                         not_after=instant(high or None), recursive=recursive)


def _options(
    db: str | None, pricing: str | None, rules: Path | None, overrides: Path | None,
    frontier: str | None, distilled: str | None, escalation: object,
    utilization: object = None, min_replicas: int | None = None,
    reading: IngestOptions | None = None, price_at: PriceAt = PriceAt.current,
    scenario_file: Path | None = None, growth: object = None, months: int | None = None,
    budget: object = None, onprem_mode: OnPremMode | None = None,
    batch_workloads: list[str] | None = None,
    text_sample: int = DEFAULT_PER_WORKLOAD, memory_limit: str | None = None,
) -> pipeline.AnalyzeOptions:
    if utilization is not None and Decimal(str(utilization)) == 0:
        raise typer.BadParameter("must be above 0", param_hint="--utilization")
    settings = Settings(
        frontier=frontier, distilled=distilled,
        escalation=escalation,  # type: ignore[arg-type]  # parsed to Decimal
        utilization=utilization,  # type: ignore[arg-type]
        min_replicas=min_replicas,
        price_at=price_at.value,
        growth=growth, months=months, budget=budget,  # type: ignore[arg-type]
        onprem_mode=onprem_mode.value if onprem_mode else None,
        batch_workloads=tuple(batch_workloads or ()),
    )
    if scenario_file is not None:
        with reported():
            settings = settings.with_file(scenario_file)
    return pipeline.AnalyzeOptions(
        reading=reading or IngestOptions(),
        db=db,
        pricing=pricing,
        rules=str(rules) if rules else None,
        overrides=str(overrides) if overrides else None,
        settings=settings,
        text_sample=text_sample, memory_limit=memory_limit,
    )


def _run(logs: list[str], options: pipeline.AnalyzeOptions, interactive: bool) -> Report:
    with reported(), progress.shown(Console(stderr=True), interactive) as report_progress:
        report = pipeline.analyze(logs, options, progress=report_progress)
    for warning in report.warnings:
        _say(f"plan: warning: {warning}")
    return report


@app.command()
def analyze(
    logs: LogsArg,
    db: DbOpt = None,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    pricing: PricingOpt = None,
    rules: RulesOpt = None,
    overrides: OverridesOpt = None,
    text_sample: TextSampleOpt = DEFAULT_PER_WORKLOAD,
    keep_text: KeepTextOpt = False,
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
) -> None:
    """Ingest request logs, label workloads and project monthly spend per scenario.

    `plan report LOGS -o report.html` is the same command: the format follows -o."""
    fmt = output_format or _format_of(output)
    options = _options(db, pricing, rules, overrides, frontier, distilled, escalation,
                       utilization, min_replicas,
                       _reading(source, model, workload, trace_start, maps, time_bounds,
                                recursive), price_at,
                       scenario_file, growth, months, budget, onprem_mode, batch_workload,
                       text_sample, memory_limit)
    options = dataclasses.replace(options, keep_text=keep_text)
    report = _run(logs, options, fmt is ReportFormat.table)
    _emit(report, fmt, output)
    if output is not None:
        _say(f"plan: {fmt.value} report written to {output}")


app.command("report", help="The same as analyze, for an HTML report: plan report LOGS -o "
            "report.html (the format follows -o).")(analyze)


def _format_of(output: Path | None) -> ReportFormat:
    suffix = output.suffix.lower().lstrip(".") if output else ""
    return ReportFormat(suffix) if suffix in ("html", "json", "csv") else ReportFormat.table


@app.command()
def baseline(
    logs: LogsArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Where to write the baseline JSON report.")] = Path(
        "plan-baseline.json"),
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
) -> None:
    """Write the JSON report of LOGS as the baseline `plan check` compares against."""
    report = _run(logs, _options(db, pricing, rules, overrides, frontier, distilled,
                                 escalation, reading=_reading(source, model, workload,
                                                              trace_start, maps,
                                                              time_bounds, recursive),
                                 price_at=price_at, scenario_file=scenario_file,
                                 text_sample=text_sample, memory_limit=memory_limit), False)
    output.write_text(to_json(report), encoding="utf-8")
    _say(f"plan: baseline written to {output}")


@app.command()
def check(
    logs: LogsArg,
    baseline_file: Annotated[Path, typer.Option(
        "--baseline", help="Baseline JSON report (from `plan baseline`).")],
    scenario: Annotated[str, typer.Option(
        help="Scenario the cost thresholds apply to.")] = "routed",
    max_increase: Annotated[str | None, typer.Option(
        help="Fail when the scenario's monthly cost rises more than this percent.",
        parser=amount("--max-increase"))] = None,
    max_increase_usd: Annotated[str | None, typer.Option(
        help="Fail when it rises more than this many dollars a month.",
        parser=amount("--max-increase-usd"))] = None,
    label_flips: Annotated[bool, typer.Option(
        "--fail-on-label-flip/--allow-label-flips",
        help="Fail when a workload changes label.")] = True,
    unpriced: Annotated[bool, typer.Option(
        "--fail-on-unpriced/--allow-unpriced",
        help="Fail when a model without a price appears.")] = True,
    max_rejected_pct: Annotated[str, typer.Option(
        help="Fail when more than this percent of lines are rejected (100 turns it off).",
        parser=amount("--max-rejected-pct"))] = "1",
    output_format: Annotated[CiFormat, typer.Option(
        "--format", "-f", help="Output format.")] = CiFormat.table,
    db: DbOpt = None,
    pricing: PricingOpt = None,
    rules: RulesOpt = None,
    overrides: OverridesOpt = None,
    text_sample: TextSampleOpt = DEFAULT_PER_WORKLOAD,
    scenario_file: ScenarioFileOpt = None,
    source: SourceOpt = None,
    model: ModelOpt = None,
    workload: WorkloadOpt = None,
    trace_start: TraceStartOpt = None,
    time_bounds: TimeBoundsOpt = None,
    maps: MapOpt = None,
    recursive: RecursiveOpt = True,
    memory_limit: MemoryLimitOpt = None,
) -> None:
    """Analyse LOGS and compare with a baseline; exit 1 when a threshold is crossed.

    The scenario assumptions (frontier and distilled models, escalation, verbosity, cache,
    envelope, on-prem sizing, --price-at) are the baseline's, so the two reports price the same
    scenarios (a --scenario-file fills in what the baseline does not say); the pricing is the
    newest unless --pricing says otherwise.
    """
    with reported():
        old = load_report(baseline_file)
        settings = baseline_settings(old)
        thresholds = Thresholds(
            scenario=scenario,
            max_increase_pct=max_increase,  # type: ignore[arg-type]  # parsed to Decimal
            max_increase_usd=max_increase_usd,  # type: ignore[arg-type]
            fail_on_label_flip=label_flips, fail_on_unpriced=unpriced,
            max_rejected_pct=Decimal(max_rejected_pct),
        )
    options = _options(db, pricing, rules, overrides, None, None, None,
                       reading=_reading(source, model, workload, trace_start, maps, time_bounds,
                                        recursive),
                       text_sample=text_sample, memory_limit=memory_limit)
    if scenario_file is not None:
        with reported():
            settings = settings.with_file(scenario_file)
    options = dataclasses.replace(options, settings=settings)
    # Compared as JSON, exactly as a baseline file is read back.
    new = json.loads(to_json(_run(logs, options, False)))
    result = gate.check(old, new, thresholds)
    _emit_ci(result.diff, output_format, result)
    if not result.passed:
        raise typer.Exit(ExitCode.CHECK_FAILED)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The older JSON report.")],
    new: Annotated[Path, typer.Argument(help="The newer JSON report.")],
    output_format: Annotated[CiFormat, typer.Option(
        "--format", "-f", help="Output format.")] = CiFormat.table,
) -> None:
    """Per workload and scenario, what changed between two JSON reports, split into volume,
    mix and price."""
    with reported():
        result = diff_reports(load_report(old), load_report(new))
    _emit_ci(result, output_format, None)


@app.command()
def export(
    logs: LogsArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="File to write: .csv, .parquet or .json.")],
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
) -> None:
    """Write scenario costs per group (one row per group and scenario) for spreadsheets."""
    options = _options(db, pricing, rules, overrides, frontier, distilled, escalation,
                       reading=_reading(source, model, workload, trace_start, maps, time_bounds,
                                        recursive),
                       price_at=price_at, scenario_file=scenario_file, text_sample=text_sample,
                       memory_limit=memory_limit)
    with reported():
        kind = export_kind(output)
        report, rows = pipeline.export(logs, options, [g.value for g in group_by])
        write_export(rows, output, kind)
    for warning in report.warnings:
        _say(f"plan: warning: {warning}")
    _say(f"plan: {len(rows)} rows written to {output}")


def _emit(report: Report, fmt: ReportFormat, output: Path | None) -> None:
    if fmt is ReportFormat.table:
        if output is None:
            render_table.render(cleaned(report), Console(highlight=False))
            return
        with output.open("w", encoding="utf-8") as fh:
            render_table.render(cleaned(report), Console(file=fh, highlight=False, width=120))
        return
    if fmt is ReportFormat.json:
        text = to_json(report)
    elif fmt is ReportFormat.csv:
        text = to_csv(report)
    elif fmt is ReportFormat.html:
        text = render_html.render(report)
    else:
        assert_never(fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="")


def _emit_ci(diff_: Diff, fmt: CiFormat, result: CheckResult | None) -> None:
    # workload names are shown escaped in every rendering but JSON (cli/hygiene.py)
    shown, verdict = cleaned(diff_), cleaned(result)
    if fmt is CiFormat.table:
        render_ci.table(shown, Console(highlight=False), verdict)
        return
    if fmt is CiFormat.markdown:
        text = render_ci.markdown(shown, verdict)
    elif fmt is CiFormat.github:
        text = render_ci.github(shown, verdict)
    elif fmt is CiFormat.json:
        text = render_ci.to_json(diff_, result)
    else:
        assert_never(fmt)
    sys.stdout.write(text)


def _say(message: str) -> None:
    """One line on stderr, never wrapped (a script greps it) nor read as markup."""
    Console(stderr=True, highlight=False).print(printable(message), markup=False, soft_wrap=True)


def main() -> None:
    run(app)
