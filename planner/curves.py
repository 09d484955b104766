"""Stage 65: the routing curve. How much a month costs as more of the traffic goes to the
distilled model, most confidently cost-bound first, from the all-frontier end to everything the
distilled model can serve; the point the routed scenario uses is marked (issue 22)."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from planner import db
from planner.money import pct_change, to_cents
from planner.report import CurvePoint

MARKED_BIN = 10  # stage 55: cost-bound requests are bins 10-19, capability-bound ones 0-9


def routing_curve(con: duckdb.DuckDBPyConnection, factor: Decimal, as_logged: Decimal,
                  all_frontier: Decimal) -> tuple[CurvePoint, ...]:
    """One point per confidence bin, from nothing routed to everything in the envelope; the
    savings are against the report's as-logged and all-frontier monthly totals."""
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
            marked=k == MARKED_BIN,
        ))
    return tuple(out)


def _share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else Decimal(0)
