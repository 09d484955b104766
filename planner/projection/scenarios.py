"""Stages 60-80: price the requests under every scenario and project a month.

SQL (sql/60-80) prices exactly in DECIMAL over the observed window, at the models and price rows
stage 4 (planner/projection/models.py) chose; project() scales to an average month (365.25 / 12
days), sizes the on-prem fleet (planner/projection/fleet.py), forecasts and runs the sensitivity
(planner/projection/forecast.py), and rounds to cents once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Decimal

import duckdb

from planner import db
from planner.projection import effects, forecast, tool_fees
from planner.projection.assumptions import assumptions
from planner.projection.curves import routing_curve
from planner.projection.fleet import Fleet, breakeven_scale
from planner.projection.fleet import monthly_tokens as fleet_tokens
from planner.projection.fleet import size as size_fleet
from planner.projection.models import Models, price_of
from planner.projection.money import (
    SECONDS_PER_MONTH,
    allocate_cents,
    pct_change,
    to_cents,
)
from planner.report import (
    Assumption,
    Budget,
    CurvePoint,
    EnvelopeOverflow,
    ForecastMonth,
    OnPrem,
    Price,
    PricedQuantity,
    ScenarioCost,
    ScenarioEffects,
    Sensitivity,
    ServerToolFees,
    UnpricedModel,
    VolumePoint,
    Workload,
    WorkloadStats,
)
from planner.settings import Settings, routing_bin
from planner.stages.evidence import read as read_evidence
from planner.stages.rules import RuleSet
from planner.stages.scripts import run_script
from pricing import PriceTable


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
    forecast: tuple[ForecastMonth, ...]
    budget: Budget | None
    sensitivity: tuple[Sensitivity, ...]
    envelope_overflow: tuple[EnvelopeOverflow, ...]
    warnings: tuple[str, ...]
    routing_curve: tuple[CurvePoint, ...] = ()
    effects: tuple[ScenarioEffects, ...] = ()
    tool_fees: ServerToolFees | None = None  # web searches, in every scenario's cost


def project(
    con: duckdb.DuckDBPyConnection,
    table: PriceTable,
    models: Models,
    settings: Settings,
    rules: RuleSet,
    window_seconds: Decimal,
) -> Projection:
    frontier, distilled = models.frontier, models.distilled
    con.execute("CREATE OR REPLACE TEMP TABLE plan_escalation (workload VARCHAR, "
                "rate DECIMAL(7, 6))")
    if settings.escalation_by_workload:
        con.executemany("INSERT INTO plan_escalation VALUES (?, ?)",
                        [(w, str(r)) for w, r in settings.escalation_by_workload.items()])
    factor = SECONDS_PER_MONTH / window_seconds
    base = _cost_params(models, settings)
    what_ifs = _swing_params(models, settings, base)
    api, what_if_apis = _price_window(con, [base, *what_ifs.values()], factor)
    fleet = size_fleet(con, table, distilled, settings, window_seconds)
    workloads = _workloads(con, factor, fleet.monthly_cost(), rules)
    totals = {name: sum((w.monthly_cost_usd[name] for w in workloads), Decimal(0))
              for name in ("as-logged", "all-frontier", "routed", "on-prem")}
    split = effects.split(con, factor, totals, frontier, distilled, base["consolidate"] is True)
    # Against as-logged, traffic without an as-logged price is left out of both sides: its
    # change is unknown, never a saving.
    known = {e.scenario: totals[e.scenario] - effects.unpriced(e) for e in split}
    scenarios = tuple(
        ScenarioCost(
            name, total,
            None if name == "all-frontier" else pct_change(totals["all-frontier"], total),
            None if name == "as-logged" else pct_change(totals["as-logged"], known[name]),
        )
        for name, total in totals.items()
    )
    curve = routing_curve(con, factor, totals["as-logged"], totals["all-frontier"],
                          routing_bin(settings))
    onprem = _onprem(con, fleet, api, window_seconds)
    months = forecast.forecast(api, api["on-prem api"], fleet.monthly_cost,
                               settings.value("growth"), settings.value("months"))
    budget_usd = settings.value("budget")
    budget = Budget(budget_usd, forecast.first_month_over(months, budget_usd)) \
        if budget_usd is not None else None
    swings = _swings(con, table, models, settings, fleet, window_seconds, api,
                     dict(zip(what_ifs, what_if_apis, strict=True)))
    unpriced = tuple(UnpricedModel(m or "(no model)", n) for m, n in con.execute(
        "SELECT model, sum(requests)::BIGINT FROM costs WHERE as_logged_cost IS NULL "
        "GROUP BY model ORDER BY 2 DESC, model").fetchall())
    prices = tuple(price_of(table, m) for m in sorted({*models.priced, frontier, distilled}))
    overflow = tuple(EnvelopeOverflow(w, r.removeprefix("frontier: "), n) for w, r, n in
                     con.execute("SELECT workload, route, sum(requests)::BIGINT FROM costs "
                                 "WHERE route LIKE 'frontier: %' GROUP BY ALL ORDER BY ALL"
                                 ).fetchall()) + tuple(
        EnvelopeOverflow(w, f"on-prem only: over the self-hosted {distilled}'s "
                         f"{fleet.profile.max_context:,}-token context, served by its API", n)
        for w, n in con.execute("SELECT workload, sum(requests)::BIGINT FROM costs WHERE "
                                "route = 'distilled' AND over_onprem_context GROUP BY ALL "
                                "ORDER BY ALL").fetchall())
    quantities = tuple(
        PricedQuantity(w, s, m, lc, Decimal(weight), *counts)
        for w, s, m, lc, weight, *counts in con.execute(db.sql("80_priced_quantities"), {
            "frontier": frontier, "distilled": distilled,
            "escalation": str(settings.value("escalation")),
            "consolidate": base["consolidate"],
        }).fetchall()
    )
    warnings: tuple[str, ...] = (() if models.router else (
        f"router model '{settings.value('router_model')}' has no price in pricing "
        f"{table.version}: routed and on-prem leave out the router's cost",))
    warnings += _not_chat(con, table)
    fees = tool_fees.read(con, factor)
    warnings += tool_fees.warnings(fees, table.version)
    return Projection(scenarios, workloads, prices, unpriced, onprem,
                      assumptions(table, models, settings, rules, fleet, factor)
                      + tool_fees.assumptions(table, fees),
                      factor, quantities, months, budget, forecast.sensitivity(swings),
                      overflow, warnings, curve, split, fees)


def _cost_params(models: Models, settings: Settings, **override: object) -> dict[str, object]:
    params: dict[str, object] = {
        "frontier": models.frontier, "distilled": models.distilled,
        "router": models.router or "", "escalation": str(settings.value("escalation")),
        "verbosity": str(settings.value("verbosity")),
        "assumed_hit": str(settings.value("assumed_cache_hit_rate")),
        "batch_workloads": list(settings.batch_workloads),
        # --frontier (or the scenario file's frontier) moves kept requests onto that model.
        "consolidate": settings.frontier is not None,
    }
    params.update({k: str(v) for k, v in override.items()})
    return params


# TEMP table plan_cost_params (stage 60): one row per parameter set k, _cost_params' keys.
_COST_PARAM_TYPES = {"frontier": "VARCHAR", "distilled": "VARCHAR", "router": "VARCHAR",
                     "escalation": "DECIMAL(7, 6)", "verbosity": "DECIMAL(9, 4)",
                     "assumed_hit": "DECIMAL(7, 6)", "batch_workloads": "VARCHAR[]",
                     "consolidate": "BOOLEAN"}
# Stage 60's totals per parameter set (every set has a row, priced rows or not).
_TOTALS = ("SELECT k, coalesce(sum(as_logged_cost), 0), sum(frontier_cost), sum(routed_cost), "
           "sum(onprem_api_cost), sum(offload_routed_cost), sum(offload_onprem_cost) "
           "FROM plan_cost_params LEFT JOIN scenario_costs USING (k) GROUP BY k ORDER BY k")


def _price_window(con: duckdb.DuckDBPyConnection, param_sets: Sequence[dict[str, object]],
                  factor: Decimal) -> tuple[dict[str, Decimal], list[dict[str, Decimal]]]:
    """Stages 60 and 70 (the `costs` and `workload_costs` tables, at the first parameter set);
    the API part of each scenario, a month, at the first set and at each of the others."""
    names = list(_COST_PARAM_TYPES)
    con.execute("CREATE OR REPLACE TEMP TABLE plan_cost_params (k INTEGER, " + ", ".join(
        f"{n} {t}" for n, t in _COST_PARAM_TYPES.items()) + ")")
    row = "(" + ", ".join(["?"] * (len(names) + 1)) + ")"
    con.execute("INSERT INTO plan_cost_params VALUES " + ", ".join([row] * len(param_sets)),
                [x for k, p in enumerate(param_sets) for x in (k, *(p[n] for n in names))])
    run_script(con, db.sql("60_costs"), {})
    run_script(con, db.sql("70_workload_costs"), {})
    base, *others = [_totals(row[1:], factor) for row in con.execute(_TOTALS).fetchall()]
    return base, others


def _totals(row: tuple[object, ...] | None, factor: Decimal) -> dict[str, Decimal]:
    assert row is not None
    names = ("as-logged", "all-frontier", "routed", "on-prem api", "offload routed",
             "offload on-prem")
    return {n: Decimal(str(v or 0)) * factor for n, v in zip(names, row, strict=True)}


def _not_chat(con: duckdb.DuckDBPyConnection, table: PriceTable) -> tuple[str, ...]:
    """Requests on embedding, image or audio models: kept on their model in every scenario."""
    rows = con.execute("SELECT priced_model, sum(requests)::BIGINT FROM costs WHERE route = "
                       "'own model: not a chat model' GROUP BY ALL ORDER BY 2 DESC, 1").fetchall()
    if not rows:
        return ()
    named = ", ".join(f"{m} ({table.models[m].kind}, {n:,})" for m, n in rows[:5])
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return (f"{sum(n for _, n in rows):,} requests on models that are not chat models stay on "
            f"their own model in every scenario (no chat model can answer them): {named}{more}",)


def _onprem(con: duckdb.DuckDBPyConnection, fleet: Fleet, api: dict[str, Decimal],
            window_seconds: Decimal) -> OnPrem:
    tokens = fleet_tokens(con, window_seconds)
    scale = breakeven_scale(fleet, api["offload routed"], api["offload on-prem"])
    utilization = fleet.utilization()
    return OnPrem(
        mode=fleet.mode, model=fleet.model, gpu=fleet.gpu.sku, gpus=fleet.gpus(),
        replicas=fleet.gpus() // fleet.profile.gpus_per_replica, peak_minute=fleet.peak_minute,
        peak_replica_load=fleet.peak_load.quantize(Decimal("0.0001")),
        utilization=utilization.quantize(Decimal("0.0001")),
        monthly_fleet_cost_usd=fleet.monthly_cost(), gpu_hourly_usd=fleet.hourly_usd,
        idle_cost_share=(1 - utilization).quantize(Decimal("0.0001")) if fleet.gpus() else
        Decimal(0),
        percentile_replica_load=fleet.percentile_load.quantize(Decimal("0.0001")),
        monthly_tokens=int(tokens),
        breakeven_monthly_tokens=None if scale is None else int(
            (scale * tokens).to_integral_value(rounding=ROUND_CEILING)),
        curve=_curve(fleet, api, tokens, scale),
    )


def _curve(fleet: Fleet, api: dict[str, Decimal], tokens: Decimal,
           breakeven: Decimal | None) -> tuple[VolumePoint, ...]:
    """24 volumes from a quarter of today's to 4x today's or twice the break-even, whichever is
    more, evenly spaced on a log scale."""
    if not tokens:
        return ()
    top = max(Decimal(4), 2 * breakeven) if breakeven else Decimal(4)
    low = Decimal("0.25")
    step = (top / low) ** (Decimal(1) / 23)
    return tuple(
        VolumePoint(int(tokens * s), to_cents(fleet.monthly_cost(s) + api["offload on-prem"] * s),
                    to_cents(api["offload routed"] * s))
        for s in (low * step ** i for i in range(24)))


# assumption -> (low, high): the published range where there is one, else a plausible one.
SWINGS: dict[str, tuple[Decimal, Decimal]] = {
    "escalation": (Decimal("0.10"), Decimal("0.15")),
    "assumed_cache_hit_rate": (Decimal("0"), Decimal("0.50")),
    "utilization": (Decimal("0.60"), Decimal("0.85")),
    "verbosity": (Decimal("1"), Decimal("1.5")),
    "growth": (Decimal("0"), Decimal("0.10")),
}


# The stage-60 parameter each priced assumption sets (utilisation and growth price nothing).
SWING_PARAMS = {"escalation": "escalation", "assumed_cache_hit_rate": "assumed_hit",
                "verbosity": "verbosity"}


def _swing_params(models: Models, settings: Settings,
                  base: dict[str, object]) -> dict[tuple[str, Decimal], dict[str, object]]:
    """Stage 60's parameters at each end of each priced swing that changes them."""
    ends = [(name, value) for name, (low, high) in SWINGS.items() for value in (low, high)
            if name in SWING_PARAMS]
    params = {end: _cost_params(models, settings, **{SWING_PARAMS[end[0]]: end[1]})
              for end in ends}
    return {end: p for end, p in params.items() if p != base}


