"""The options commands share, declared once (Typer `Annotated` aliases), and their parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli import common
from cli.errors import reported, writable
from planner import memory, pipeline
from planner.outputs.export import Layout
from planner.settings import Settings
from planner.stages.column_map import ColumnMap
from planner.stages.ingest import IngestOptions
from planner.stages.signals import DEFAULT_PER_WORKLOAD
from planner.stages.sources import SOURCES

DbOpt = Annotated[str | None, typer.Option(
    "--db", metavar="PATH",
    help="DuckDB file for ingested logs (default .plan/plan.duckdb; ':memory:' for none).")]
class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


FormatOpt = Annotated[ReportFormat | None, typer.Option(
    "--format", "-f", help="Output format (default: from -o's extension .html, .json or .csv, "
    "else table; html is one self-contained page).")]
OutputOpt = Annotated[Path | None, typer.Option(
    "--output", "-o", help="Write the report to this file instead of stdout.",
    callback=writable)]
PricingOpt = Annotated[str | None, typer.Option(
    "--pricing", metavar="VERSION|PATH",
    help="Pricing version (e.g. 2026-11-01) or a .toml file; default the newest.")]


def number(name: str, most: Decimal | None = None):  # type: ignore[no-untyped-def]
    """A parser for a decimal option in [0, most] (no upper bound when most is None)."""
    def parse(value: str | None) -> Decimal | None:
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise typer.BadParameter(f"{value!r} is not a number") from None
        if not number.is_finite() or number < 0 or (most is not None and number > most):
            bounds = f"between 0 and {most}" if most is not None else "a number >= 0"
            raise typer.BadParameter(f"{name} must be {bounds}, got {value}")
        return number
    return parse


def fraction(name: str):  # type: ignore[no-untyped-def]
    return number(name, Decimal(1))


def amount(name: str):  # type: ignore[no-untyped-def]
    return number(name)


LogsArg = Annotated[list[str], typer.Argument(
    metavar="LOGS", help="Log files (.jsonl, .json, .csv, .parquet; .gz too), directories, "
    "glob patterns, or - for standard input.")]


def instant(value: str | None) -> datetime | None:
    """An ISO 8601 date or time; without an offset it is UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date or time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


SourceOpt = Annotated[str | None, typer.Option(
    "--source", help="Read every file as this source instead of detecting it: "
    + ", ".join(s.name for s in SOURCES) + ".", metavar="NAME")]
ModelOpt = Annotated[str | None, typer.Option(
    "--model", help="Model of trace files, which name none (default: the pricing table's "
    "default frontier model).", metavar="MODEL")]
WorkloadOpt = Annotated[str | None, typer.Option(
    "--workload", help="Workload of trace files (default: the file name).", metavar="NAME")]
TraceStartOpt = Annotated[str | None, typer.Option(
    "--trace-start", help="Time zero of traces timed as offsets (Mooncake; default "
    "1970-01-01T00:00:00Z), and the time of Gemini API and Anthropic batch output lines (no "
    "default: they carry no time).", parser=instant, metavar="ISO")]
TimeBoundsOpt = Annotated[str | None, typer.Option(
    "--time-bounds", help="FROM..TO: plausible request times, ISO 8601 (either side may be "
    "empty); a line outside them is a reject. Default 2015-01-01..a day from now.",
    metavar="FROM..TO")]
MapOpt = Annotated[list[str] | None, typer.Option(
    "--map", help="canonical=EXPR for in-house logs (repeatable): a path, a sum of paths, a "
    "|default, a 'constant', a time unit; e.g. --map input_tokens=usage.in+usage.cached "
    "--map timestamp=ts:ms.", metavar="NAME=EXPR")]
_DURATION = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def moment(value: str | None) -> datetime | None:
    """An ISO 8601 date or time (UTC without an offset), or a duration back from now: 30m, 12h,
    7d, 2w."""
    if value is None:
        return None
    text = value.strip().lower()
    if text[:-1].isdigit() and text[-1:] in _DURATION:
        return datetime.now(UTC) - timedelta(seconds=int(text[:-1]) * _DURATION[text[-1]])
    return instant(value)


