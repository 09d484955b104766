"""Compare two JSON reports: what changed per workload and scenario, and why.

Works on the JSON artifacts themselves (a baseline written weeks ago, a report from CI), never on
logs. A change in a scenario's monthly cost is split into three parts that add up to it, to the
cent:

  price   the same new traffic at the old report's prices versus the new report's prices
          (re-priced from `priced_quantities`, the tokens each scenario pays for);
  volume  more or fewer requests at the old cost per request;
  mix     the rest: workloads moving between labels, routes, models or token sizes.

With A the old cost, C the new one and B the new traffic at old prices,
    price = C - B,  volume = (n_new - n_old) * A / n_old,  mix = B - A - volume.
B is anchored at A: B = A + (new quantities - old quantities) at old prices, so unchanged
traffic has no mix at all. A model the old report has no price for is re-priced at the new
price (no price part for it). On-prem's fleet is re-priced by the ratio of GPU $/hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from planner.money import CENT, to_cents
from planner.report import SCENARIOS

PER_MTOK = Decimal(1_000_000)


@dataclass(frozen=True)
class Change:
    workload: str | None  # None: the scenario total
    scenario: str
    kind: str  # "+" added, "-" removed, "~" changed, "=" unchanged
    old_usd: Decimal
    new_usd: Decimal
    volume_usd: Decimal
    mix_usd: Decimal
    price_usd: Decimal
    old_label: str | None = None
    new_label: str | None = None

    @property
    def change_usd(self) -> Decimal:
        return self.new_usd - self.old_usd

    @property
    def change_pct(self) -> Decimal | None:
        if self.old_usd == 0:
            return None
        return (self.change_usd / self.old_usd * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Diff:
    old_pricing: str
    new_pricing: str
    workloads: tuple[Change, ...]
    totals: tuple[Change, ...]  # one per scenario

    def total(self, scenario: str) -> Change:
        return next(t for t in self.totals if t.scenario == scenario)


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any]) -> Diff:
    old_w = {w["workload"]: w for w in old["workloads"]}
    new_w = {w["workload"]: w for w in new["workloads"]}
    names = sorted(old_w.keys() | new_w.keys())
    old_prices = {p["model"]: p for p in old["prices"]}
    new_prices = {p["model"]: p for p in new["prices"]}
    changes = [
        _change(name, scenario, old_w.get(name), new_w.get(name), old, new, old_prices,
                new_prices)
        for scenario in SCENARIOS for name in names
    ]
    totals = tuple(_sum(scenario, [c for c in changes if c.scenario == scenario])
                   for scenario in SCENARIOS)
    return Diff(old["pricing_version"], new["pricing_version"], tuple(changes), totals)


def _change(
    name: str,
    scenario: str,
    old_w: Mapping[str, Any] | None,
    new_w: Mapping[str, Any] | None,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    old_prices: Mapping[str, Any],
    new_prices: Mapping[str, Any],
) -> Change:
    a = _usd(old_w["monthly_cost_usd"][scenario]) if old_w else Decimal(0)
    c = _usd(new_w["monthly_cost_usd"][scenario]) if new_w else Decimal(0)
    n0 = old_w["requests"] if old_w else 0
    n1 = new_w["requests"] if new_w else 0
    # B: the new traffic at the old prices, anchored at A.
    old_at_old = _estimate(old, name, scenario, old_prices, old_prices, old)
    new_at_old = _estimate(new, name, scenario, old_prices, new_prices, old)
    b = a + new_at_old - old_at_old
    price = to_cents(c - b)
    volume = to_cents((Decimal(n1 - n0) * a / n0) if n0 else b - a)
    mix = (c - a) - price - volume  # exact in cents: the three parts add up to the change
    kind = "+" if old_w is None else "-" if new_w is None else "=" if a == c and (
        old_w["label"] == new_w["label"]) else "~"
    return Change(name, scenario, kind, a, c, volume, mix, price,
                  old_w["label"] if old_w else None, new_w["label"] if new_w else None)


def _estimate(
    report: Mapping[str, Any],
    workload: str,
    scenario: str,
    prices: Mapping[str, Any],
    fallback: Mapping[str, Any],
    price_report: Mapping[str, Any],
) -> Decimal:
    """Monthly cost of `report`'s quantities for one workload and scenario at `prices` (a model
    missing there at `fallback`), plus on-prem's fleet share re-priced by the GPU rate."""
    factor = _dec(report.get("monthly_scale_factor", 1))
    api = Decimal(0)
    for q in report.get("priced_quantities", []):
        if q["workload"] != workload or q["scenario"] != scenario:
            continue
        rate = prices.get(q["model"]) or fallback.get(q["model"])
        if rate is None:
            continue
        api += _quantity_cost(q, rate) * factor
    if scenario != "on-prem":
        return api
    # The fleet's part of this workload's on-prem cost, re-priced at the other GPU rate.
    own_prices = {p["model"]: p for p in report["prices"]}
    own_api = sum((_quantity_cost(q, own_prices[q["model"]]) * factor
                   for q in report.get("priced_quantities", [])
                   if q["workload"] == workload and q["scenario"] == scenario
                   and q["model"] in own_prices), Decimal(0))
    row = next((w for w in report["workloads"] if w["workload"] == workload), None)
    fleet = (_usd(row["monthly_cost_usd"]["on-prem"]) - own_api) if row else Decimal(0)
    own_rate = _dec(report["onprem"].get("gpu_hourly_usd", 0))
    other = price_report["onprem"]
    other_rate = _dec(other.get("gpu_hourly_usd", 0))
    if own_rate and other_rate and other.get("gpu") == report["onprem"].get("gpu"):
        fleet = fleet * other_rate / own_rate
    return api + fleet


def _quantity_cost(q: Mapping[str, Any], price: Mapping[str, Any]) -> Decimal:
    prefix = "lc_" if q["long_context"] and price.get("lc_input_per_mtok") is not None else ""
    rates = [_dec(price[f"{prefix}{k}_per_mtok"])
             for k in ("input", "cached_input", "cache_write", "output")]
    tokens = [q["input_tokens"], q["cached_input_tokens"], q["cache_write_tokens"],
              q["output_tokens"]]
    weight = _dec(q["weight"])
    return weight * sum((Decimal(t) * r for t, r in zip(tokens, rates, strict=True)),
                        Decimal(0)) / PER_MTOK


def _sum(scenario: str, rows: list[Change]) -> Change:
    return Change(
        None, scenario, "~",
        sum((r.old_usd for r in rows), Decimal(0)), sum((r.new_usd for r in rows), Decimal(0)),
        sum((r.volume_usd for r in rows), Decimal(0)), sum((r.mix_usd for r in rows), Decimal(0)),
        sum((r.price_usd for r in rows), Decimal(0)),
    )


def _usd(value: Any) -> Decimal:
    """A money amount from JSON (written as a number with at most 2 decimals), in cents."""
    return _dec(value).quantize(CENT)


def _dec(value: Any) -> Decimal:
    """A JSON number as the Decimal it was written as (str() of a float is its shortest form)."""
    return Decimal(str(value))


__all__ = ["Change", "Diff", "diff_reports"]