def _swings(con: duckdb.DuckDBPyConnection, table: PriceTable, models: Models,
            settings: Settings, fleet: Fleet, window_seconds: Decimal,
            base_api: dict[str, Decimal], apis: dict[tuple[str, Decimal], dict[str, Decimal]],
            ) -> list[forecast.Swing]:
    """`apis`: the API totals at the swing ends that reprice (the rest price as the base)."""
    months = settings.value("months")
    ends = [(name, value) for name, (low, high) in SWINGS.items() for value in (low, high)]
    totals = {}
    for name, value in ends:
        run_fleet, scale = fleet, Decimal(1)
        if name == "utilization":
            run_fleet = replace(fleet, utilization_target=value)
        elif name == "growth":
            scale = (1 + value) ** months
        elif name == "verbosity" and value != settings.value("verbosity"):
            # More output tokens also load the fleet more.
            run_fleet = size_fleet(con, table, models.distilled,
                                   replace(settings, verbosity=value), window_seconds)
        api = apis.get((name, value), base_api)
        totals[name, value] = {
            "all-frontier": api["all-frontier"] * scale, "routed": api["routed"] * scale,
            "on-prem": api["on-prem api"] * scale + run_fleet.monthly_cost(scale)}
    out = []
    for name, (low, high) in SWINGS.items():
        what = f" (at month {months})" if name == "growth" else ""
        out.append(forecast.Swing(name + what, str(low), str(settings.value(name)), str(high),
                                  totals[name, low], totals[name, high]))
    return out


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
    evidence = read_evidence(con, rules)
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
            reasons=evidence[r["workload"]].reasons,
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
            evidence=evidence[r["workload"]].evidence,
        ))
    return tuple(out)


def _share(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))