SinceOpt = Annotated[datetime | None, typer.Option(
    "--since", metavar="WHEN", parser=moment, help="Analyse requests from this time on: an ISO "
    "date or time (UTC unless it says), or a duration back from now (30m, 12h, 7d, 2w). "
    "Requests before it are counted as outside, not analysed.")]
UntilOpt = Annotated[datetime | None, typer.Option(
    "--until", metavar="WHEN", parser=moment, help="Analyse requests before this time (as "
    "--since).")]
MaxRejectsOpt = Annotated[str | None, typer.Option(
    "--max-rejects", metavar="PCT", parser=number("--max-rejects", Decimal(100)),
    help="Stop reading once more than PCT% of the lines read are rejects (default: no limit).")]
RecursiveOpt = Annotated[bool, typer.Option(
    "--recursive/--no-recursive", help="Read directories' subfolders too (hidden ones and files "
    "that are not logs are skipped and counted).")]
RulesOpt = Annotated[Path | None, typer.Option(
    help="Classification rules TOML (replaces the default rules).", metavar="PATH")]
OverridesOpt = Annotated[Path | None, typer.Option(
    help="TOML with a [workloads] table pinning workload = label.", metavar="PATH")]
FrontierOpt = Annotated[str | None, typer.Option(
    help="Frontier model for all-frontier and routed (default: the most-used frontier "
    "model in the logs).", metavar="MODEL")]
DistilledOpt = Annotated[str | None, typer.Option(
    help="Distilled model for routed and on-prem (default from the pricing table).",
    metavar="MODEL")]
EscalationOpt = Annotated[str | None, typer.Option(
    help="Share of routed requests re-sent to frontier (default 0.12).",
    parser=fraction("--escalation"), metavar="FRACTION")]
UtilizationOpt = Annotated[str | None, typer.Option(
    help="Target GPU utilisation for on-prem sizing (default 0.75).",
    parser=fraction("--utilization"), metavar="FRACTION")]
MinReplicasOpt = Annotated[int | None, typer.Option(
    min=1, help="Minimum self-hosted replicas (default 2).", metavar="N")]


ScenarioFileOpt = Annotated[Path | None, typer.Option(
    "--scenario-file", "--config", metavar="PATH", help="TOML of scenario assumptions "
    "(docs/scenarios.md); default ./plan.toml when there is one; flags win.")]
GrowthOpt = Annotated[str | None, typer.Option(
    help="Monthly traffic growth for the forecast, e.g. 0.05 (default 0).",
    parser=amount("--growth"), metavar="FRACTION")]
MonthsOpt = Annotated[int | None, typer.Option(metavar="N", min=1, max=120,
                                               help="Months to forecast (default 12).")]
BudgetOpt = Annotated[str | None, typer.Option(
    help="Monthly budget in USD: the report names the first month each scenario goes over it.",
    parser=amount("--budget"), metavar="USD")]


BatchWorkloadOpt = Annotated[list[str] | None, typer.Option(
    "--batch-workload", help="A batch-eligible workload (repeatable): routed and on-prem price "
    "its API traffic at the batch tier.", metavar="NAME")]


class OnPremMode(StrEnum):
    rented = "rented"
    autoscaled = "autoscaled"
    owned = "owned"


OnPremModeOpt = Annotated[OnPremMode | None, typer.Option(
    "--onprem-mode", help="How the on-prem fleet is paid for (default rented).")]


class PriceAt(StrEnum):
    current = "current"
    request_time = "request-time"


PriceAtOpt = Annotated[PriceAt, typer.Option(
    "--price-at", help="Price each request at the version's current prices, or at the price "
    "in force on its day.")]


TextSampleOpt = Annotated[int, typer.Option(
    "--text-sample", min=0, help="Distinct request texts per workload that the text signals "
    "read (0: none; the report gives the margin of error where a workload has more).",
    metavar="N")]
KeepTextOpt = Annotated[bool, typer.Option(
    "--keep-text", help="Keep request and response text in the database (default: only hashes "
    "and text signals; `plan samples` reads the text again from the log file).")]


