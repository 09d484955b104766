"""`plan baseline`, `plan check` and `plan diff`: the CI cost gate and its renderings."""

from __future__ import annotations

import dataclasses
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, assert_never

import typer
from rich.console import Console

from cli import render_ci
from cli.common import run_analysis, say
from cli.errors import LAST_ERROR, ExitCode, reported, writable, written
from cli.hygiene import cleaned
from cli.options import (
    DbOpt,
    DistilledOpt,
    Engine,
    EngineOpt,
    EscalationOpt,
    FrontierOpt,
    LogsArg,
    MapOpt,
    MemoryLimitOpt,
    MinChangeOpt,
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
    amount,
    analysis_options,
    config_file,
    reading_options,
)
from planner.outputs import gate
from planner.outputs.diff import Diff, diff_reports
from planner.outputs.formats import CiFormat, baseline_settings, load_report, to_json
from planner.outputs.gate import CheckResult, Thresholds
from planner.stages.signals import DEFAULT_PER_WORKLOAD


def baseline(
    logs: LogsArg,
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="Where to write the baseline JSON report.",
        callback=writable)] = Path(
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
    since: SinceOpt = None,
    until: UntilOpt = None,
    engine: EngineOpt = Engine.duckdb,
    spark_master: SparkMasterOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write the JSON report of LOGS as the baseline `plan check` compares against."""
    report = run_analysis(logs, analysis_options(db, pricing, rules, overrides, frontier, distilled,
                                 escalation, reading=reading_options(source, model, workload,
                                                              trace_start, maps,
                                                              time_bounds, recursive),
                                 price_at=price_at, scenario_file=scenario_file,
                                 text_sample=text_sample, memory_limit=memory_limit,
                                 since=since, until=until, engine=engine,
                                 spark_master=spark_master), False)
    output.write_text(to_json(report), encoding="utf-8")
    say(f"plan: baseline written to {output}")


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
        help="Fail when a model without a price, or web searches without a per-search "
        "price, appear.")] = True,
    max_rejected_pct: Annotated[str, typer.Option(
        help="Fail when more than this percent of lines are rejected (100 turns it off).",
        parser=amount("--max-rejected-pct"))] = "1",
    output_format: Annotated[CiFormat, typer.Option(
        "--format", "-f", help="Output format.")] = CiFormat.table,
    min_change: MinChangeOpt = "0",
    comment: Annotated[Path | None, typer.Option(
        "--comment", metavar="PATH", callback=writable,
        help="Also write the pull-request comment (Markdown with a marker line) to PATH, even "
        "when the check cannot run (then the comment holds the error).")] = None,
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
    since: SinceOpt = None,
    until: UntilOpt = None,
    engine: EngineOpt = Engine.duckdb,
    spark_master: SparkMasterOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Analyse LOGS and compare with a baseline; exit 1 when a threshold is crossed.

    The scenario assumptions (frontier and distilled models, escalation, verbosity, cache,
    envelope, on-prem sizing, --price-at) are the baseline's, so the two reports price the same
    scenarios (a --scenario-file fills in what the baseline does not say); the pricing is the
    newest unless --pricing says otherwise.
    """
    try:
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
        options = analysis_options(db, pricing, rules, overrides, None, None, None,
                                   reading=reading_options(source, model, workload, trace_start,
                                                           maps, time_bounds, recursive),
                                   text_sample=text_sample, default_config=False,
                                   memory_limit=memory_limit, since=since, until=until,
                                   engine=engine, spark_master=spark_master)
        scenario_file = config_file(scenario_file)
        if scenario_file is not None:
            with reported():
                settings = settings.with_file(scenario_file)
        options = dataclasses.replace(options, settings=settings)
        # Compared as JSON, exactly as a baseline file is read back.
        new = json.loads(to_json(run_analysis(logs, options, False)))
        result = gate.check(old, new, thresholds)
    except typer.Exit:
        if comment is not None:
            _comment(comment, render_ci.error_comment("\n".join(LAST_ERROR)))
        raise
    shown = render_ci.Shown(thresholds, Decimal(min_change), render_ci.unpriced(old),
                            render_ci.unpriced(new))
    if comment is not None:
        _comment(comment, render_ci.markdown(cleaned(result.diff), cleaned(result), shown))
    _emit_ci(result.diff, output_format, result, shown)
    if not result.passed:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _comment(path: Path, text: str) -> None:
    with written(path):
        path.write_text(text, encoding="utf-8")
    say(f"plan: pull-request comment written to {path}")


def diff(
    old: Annotated[Path, typer.Argument(help="The older JSON report.")],
    new: Annotated[Path, typer.Argument(help="The newer JSON report.")],
    output_format: Annotated[CiFormat, typer.Option(
        "--format", "-f", help="Output format.")] = CiFormat.table,
    min_change: MinChangeOpt = "0",
) -> None:
    """Per workload and scenario, what changed between two JSON reports, split into volume,
    mix and price."""
    with reported():
        before, after = load_report(old), load_report(new)
        result = diff_reports(before, after)
    _emit_ci(result, output_format, None, render_ci.Shown(
        None, Decimal(min_change), render_ci.unpriced(before), render_ci.unpriced(after)))


def _emit_ci(diff_: Diff, fmt: CiFormat, result: CheckResult | None,
             shown: render_ci.Shown) -> None:
    # workload names are shown escaped in every rendering but JSON (cli/hygiene.py)
    clean, verdict = cleaned(diff_), cleaned(result)
    if fmt is CiFormat.table:
        render_ci.table(clean, Console(highlight=False), verdict, shown)
        return
    if fmt is CiFormat.markdown:
        text = render_ci.markdown(clean, verdict, shown)
    elif fmt is CiFormat.github:
        text = render_ci.github(clean, verdict, shown)
    elif fmt is CiFormat.json:
        text = render_ci.to_json(diff_, result)
    else:
        assert_never(fmt)
    sys.stdout.write(text)
