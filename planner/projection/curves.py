"""The curves a decision needs (issue 22).

Stage 65, the routing curve: how much a month costs as more of the traffic goes to the
distilled model, most confidently cost-bound first, from the all-frontier end to everything the
distilled model can serve; the point the routed scenario uses is marked.

The cache curve: per workload and overall, the share of requests a semantic cache would answer
at each similarity threshold (stage 58), in requests and dollars a month."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from planner import db
from planner.projection.money import pct_change, to_cents
from planner.report import CachePoint, CurvePoint

MARKED_BIN = 10  # stage 55: cost-bound requests are bins 10-19, capability-bound ones 0-9


def routing_curve(con: duckdb.DuckDBPyConnection, factor: Decimal, as_logged: Decimal,
                  all_frontier: Decimal, marked_bin: int = MARKED_BIN) -> tuple[CurvePoint, ...]:
    """One point per confidence bin, from nothing routed to everything in the envelope; the
    savings are against the report's as-logged and all-frontier monthly totals. The point of
    `marked_bin` (the scenario file's routing_min_score; all cost-bound requests by default)
    is the routed scenario's."""
    out = []
    for k, window_cost, distilled, on_default, requests in con.execute(
            db.sql("65_routing_curve")).fetchall():
        monthly = to_cents(Decimal(window_cost) * factor)
        out.append(CurvePoint(
            min_score=Decimal(k) / 20,
            distilled_share=_share(distilled, requests),
            on_default_share=_share(on_default, requests),
            monthly_cost_usd=monthly,
            savings_vs_as_logged_pct=pct_change(as_logged, monthly),
            savings_vs_all_frontier_pct=pct_change(all_frontier, monthly),
            marked=k == marked_bin,
        ))
    return tuple(out)


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else Decimal(0)


# Per workload, from the run's costs (stage 60): requests with prompt text (the cache can look
# them up), what those the cache did not answer cost routed, of which the router's part, and
# the router's cost per cost-bound request (what one lookup costs: an embedding).
_CACHE_MONEY = """
SELECT workload,
    coalesce(sum(requests) FILTER (WHERE cache_measured), 0) AS measured,
    coalesce(sum(requests) FILTER (WHERE cache_measured AND NOT cache_hit), 0) AS uncached,
    -- (not the web-search fee: stage 60 charges it in every scenario, cache or not)
    coalesce(sum(routed_cost - router_cost - coalesce(search_fee, 0))
             FILTER (WHERE cache_measured AND NOT cache_hit), 0) AS uncached_cost,
    coalesce(sum(router_cost) FILTER (WHERE label = 'cost-bound'), 0) AS router_cost,
    coalesce(sum(requests) FILTER (WHERE label = 'cost-bound'), 0) AS routed_requests,
    coalesce(sum(requests) FILTER (WHERE cache_measured AND label <> 'cost-bound'), 0)
        AS unrouted_measured
FROM costs GROUP BY workload
"""


def cache_curve(con: duckdb.DuckDBPyConnection, factor: Decimal) -> tuple[CachePoint, ...]:
    """Per workload and overall ("(all)"), at each threshold of stage 58. A hit saves the
    workload's average routed cost of a request the cache did not answer (the model's part, not
    the router's); every request with prompt text is looked up, and those the router does not
    already embed (capability-bound ones) pay that lookup here."""
    money = {w: rest for w, *rest in con.execute(_CACHE_MONEY).fetchall()}
    points: list[CachePoint] = []
    totals: dict[Decimal, list[Decimal]] = {}
    for workload, threshold, sampled, hits in con.execute(
            "SELECT workload, threshold, sampled_requests, hits FROM cache_curve "
            "ORDER BY workload, threshold DESC").fetchall():
        measured, uncached, uncached_cost, router, routed, unrouted = money.get(
            workload, (0, 0, 0, 0, 0, 0))
        share = Decimal(hits) / Decimal(sampled) if sampled else Decimal(0)
        per_hit = Decimal(uncached_cost) / Decimal(uncached) if uncached else Decimal(0)
        lookup = Decimal(router) / Decimal(routed) if routed else Decimal(0)
        monthly_hits = share * Decimal(measured) * factor
        saved = (monthly_hits * per_hit - Decimal(unrouted) * factor * lookup)
        t = Decimal(str(threshold))
        points.append(CachePoint(workload, t, sampled, hits, share.quantize(Decimal("0.0001")),
                                 monthly_hits.quantize(Decimal(1)), to_cents(saved)))
        acc = totals.setdefault(t, [Decimal(0)] * 4)
        for i, v in enumerate((Decimal(sampled), Decimal(hits), monthly_hits, saved)):
            acc[i] += v
    for t, (sampled, hits, monthly_hits, saved) in sorted(totals.items(), reverse=True):
        share = hits / sampled if sampled else Decimal(0)
        points.append(CachePoint("(all)", t, int(sampled), int(hits),
                                 share.quantize(Decimal("0.0001")),
                                 monthly_hits.quantize(Decimal(1)), to_cents(saved)))
    return tuple(points)
