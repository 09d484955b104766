"""Each scenario's change against as-logged, split by cause (read after stages 60-75).

Stage 60 splits every row's routed cost into named effects applied in order (vendor consolidation,
routing, escalation, batch tier, semantic cache, router; the whole cost of rows without an
as-logged price apart, as unknown). all-frontier's change is one effect: every request on the
frontier model. on-prem's is routed's plus self-hosting: the fleet, less the distilled API cost
it replaces. The effects are scaled to a month and rounded so that they add up, to the cent, to
the difference of the scenario totals the report prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal

import duckdb

from planner.projection.money import CENT
from planner.report import Effect, ScenarioEffects

# (effect, stage-60 column, what it is)
_ROUTED = (
    ("vendor consolidation", "eff_consolidation",
     "requests kept off the distilled model moved from their own model to {frontier}"),
    ("routing", "eff_routing", "cost-bound requests at {distilled}'s prices instead of their own"),
    ("escalation", "eff_escalation",
     "the share of distilled-routed requests re-sent to {keep}"),
    ("batch tier", "eff_batch", "batch-eligible workloads at batch rates"),
    ("semantic cache", "eff_cache", "requests answered from the semantic cache"),
    ("router", "eff_router", "the router's embedding of every cost-bound request"),
)
UNPRICED = "unpriced traffic"
_UNPRICED_WHAT = ("requests whose logged model has no price: their cost in this scenario, "
                  "against an unknown as-logged cost")


def split(con: duckdb.DuckDBPyConnection, factor: Decimal, totals: Mapping[str, Decimal],
          frontier: str, distilled: str, consolidate: bool) -> tuple[ScenarioEffects, ...]:
    """`totals`: the report's monthly scenario totals (cents)."""
    cols = ", ".join(f"coalesce(sum({c}), 0)" for _, c, _ in _ROUTED)
    row = con.execute(
        f"SELECT {cols}, coalesce(sum(eff_unpriced), 0), "
        "coalesce(sum(frontier_cost - as_logged_cost), 0), "
        "coalesce(sum(frontier_cost) FILTER (WHERE as_logged_cost IS NULL), 0), "
        "coalesce(sum(requests) FILTER (WHERE as_logged_cost IS NULL), 0)::BIGINT "
        "FROM costs").fetchone()
    assert row is not None
    *routed_raw, unpriced_routed, frontier_moved, frontier_unpriced, unpriced_n = [
        Decimal(str(x)) for x in row]
    fmt = {"frontier": frontier, "distilled": distilled,
           "keep": frontier if consolidate else "the model they came from"}
    consolidation_what = (_ROUTED[0][2] if consolidate else
                          "none: requests kept off the distilled model stay on their own model "
                          "(--frontier MODEL consolidates them onto one)").format(**fmt)
    routed = [(name, v * factor, consolidation_what if col == "eff_consolidation"
               else what.format(**fmt)) for (name, col, what), v in zip(_ROUTED, routed_raw,
                                                                       strict=True)]
    unpriced = [(UNPRICED, unpriced_routed * factor, _UNPRICED_WHAT)] if unpriced_n else []
    parts = {
        "all-frontier": [("vendor consolidation", frontier_moved * factor,
                          f"every request moved from its own model to {frontier}")]
        + ([(UNPRICED, frontier_unpriced * factor, _UNPRICED_WHAT)] if unpriced_n else []),
        "routed": routed + unpriced,
    }
    out = []
    for scenario, effects in parts.items():
        change = totals[scenario] - totals["as-logged"]
        cents = allocate_to([v for _, v, _ in effects], change)
        out.append(ScenarioEffects(scenario, change, tuple(
            Effect(name, usd, what) for (name, _, what), usd in zip(effects, cents, strict=True)),
            int(unpriced_n)))
    # on-prem: routed's effects, and self-hosting the difference of the two totals (the fleet,
    # less the distilled API cost of the traffic it serves).
    change = totals["on-prem"] - totals["as-logged"]
    hosting = Effect("self-hosting", totals["on-prem"] - totals["routed"],
                     "the GPU fleet, less the distilled API cost of the traffic it serves")
    out.append(ScenarioEffects("on-prem", change, (*out[-1].effects, hosting), int(unpriced_n)))
    return tuple(out)


def allocate_to(parts: Sequence[Decimal], total: Decimal) -> list[Decimal]:
    """Round each part to cents so that the rounded parts sum to `total` exactly (largest
    remainder: floor every part, then hand the cents left over to the parts that lost most in
    flooring; if flooring overshot, take them back from the parts that lost least)."""
    floors = [p.quantize(CENT, rounding=ROUND_FLOOR) for p in parts]
    leftover = int((total - sum(floors, Decimal(0))) / CENT)
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    step = CENT if leftover >= 0 else -CENT
    if leftover < 0:
        order.reverse()
    for n in range(abs(leftover)):
        floors[order[n % len(order)]] += step
    return floors


def unpriced(scenario: ScenarioEffects) -> Decimal:
    """The part of a scenario's monthly cost whose as-logged cost is unknown."""
    return sum((e.monthly_usd for e in scenario.effects if e.name == UNPRICED), Decimal(0))
