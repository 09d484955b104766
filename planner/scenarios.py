"""Stages 60-75: price the requests under every scenario and project a month.

choose_models() picks the frontier and distilled models and loads the price rows the SQL uses;
SQL (sql/60-75) prices exactly in DECIMAL over the observed window; project() scales to an
average month (365.25 / 12 days), sizes the on-prem fleet and rounds to cents once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from planner import db
from planner.errors import PricingError
from planner.ingest import run_script
from planner.money import HOURS_PER_MONTH, SECONDS_PER_MONTH, allocate_cents, pct_change
from planner.report import (
    Assumption,
    OnPrem,
    Price,
    PricedQuantity,
    ScenarioCost,
    UnpricedModel,
    Workload,
    WorkloadStats,
)
from planner.rules import RuleSet
from pricing import PriceTable
from pricing.table import SERVICE_TIERS, RateCard

PUBLISHED_ESCALATION = "published: 10-15% of routed traffic escalates (Feb 2026 analyses); midpoint"
PUBLISHED_UTILIZATION = "published: target GPU utilisation about 75% for serving fleets"
PER_TOKEN = Decimal(1_000_000)
# The open ends of a price period, as dates DuckDB and Python both hold.
FIRST_DAY, LAST_DAY = date(1, 1, 1), date(9999, 12, 31)


@dataclass(frozen=True)
class Settings:
    """Scenario knobs. None means "plan's default", which the report names as such."""

    frontier: str | None = None
    distilled: str | None = None
    escalation: Decimal | None = None
    utilization: Decimal | None = None
    min_replicas: int | None = None
    price_at: str = "current"  # or "request-time": the price in force on each request's day


@dataclass(frozen=True)
class Models:
    """The models the scenarios move traffic to, and the logged models that have a price."""

    frontier: str
    frontier_source: str
    distilled: str
    distilled_source: str
    priced: frozenset[str]


@dataclass(frozen=True)
class Projection:
    scenarios: tuple[ScenarioCost, ...]
    workloads: tuple[Workload, ...]
    prices: tuple[Price, ...]
    unpriced: tuple[UnpricedModel, ...]
    onprem: OnPrem
    assumptions: tuple[Assumption, ...]
    monthly_scale_factor: Decimal
    priced_quantities: tuple[PricedQuantity, ...]


def choose_models(
    con: duckdb.DuckDBPyConnection, table: PriceTable, settings: Settings
) -> Models:
    # Each logged model id (NULL: no model) and service tier, with its days and requests: read
    # once, for the frontier choice and the price lookup here and for stage 50's prices.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE plan_logged AS SELECT model, service_tier, "
        "min(ts)::DATE AS first_day, max(ts)::DATE AS last_day, count(*) AS requests "
        "FROM scope GROUP BY ALL")
    logged = dict(con.execute(
        "SELECT model, sum(requests)::BIGINT FROM plan_logged GROUP BY model").fetchall())
    frontier, frontier_src = _frontier(logged, table, settings.frontier)
    distilled = table.get(settings.distilled or table.default_distilled).model
    distilled_src = "flag --distilled" if settings.distilled else (
        f"pricing {table.version}: default distilled model")
    priced = _load_prices(con, table, list(logged), (frontier, distilled), settings.price_at)
    return Models(frontier, frontier_src, distilled, distilled_src, frozenset(priced))


def project(
    con: duckdb.DuckDBPyConnection,
    table: PriceTable,
    models: Models,
    settings: Settings,
    rules: RuleSet,
    window_seconds: Decimal,
) -> Projection:
    frontier, distilled = models.frontier, models.distilled
    escalation = settings.escalation if settings.escalation is not None else Decimal("0.12")
    utilization = settings.utilization if settings.utilization is not None else Decimal("0.75")
    min_replicas = settings.min_replicas if settings.min_replicas is not None else 2
    run_script(con, db.sql("60_costs"),
               {"frontier": frontier, "distilled": distilled, "escalation": str(escalation)})
    run_script(con, db.sql("70_workload_costs"), {})
    factor = SECONDS_PER_MONTH / window_seconds
    onprem = _size_fleet(con, table, distilled, utilization, min_replicas)
    workloads = _workloads(con, factor, onprem.monthly_fleet_cost_usd, rules)
    totals = {name: sum((w.monthly_cost_usd[name] for w in workloads), Decimal(0))
              for name in ("as-logged", "all-frontier", "routed", "on-prem")}
    scenarios = tuple(
        ScenarioCost(
            name, total,
            None if name == "all-frontier" else pct_change(totals["all-frontier"], total),
            None if name == "as-logged" else pct_change(totals["as-logged"], total),
        )
        for name, total in totals.items()
    )
    unpriced = tuple(UnpricedModel(m or "(no model)", n) for m, n in con.execute(
        "SELECT model, sum(requests)::BIGINT FROM costs WHERE as_logged_cost IS NULL "
        "GROUP BY model ORDER BY 2 DESC, model").fetchall())
    prices = tuple(_price(table, m) for m in sorted({*models.priced, frontier, distilled}))
    profile = table.selfhosted.get(distilled)
    assumptions = (
        Assumption("frontier_model", frontier, models.frontier_source),
        Assumption("distilled_model", distilled, models.distilled_source),
        Assumption("escalation_rate", str(escalation),
                   "flag --escalation" if settings.escalation is not None
                   else PUBLISHED_ESCALATION),
        Assumption("month_length_days", "30.4375", "calendar: 365.25 / 12"),
        Assumption("monthly_scale_factor", str(factor.quantize(Decimal("0.0001"))),
                   "measured: month length / observed window"),
        Assumption("gpu_utilization_target", str(utilization),
                   "flag --utilization" if settings.utilization is not None
                   else PUBLISHED_UTILIZATION),
        Assumption("min_replicas", str(min_replicas),
                   "flag --min-replicas" if settings.min_replicas is not None
                   else "plan default: two replicas so one can fail"),
        Assumption("onprem_gpu", f"{onprem.gpu} at ${table.gpus[onprem.gpu].hourly_usd}/h"
                   if onprem.gpu in table.gpus else onprem.gpu,
                   table.gpus[onprem.gpu].source if onprem.gpu in table.gpus else "none"),
        Assumption("onprem_throughput",
                   f"{profile.prefill_tokens_per_s} prefill + {profile.decode_tokens_per_s} "
                   f"decode tokens/s per replica" if profile else "no self-hosted profile",
                   profile.source if profile else f"pricing {table.version}"),
        Assumption("hours_per_month", str(HOURS_PER_MONTH), "cloud billing convention"),
        Assumption("workload_label_threshold", str(rules.workload_threshold),
                   rules.path),
        Assumption("cached_tokens_on_other_models",
                   "keep their cache-read / cache-write bucket",
                   "plan assumption: the target model caches the same prefixes"),
        Assumption("pricing_version", table.version, str(table.path)),
        Assumption("distilled_context_window",
                   str(table.models[distilled].context_window or "not published"),
                   f"pricing {table.version}" + ("" if table.models[distilled].context_window
                   else ": no request is kept on frontier for its length")),
        Assumption("price_at", settings.price_at if settings.price_at == "request-time"
                   else f"current (prices in force on {table.released})",
                   "flag --price-at" if settings.price_at == "request-time"
                   else "plan default: --price-at current"),
    )
    quantities = tuple(
        PricedQuantity(w, s, m, lc, Decimal(weight), *counts)
        for w, s, m, lc, weight, *counts in con.execute(db.sql("80_priced_quantities"), {
            "frontier": frontier, "distilled": distilled, "escalation": str(escalation)
        }).fetchall()
    )
    return Projection(scenarios, workloads, prices, unpriced, onprem, assumptions, factor,
                      quantities)


def _frontier(
    logged: dict[str | None, int], table: PriceTable, chosen: str | None
) -> tuple[str, str]:
    if chosen:
        return table.get(chosen).model, "flag --frontier"
    # The frontier model the team already uses most, so all-frontier is "everything on it".
    best: dict[str, int] = {}
    for model, n in logged.items():
        entry = table.resolve(model) if model is not None else None
        if entry and table.models[entry].tier == "frontier":
            best[entry] = best.get(entry, 0) + n
    if best:
        top = max(sorted(best), key=lambda m: best[m])
        return top, f"measured: most-used frontier model in the logs ({best[top]} requests)"
    return table.default_frontier, f"pricing {table.version}: default (no frontier model logged)"


def _load_prices(
    con: duckdb.DuckDBPyConnection, table: PriceTable, logged: list[str | None],
    targets: Sequence[str], price_at: str,
) -> set[str]:
    """Load plan_prices (per-token DECIMAL rates) and plan_model_map (logged id -> entry).

    plan_prices has one row per model, service tier and price period, valid from `valid_from`
    until the day before `valid_to`. At `current` there is one period, the version's current
    prices, for all time; at `request-time` every dated period. A service tier the model does
    not publish repeats the standard rates with `published` false.
    """
    mapping = [(m, table.resolve(m) if m is not None else None) for m in logged]
    priced = {e for _, e in mapping if e}
    rows: list[list[object]] = []
    for name in sorted(priced | set(targets)):
        m = table.models[name]
        periods = m.periods if price_at == "request-time" else (m.current,)
        for i, period in enumerate(periods):
            start = period.start if price_at == "request-time" and i else None
            nxt = periods[i + 1].start if i + 1 < len(periods) else None
            for tier in ("standard", *SERVICE_TIERS):
                card = period.service_tiers.get(tier, period.standard)
                published = tier == "standard" or tier in period.service_tiers
                rows.append([len(rows), m.model, tier, published, start or FIRST_DAY,
                             nxt or LAST_DAY,
                             m.context_window, m.multimodal, *_card_row(card)])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE plan_prices (id INTEGER, model VARCHAR, tier VARCHAR, "
        "published BOOLEAN, valid_from DATE, valid_to DATE, context_window BIGINT, "
        "multimodal BOOLEAN, p STRUCT(input DECIMAL(18, 12), cached_input DECIMAL(18, 12), "
        "cache_write DECIMAL(18, 12), output DECIMAL(18, 12), lc_above BIGINT, "
        "lc_input DECIMAL(18, 12), lc_cached_input DECIMAL(18, 12), "
        "lc_cache_write DECIMAL(18, 12), lc_output DECIMAL(18, 12)))"
    )
    # One INSERT of all rows (executemany runs one statement per row).
    row_sql = ("(?, ?, ?, ?, ?, ?, ?, ?, {'input': ?, 'cached_input': ?, 'cache_write': ?, "
               "'output': ?, 'lc_above': ?, 'lc_input': ?, 'lc_cached_input': ?, "
               "'lc_cache_write': ?, 'lc_output': ?})")
    con.execute("INSERT INTO plan_prices VALUES " + ", ".join([row_sql] * len(rows)),
                [x for row in rows for x in row])
    con.execute("CREATE OR REPLACE TEMP TABLE plan_model_map (raw_model VARCHAR, entry VARCHAR)")
    if mapping:
        con.execute("INSERT INTO plan_model_map VALUES " + ", ".join(["(?, ?)"] * len(mapping)),
                    [x for pair in mapping for x in pair])
    return priced


def _card_row(card: RateCard) -> list[object]:
    r, lc = card.rates, card.long_context
    rates = [r.input, r.cached_input, r.cache_write, r.output]
    lc_rates = [lc.input, lc.cached_input, lc.cache_write, lc.output] if lc else [None] * 4
    return [*[x / PER_TOKEN for x in rates], card.long_context_above,
            *[None if x is None else x / PER_TOKEN for x in lc_rates]]


def _size_fleet(
    con: duckdb.DuckDBPyConnection,
    table: PriceTable,
    distilled: str,
    utilization: Decimal,
    min_replicas: int,
) -> OnPrem:
    profile = table.selfhosted.get(distilled)
    if profile is None:
        raise PricingError(
            f"distilled model '{distilled}' has no self-hosted profile in pricing "
            f"{table.version}, so the on-prem scenario cannot be sized",
            hint=f"choose --distilled from: {', '.join(sorted(table.selfhosted))}",
        )
    gpu = table.gpus[profile.gpu]
    row = con.execute(db.sql("75_onprem_load"), {
        "prefill_tps": profile.prefill_tokens_per_s, "decode_tps": profile.decode_tokens_per_s,
    }).fetchone()
    load = Decimal(str(row[0])) if row else Decimal(0)
    peak = row[3] if row else None
    # No distilled-routed traffic: nothing to host, so no fleet (not a min-replica idle one).
    replicas = max(min_replicas, math.ceil(load / utilization)) if peak else 0
    gpus = replicas * profile.gpus_per_replica
    return OnPrem(
        mode="rented",
        model=distilled,
        gpu=profile.gpu,
        gpus=gpus,
        replicas=replicas,
        peak_minute=peak.strftime("%Y-%m-%dT%H:%MZ") if peak else None,
        peak_replica_load=load.quantize(Decimal("0.0001")),
        utilization=(load / replicas).quantize(Decimal("0.0001")) if replicas else Decimal(0),
        monthly_fleet_cost_usd=gpus * gpu.hourly_usd * HOURS_PER_MONTH,
        gpu_hourly_usd=gpu.hourly_usd,
    )


def _workloads(
    con: duckdb.DuckDBPyConnection, factor: Decimal, fleet: Decimal, rules: RuleSet
) -> tuple[Workload, ...]:
    rows = con.execute(
        "SELECT c.*, s.* EXCLUDE (workload) FROM workload_costs c "
        "JOIN workload_stats s USING (workload) ORDER BY c.frontier DESC, c.workload"
    ).fetchall()
    cols = [d[0] for d in con.description]
    recs = [dict(zip(cols, r, strict=True)) for r in rows]
    onprem_tokens = sum(r["onprem_tokens"] for r in recs)
    raw = {
        "as-logged": [Decimal(r["as_logged"]) * factor for r in recs],
        "all-frontier": [Decimal(r["frontier"]) * factor for r in recs],
        "routed": [Decimal(r["routed"]) * factor for r in recs],
        # The fleet's fixed cost is shared by each workload's share of on-prem tokens.
        "on-prem": [
            Decimal(r["onprem_api"]) * factor
            + (fleet * r["onprem_tokens"] / onprem_tokens if onprem_tokens else Decimal(0))
            for r in recs
        ],
    }
    cents = {name: allocate_cents(values) for name, values in raw.items()}
    reasons = _reasons(con, rules)
    out = []
    for i, r in enumerate(recs):
        share = Decimal(str(r["capability_share"]))
        out.append(Workload(
            workload=r["workload"],
            workload_source=r["workload_source"],
            label="capability-bound" if share >= Decimal(str(rules.workload_threshold))
            else "cost-bound",
            capability_share=share.quantize(Decimal("0.0001")),
            requests=r["requests"],
            input_tokens=r["input_tokens"],
            output_tokens=r["output_tokens"],
            cached_input_tokens=r["cached_input_tokens"],
            monthly_cost_usd={name: cents[name][i] for name in cents},
            reasons=reasons.get(r["workload"], ()),
            stats=WorkloadStats(
                p50_input_tokens=r["p50_input_tokens"], p95_input_tokens=r["p95_input_tokens"],
                p50_output_tokens=r["p50_output_tokens"], p95_output_tokens=r["p95_output_tokens"],
                tool_share=_share(r["tool_share"]), image_share=_share(r["image_share"]),
                long_context_share=_share(r["long_context_share"]),
                requests_per_day=Decimal(str(r["requests_per_day"])).quantize(Decimal("0.01")),
                peak_tokens_per_minute=int(r["peak_tokens_per_minute"]),
            ),
            unpriced_requests=r["unpriced_requests"],
            stays_on_frontier=r["envelope_overflow"],
        ))
    return tuple(out)


def _reasons(con: duckdb.DuckDBPyConnection, rules: RuleSet) -> dict[str, tuple[str, ...]]:
    words = {r.name: r.reason for r in rules.rules}
    words["default"] = rules.default_reason
    words["override"] = "label pinned by the overrides file"
    out: dict[str, list[str]] = {}
    for workload, rule, label, n, total in con.execute(
        "SELECT workload, rule, label, requests, sum(requests) OVER (PARTITION BY workload) "
        "FROM workload_reasons ORDER BY workload, requests DESC, rule"
    ).fetchall():
        pct = Decimal(100 * n) / Decimal(total)
        out.setdefault(workload, []).append(
            f"{label}: {words.get(rule, rule)} ({pct.quantize(Decimal('0.1'))}% of requests)")
    return {k: tuple(v) for k, v in out.items()}


def _share(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def _price(table: PriceTable, model: str) -> Price:
    m = table.models[model]
    lc = m.long_context
    return Price(model=m.model, tier=m.tier, input_per_mtok=m.rates.input,
                 cached_input_per_mtok=m.rates.cached_input,
                 cache_write_per_mtok=m.rates.cache_write, output_per_mtok=m.rates.output,
                 context_window=m.context_window, source=f"{m.source} ({m.source_date})",
                 long_context_above=m.long_context_above,
                 lc_input_per_mtok=lc.input if lc else None,
                 lc_cached_input_per_mtok=lc.cached_input if lc else None,
                 lc_cache_write_per_mtok=lc.cache_write if lc else None,
                 lc_output_per_mtok=lc.output if lc else None)
