"""Forecast and sensitivity: the projection at other volumes and other assumptions.

Forecast: month m (1..N) carries (1 + growth)^m times the observed traffic; API scenarios scale
linearly, the on-prem fleet is re-sized for each month's load. Sensitivity: each assumption at
its published or plausible low and high, everything else at base; each scenario's savings against
all-frontier as a range, and the assumptions ordered by how far they move routed savings (the
tornado).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from planner.projection.money import pct_change, to_cents
from planner.report import ForecastMonth, Sensitivity

Totals = Mapping[str, Decimal]  # scenario -> monthly USD (unrounded)


def forecast(api: Totals, onprem_api: Decimal, fleet_cost: Callable[[Decimal], Decimal],
             growth: Decimal, months: int) -> tuple[ForecastMonth, ...]:
    out = []
    for m in range(1, months + 1):
        scale = (1 + growth) ** m
        costs = {name: api[name] * scale for name in ("as-logged", "all-frontier", "routed")}
        costs["on-prem"] = onprem_api * scale + fleet_cost(scale)
        out.append(ForecastMonth(m, {k: to_cents(v) for k, v in costs.items()}))
    return tuple(out)


def first_month_over(months: tuple[ForecastMonth, ...], budget: Decimal) -> dict[str, int | None]:
    return {name: next((f.month for f in months if f.costs_usd[name] > budget), None)
            for name in ("as-logged", "all-frontier", "routed", "on-prem")}


@dataclass(frozen=True)
class Swing:
    name: str
    low: str
    base: str
    high: str
    low_totals: Totals
    high_totals: Totals


def sensitivity(swings: list[Swing]) -> tuple[Sensitivity, ...]:
    rows = []
    for s in swings:
        routed = _range(s, "routed")
        onprem = _range(s, "on-prem")
        rows.append(Sensitivity(s.name, s.low, s.base, s.high, routed, onprem,
                                abs(routed[1] - routed[0])))
    return tuple(sorted(rows, key=lambda r: (-r.routed_swing_pct, r.assumption)))


def _range(s: Swing, scenario: str) -> tuple[Decimal, Decimal]:
    """Savings against all-frontier (%) with the assumption low and high, in that order."""
    low = pct_change(s.low_totals["all-frontier"], s.low_totals[scenario]) or Decimal(0)
    high = pct_change(s.high_totals["all-frontier"], s.high_totals[scenario]) or Decimal(0)
    return (low, high)
