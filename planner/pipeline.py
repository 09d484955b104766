"""The whole data flow of `plan analyze`, in order. Each step is one stage module / SQL file.

logs --ingest--> lines (requests, rejects; text signals, no text) --scope--> scope
     (deduplicated, workloads, window) --stats--> workload_stats --models--> plan_prices
     --label--> usage (labelled, routed, cached, summed), evidence --project--> costs, fleet,
     forecast, sensitivity --provenance--> Report
Steps 2-6 read every request; what they leave is kept (planner/stages/snapshot.py), so a re-run that
changes only projection assumptions starts at step 7.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from duckdb import DuckDBPyConnection as Connection

from planner import db
from planner.outputs.export import assumptions_digest, export_rows
from planner.progress import Progress
from planner.projection import curves, provenance, scenarios
from planner.projection.models import Models, choose_models, logged_models
from planner.projection.verdict import verdict
from planner.report import Assumption, Report, UnpricedModel
from planner.settings import Settings
from planner.stages import analysis, ingest, signals, snapshot
from planner.stages.discover import discover
from planner.stages.engine import open_engine
from planner.stages.rules import RuleSet, load_overrides, load_rules
from planner.stages.signals import DEFAULT_PER_WORKLOAD
from planner.wording import count as _count
from pricing import load_table

SHORT_WINDOW_DAYS = 7
T = TypeVar("T")


@dataclass(frozen=True)
class AnalyzeOptions:
    db: str | None = None  # None: .plan/plan.duckdb; ":memory:" for no file
    memory_limit: str | None = None  # DuckDB's, e.g. "2GB"; None: planner/memory.py's default
    pricing: str | None = None  # version name or .toml path; None: newest
    rules: str | None = None
    overrides: str | None = None
    # distinct request texts per workload that get text signals (0: none; planner/stages/signals.py)
    text_sample: int = DEFAULT_PER_WORKLOAD
    keep_text: bool = False  # --keep-text: store prompts and responses (default: hashes only)
    since: datetime | None = None  # --since: analyse requests from this time on
    until: datetime | None = None  # --until: ... and before this time
    settings: Settings = field(default_factory=Settings)
    reading: ingest.IngestOptions = field(default_factory=ingest.IngestOptions)
    engine: str = "duckdb"  # where the per-request stages run (planner/stages/engine.py)
    spark_master: str | None = None  # --spark-master; None: spark-submit's, SPARK_*, local


def analyze(
    paths: Sequence[str], options: AnalyzeOptions, progress: Progress | None = None
) -> Report:
    return _run(paths, options, progress)[0]


def export(
    paths: Sequence[str],
    options: AnalyzeOptions,
    group_by: Sequence[str],
    progress: Progress | None = None,
) -> tuple[Report, list[dict[str, object]]]:
    """Analyse, then cost rows per group and scenario (planner/outputs/export.py) from the same
    run."""
    return _run(paths, options, progress, group_by)


def _run(
    paths: Sequence[str],
    options: AnalyzeOptions,
    progress: Progress | None,
    group_by: Sequence[str] | None = None,
) -> tuple[Report, list[dict[str, object]]]:
    table = load_table(options.pricing)
    rules = load_rules(options.rules)
    overrides = load_overrides(options.overrides)
    found = discover(paths, options.reading.recursive)
    files = found.files

    con = db.connect(options.db, options.memory_limit, db.small_input(files, found.lake))
    try:
        # Steps 1-6 read every request, on the engine's tables (`big`: con itself on DuckDB);
        # from 7 on, plan reads the small tables they leave, here.
        engine = open_engine(options.engine, con, options.spark_master)
        big = engine.tables
        ingested = engine.ingest(files, _reading(                      # 1. logs -> lines,
            options, rules, table.default_frontier), progress, found.lake)  # text signals
        defaulted = _defaulted(ingested, options.reading)
        key = snapshot.key(ingested, rules, overrides, options.text_sample, table,
                           options.settings, defaulted, (options.since, options.until))
        restored = snapshot.restore(con, key) if engine.snapshots else None  # (2-6 kept)
        _say(progress, "finding duplicates and the time window")
        scope = analysis.build_scope(big, ingested, restored,          # 2. dedup, window
                                     (options.since, options.until))
        if restored is None:
            _say(progress, "measuring each workload's tokens")
            analysis.workload_stats(big, scope.window_seconds)         # 3. token statistics
            logged_models(big, defaulted)                              # 4. target models
            engine.take("plan_logged")
        models = choose_models(con, table, options.settings)
        if restored is None:
            _say(progress, "labelling workloads (text signals, rules)")
            analysis.label(big, rules, overrides,                      # 5. signals, labels
                           options.text_sample, scope.small)
            engine.give("plan_prices", "plan_model_map", "plan_selfhosted")
            _say(progress, "routing and summing requests")
            analysis.route(big, models.frontier, models.distilled,     # 6. route and sum
                           options.settings, engine.near_repeats)
            engine.take("run_files", "workload_stats", "text_signals", "workload_text",
                        "usage", "rule_evidence", "workload_evidence", "scope")
            if options.db != ":memory:" and engine.snapshots:
                snapshot.save(con, key, scope.bounds)
        _say(progress, "pricing the scenarios")
        projection = scenarios.project(                                # 7. costs, month
            con, table, models, options.settings, rules, scope.window_seconds)
        sources = provenance.read(                                     # 8. what sources imply
            con, ingested, options.reading, table.version)
        cache = curves.cache_curve(con, projection.monthly_scale_factor)  # (issue 22)
        rows = [] if group_by is None else export_rows(                # 9. (export) groups
            con, group_by, projection.monthly_scale_factor,
            projection.onprem.monthly_fleet_cost_usd)
    except Exception as exc:
        if db.damaged(exc, options.db):  # a damaged block, met wherever it was read
            raise db.damage_error(exc, options.db) from exc
        raise
    finally:
        con.close()

    report = Report(
        pricing_version=table.version,
        window=scope.window,
        ingest=scope.ingest,
        scenarios=projection.scenarios,
        workloads=projection.workloads,
        prices=projection.prices,
        assumptions=projection.assumptions + sources.assumptions + _curve_choices(options),
        unpriced_models=projection.unpriced,
        onprem=projection.onprem,
        warnings=(_warnings(scope, projection) + _approximate(models, table.version)
                  + projection.warnings + sources.warnings + _unaccounted(ingested)
                  + _undated_traces(ingested, scope.window.span)
                  + ((f"log folders: {found.summary()}",) if found.summary() else ())),
        monthly_scale_factor=projection.monthly_scale_factor,
        priced_quantities=projection.priced_quantities,
        logged_spend=sources.logged_spend,
        forecast=projection.forecast,
        budget=projection.budget,
        sensitivity=projection.sensitivity,
        envelope_overflow=projection.envelope_overflow,
        routing_curve=projection.routing_curve,
        cache_curve=cache,
        effects=projection.effects,
        model_ids=models.model_ids,
        server_tool_fees=projection.tool_fees,
    )
    report = dataclasses.replace(report, verdict=verdict(report))
    return report, [{**row, **_row_context(report)} for row in rows]


def read_labels(
    paths: Sequence[str], options: AnalyzeOptions, read: Callable[[Connection, RuleSet], T]
) -> T:
    """Stages 1-5 only, then `read` queries each request's label (`labelled_requests`): for
    plan eval and plan samples, which need no prices."""
    rules = load_rules(options.rules)
    overrides = load_overrides(options.overrides)
    found = discover(paths, options.reading.recursive)
    files = found.files
    con = db.connect(options.db, options.memory_limit, db.small_input(files, found.lake))
    try:
        ingested = open_engine("duckdb", con).ingest(files, _reading(   # (lake: refused)
            options, rules, load_table(options.pricing).default_frontier), None, found.lake)
        scope = analysis.build_scope(con, ingested, bounds=(options.since, options.until))
        analysis.workload_stats(con, scope.window_seconds)
        analysis.label(con, rules, overrides, options.text_sample, scope.small)
        return read(con, rules)
    finally:
        con.close()


def _reading(options: AnalyzeOptions, rules: RuleSet, default_model: str) -> ingest.IngestOptions:
    """How files are read, and what their text leaves behind: hashes, and the text signals of a
    sample of it (planner/stages/signals.py), or with --keep-text the text itself."""
    per_workload = options.text_sample if rules.uses_text() else 0
    policy = ingest.TextPolicy(
        keep=options.keep_text, per_workload=per_workload, max_chars=signals.max_chars(rules),
        key=signals.key(rules, per_workload),
        features=(lambda con, file_id: signals.compute_file(con, rules, file_id))
        if per_workload else None)
    return dataclasses.replace(options.reading, default_model=default_model, text=policy)


def _say(progress: Progress | None, stage: str) -> None:
    if progress is not None:
        progress(stage)


def _defaulted(files: Sequence[ingest.IngestedFile], reading: ingest.IngestOptions) -> list[int]:
    """Trace files whose requests got plan's default model (no --model): not the logs' own."""
    return [f.file_id for f in files if f.trace and not reading.model]


def _row_context(report: Report) -> dict[str, object]:
    """What every export row carries: which prices, which window, which assumptions."""
    return {"pricing_version": report.pricing_version, "window_start": report.window.start,
            "window_end": report.window.end, "assumptions_digest": assumptions_digest(report)}


def _curve_choices(options: AnalyzeOptions) -> tuple[Assumption, ...]:
    """The points chosen on the curves (issue 22): where routing starts, what the cache counts."""
    s = options.settings
    similarity = s.value("cache_similarity")
    return (Assumption("routing_min_score", str(s.value("routing_min_score")),
                       s.source("routing_min_score")),
            Assumption("semantic_cache_similarity",
                       "same normalised prompt only" if similarity is None else
                       f"{similarity} (near repeats among sampled texts; an estimate)",
                       s.source("cache_similarity")))


def _unaccounted(files: Sequence[ingest.IngestedFile]) -> tuple[str, ...]:
    """Files whose logged usage totals are above the parts plan prices (Langfuse)."""
    return tuple(
        f"{f.path}: {_count(f.unaccounted_requests, 'request')} "
        f"{'logs' if f.unaccounted_requests == 1 else 'log'} a usage total above input + "
        f"output; the {f.unaccounted_tokens:,} tokens no usage part names are not priced "
        "(one cause: Gemini thinking the instrumentation did not report, billed as output)"
        for f in files if f.unaccounted_requests)


OFFSET_ZERO = "1970-01-01T00:00:00+00:00"  # shaping.py: an offset trace's default time zero


def _undated_traces(files: Sequence[ingest.IngestedFile], span: str) -> tuple[str, ...]:
    """An offset trace (Mooncake) read with no --trace-start sits at 1970; beside dated logs the
    window then runs from 1970 and every monthly figure is spread over it."""
    placed = [f.path for f in files if f.options.get("trace_start") == OFFSET_ZERO
              and f.source == "mooncake-trace"]
    if not placed or len(placed) == len(files):
        return ()
    return (f"{_count(len(placed), 'trace')} timed as offsets ({', '.join(placed[:3])}"
            f"{' ...' if len(placed) > 3 else ''}) placed at 1970-01-01, beside dated logs: "
            f"the window runs {span} and every monthly figure is spread over it; give "
            "--trace-start or analyze the trace alone",)


def _approximate(models: Models, version: str) -> tuple[str, ...]:
    return tuple(
        f"model '{m.model}' has no price of its own in pricing {version}: its "
        f"{_count(m.requests, 'request')} {'is' if m.requests == 1 else 'are'} priced as "
        f"'{m.priced_as}', whose price may differ "
        f"({m.why})"
        for m in models.model_ids if m.approximate)


UNPRICED_NAMED = 5  # unpriced models named one by one in the warnings; the rest folded into one


def _unpriced(models: Sequence[UnpricedModel]) -> list[str]:
    """One warning a model with no price, up to UNPRICED_NAMED; beyond that one line for all of
    them, most requests first (the report's 'Models without a price' and the JSON list each)."""
    why = "left out of as-logged (every other scenario prices them at the chosen models)"
    if len(models) <= UNPRICED_NAMED:
        return [f"model '{m.model}' has no price: {_count(m.requests, 'request')} {why}"
                for m in models]
    named = ", ".join(f"'{m.model}' {m.requests:,}" for m in models[:UNPRICED_NAMED])
    return [f"{len(models)} models have no price: "
            f"{_count(sum(m.requests for m in models), 'request')} {why}: {named} and "
            f"{len(models) - UNPRICED_NAMED} more (all under 'Models without a price')"]


def _warnings(scope: analysis.Scope, projection: scenarios.Projection) -> tuple[str, ...]:
    out = []
    if scope.window.days < SHORT_WINDOW_DAYS:
        out.append(
            f"the logs span {scope.window.days} days, under {SHORT_WINDOW_DAYS}: weekly "
            "seasonality is not captured, so monthly figures are an extrapolation"
        )
    out.extend(_unpriced(projection.unpriced))
    weak = [w.workload for w in projection.workloads if w.evidence and w.evidence.mostly_default]
    if weak:
        out.append(f"{_count(len(weak), 'workload')} labelled mostly by default (no rule "
                   "matched most of their requests, so their label rests on no evidence): "
                   f"{', '.join(weak[:5])}"
                   + (f" and {len(weak) - 5} more" if len(weak) > 5 else ""))
    sampled = [w for w in projection.workloads if w.evidence and w.evidence.capability_margin
               is not None]
    if sampled:
        out.append(f"{_count(len(sampled), 'workload')} had more distinct texts than the text "
                   "sample (--text-sample) reads: their capability share is an estimate, with "
                   "its 95% margin of error in the JSON report (evidence.capability_margin)")
    if scope.ingest.rejected:
        share = Decimal(100 * scope.ingest.rejected) / Decimal(scope.ingest.read)
        out.append(f"{scope.ingest.rejected:,} of {scope.ingest.read:,} lines rejected "
                   f"({share.quantize(Decimal('0.1'))}%): see the reject reasons")
    return tuple(out)


__all__ = ["AnalyzeOptions", "analyze", "export", "read_labels"]