def _memory_limit(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        memory.parse_size(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value.strip()


MemoryLimitOpt = Annotated[str | None, typer.Option(
    "--memory-limit", parser=_memory_limit, help="Memory DuckDB may use, e.g. 2GB (default: a "
    "quarter of this machine's memory, at most 512MiB); beyond it, stages spill to disk.",
    metavar="SIZE")]


TopOpt = Annotated[int, typer.Option(
    "--top", min=1, metavar="N", help="Workloads shown in the terminal report, largest first; "
    "the rest are summed in one row.")]
DetailsOpt = Annotated[bool, typer.Option(
    "--details", help="Also show each assumption with its source and what each file gave.")]
WideOpt = Annotated[bool, typer.Option(
    "--wide", help="Every column, however wide the terminal (for a file or a wide pager).")]


def reading_options(
    source: str | None, model: str | None, workload: str | None, trace_start: object,
    maps: list[str] | None, time_bounds: str | None = None, recursive: bool = True,
    max_rejects: object = None,
) -> IngestOptions:
    with reported():
        column_map = ColumnMap.parse(maps) if maps else None
    low, sep, high = (time_bounds or "..").partition("..")
    if not sep:
        raise typer.BadParameter(f"{time_bounds!r} is not FROM..TO", param_hint="--time-bounds")
    return IngestOptions(source=source, model=model, workload=workload,
                         trace_start=trace_start,  # type: ignore[arg-type]  # parsed
                         column_map=column_map, not_before=instant(low or None),
                         not_after=instant(high or None), recursive=recursive,
                         max_rejects_pct=max_rejects)  # type: ignore[arg-type]  # parsed


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


EngineOpt = Annotated[Engine, typer.Option(
    "--engine", help="Where the per-request stages run: DuckDB, embedded, or Apache Spark "
    "(pip install 'plan[spark]'; docs/scale.md).")]
SparkMasterOpt = Annotated[str | None, typer.Option(
    "--spark-master", metavar="URL", help="Spark master URL for --engine spark (local[4], yarn, "
    "spark://host:7077); default: spark-submit's or SPARK_MASTER, else local[*].")]


def analysis_options(
    db: str | None, pricing: str | None, rules: Path | None, overrides: Path | None,
    frontier: str | None, distilled: str | None, escalation: object,
    utilization: object = None, min_replicas: int | None = None,
    reading: IngestOptions | None = None, price_at: PriceAt = PriceAt.current,
    scenario_file: Path | None = None, growth: object = None, months: int | None = None,
    budget: object = None, onprem_mode: OnPremMode | None = None,
    batch_workloads: list[str] | None = None,
    text_sample: int = DEFAULT_PER_WORKLOAD, default_config: bool = True,
    memory_limit: str | None = None, keep_text: bool = False,
    since: datetime | None = None, until: datetime | None = None,
    engine: Engine | None = None, spark_master: str | None = None,
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
    scenario_file = config_file(scenario_file) if default_config else scenario_file
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
        text_sample=text_sample,
        memory_limit=memory_limit,
        keep_text=keep_text,
        since=since,
        until=until,
        engine=(engine or Engine.duckdb).value,
        spark_master=spark_master,
    )


CONFIG_FILE = Path("plan.toml")


def config_file(given: Path | None) -> Path | None:
    """--scenario-file / --config, else ./plan.toml when the working directory has one."""
    if given is not None:
        return given
    if CONFIG_FILE.is_file():
        common.say(f"plan: reading scenario assumptions from ./{CONFIG_FILE}")
        return CONFIG_FILE
    return None


def _quiet(value: bool) -> bool:
    common.QUIET.clear()
    if value:
        common.QUIET.add(True)
    return value


QuietOpt = Annotated[bool, typer.Option(
    "--quiet", "-q", callback=_quiet, help="No warnings or notes on stderr (errors still).")]
JsonOpt = Annotated[bool, typer.Option(
    "--json", help="The JSON report (the same as --format json).")]


LayoutOpt = Annotated[Layout, typer.Option(
    "--layout", help="wide: a row per group, a money column per scenario (sums in a "
    "spreadsheet); long: a row per group and scenario.")]
ExcelOpt = Annotated[bool, typer.Option(
    "--excel", help="CSV with a UTF-8 byte-order mark, which Excel and LibreOffice need to read "
    "names like café.")]
MinChangeOpt = Annotated[str, typer.Option(
    "--min-change-usd", metavar="USD", parser=amount("--min-change-usd"),
    help="Fold workload changes smaller than this many dollars a month into one line.")]
