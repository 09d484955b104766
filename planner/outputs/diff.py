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

from planner.projection.money import CENT, to_cents
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


@dataclass(frozen=True)
class _Side:
    """One report, indexed once: its workloads, prices and priced quantities by key."""

    workloads: dict[str, Mapping[str, Any]]
    prices: dict[str, Mapping[str, Any]]
    quantities: dict[tuple[str, str], list[Mapping[str, Any]]]  # (workload, scenario) -> rows
    factor: Decimal  # monthly scale factor
    gpu: str | None
    gpu_rate: Decimal

    @classmethod
    def of(cls, report: Mapping[str, Any]) -> _Side:
        quantities: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for q in report.get("priced_quantities", []):
            quantities.setdefault((q["workload"], q["scenario"]), []).append(q)
        onprem = report["onprem"]
        return cls({w["workload"]: w for w in report["workloads"]},
                   {p["model"]: p for p in report["prices"]}, quantities,
                   _dec(report.get("monthly_scale_factor", 1)), onprem.get("gpu"),
                   _dec(onprem.get("gpu_hourly_usd", 0)))

    def api(self, workload: str, scenario: str, prices: Mapping[str, Any]) -> Decimal:
        """Monthly API cost of this side's quantities at `prices` (a model missing there at
        this side's own price)."""
        total = Decimal(0)
        for q in self.quantities.get((workload, scenario), []):
            rate = prices.get(q["model"]) or self.prices.get(q["model"])
            if rate is not None:
                total += _quantity_cost(q, rate) * self.factor
        return total

    def estimate(self, workload: str, scenario: str, at: _Side) -> Decimal:
        """This side's cost for one workload and scenario at `at`'s prices. On-prem adds the
        fleet's part of the reported cost, re-priced by the ratio of GPU $/hour."""
        api = self.api(workload, scenario, at.prices)
        if scenario != "on-prem" or workload not in self.workloads:
            return api
        fleet = (_usd(self.workloads[workload]["monthly_cost_usd"]["on-prem"])
                 - self.api(workload, scenario, self.prices))
        if self.gpu_rate and at.gpu_rate and self.gpu == at.gpu:
            fleet = fleet * at.gpu_rate / self.gpu_rate
        return api + fleet


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any]) -> Diff:
    before, after = _Side.of(old), _Side.of(new)
    names = sorted(before.workloads.keys() | after.workloads.keys())
    changes = [_change(name, scenario, before, after)
               for scenario in SCENARIOS for name in names]
    totals = tuple(_sum(scenario, [c for c in changes if c.scenario == scenario])
                   for scenario in SCENARIOS)
    return Diff(old["pricing_version"], new["pricing_version"], tuple(changes), totals)


def _change(name: str, scenario: str, before: _Side, after: _Side) -> Change:
    old_w, new_w = before.workloads.get(name), after.workloads.get(name)
    a = _usd(old_w["monthly_cost_usd"][scenario]) if old_w else Decimal(0)
    c = _usd(new_w["monthly_cost_usd"][scenario]) if new_w else Decimal(0)
    n0 = old_w["requests"] if old_w else 0
    n1 = new_w["requests"] if new_w else 0
    # B: the new traffic at the old prices, anchored at A.
    b = a + after.estimate(name, scenario, before) - before.estimate(name, scenario, before)
    price = to_cents(c - b)
    volume = to_cents((Decimal(n1 - n0) * a / n0) if n0 else b - a)
    mix = (c - a) - price - volume  # exact in cents: the three parts add up to the change
    kind = "+" if old_w is None else "-" if new_w is None else "=" if a == c and (
        old_w["label"] == new_w["label"]) else "~"
    return Change(name, scenario, kind, a, c, volume, mix, price,
                  old_w["label"] if old_w else None, new_w["label"] if new_w else None)


def _quantity_cost(q: Mapping[str, Any], price: Mapping[str, Any]) -> Decimal:
    prefix = "lc_" if q["long_context"] and price.get("lc_input_per_mtok") is not None else ""
    rates = [_dec(price[f"{prefix}{k}_per_mtok"])
             for k in ("input", "cached_input", "cache_write", "output")]
    tokens = [q["input_tokens"], q["cached_input_tokens"], q["cache_write_tokens"],
              q["output_tokens"]]
    # The 1-hour cache writes (a part of cache_write_tokens) at their own rate; reports from
    # before it was priced carry neither.
    one_hour = q.get("cache_write_1h_tokens", 0)
    rate_1h = price.get(f"{prefix}cache_write_1h_per_mtok")
    if one_hour and rate_1h is not None:
        tokens.append(one_hour)
        rates.append(_dec(rate_1h) - rates[2])
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
