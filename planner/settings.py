"""Scenario knobs: their defaults with the source of each, and the scenario file.

Every knob is None until a flag or the scenario file (`--scenario-file plan.toml`) sets it;
`Settings.value` gives the value in force and `Settings.source` where it came from, so that the
report prints each assumption with its value and source. Flags win over the file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from planner.errors import InputError

ONPREM_MODES = ("rented", "autoscaled", "owned")
GPU_RATES = ("on-demand", "reserved")
_AIINFRAMAP = "https://www.aiinframap.com/tools/chips/h100-vs-h200-vs-b200-tco (mid-2026)"
_TCO = "https://v2-pseo-ai.pages.dev/tools/gpu-tco-analysis (2026)"

# knob -> (default, source of the default)
DEFAULTS: dict[str, tuple[Any, str]] = {
    "escalation": (Decimal("0.12"), "published: 10-15% of routed traffic escalates "
                   "(Feb 2026 analyses); midpoint"),
    "utilization": (Decimal("0.75"), "published: target GPU utilisation about 75% for "
                    "serving fleets"),
    "min_replicas": (2, "plan default: two replicas so one can fail"),
    "verbosity": (Decimal("1"), "plan default: the distilled model writes as many output "
                  "tokens as the model it replaces"),
    "router_model": ("text-embedding-3-small", "plan default: the router embeds each "
                     "cost-bound request"),
    "router_tokens": (512, "plan default: the router embeds up to 512 prompt tokens"),
    "cache_ttl_hours": (Decimal("24"), "plan default: a semantic-cache entry lives 24 h"),
    "assumed_cache_hit_rate": (Decimal("0"), "plan default for requests without prompt text "
                               "(published savings from semantic caching: 30-50%)"),
    "max_tool_calls": (None, "plan default: no tool-call limit on the distilled model"),
    # issue 22: a point chosen on the routing curve, and a threshold on the cache curve
    "routing_min_score": (Decimal("0.5"), "plan default: every cost-bound request is routed "
                          "(score 0.5 and up; docs/curves.md)"),
    "cache_similarity": (None, "plan default: the cache answers the same normalised prompt "
                         "only (no near repeats; docs/curves.md)"),
    "onprem_mode": ("rented", "plan default: GPUs rented for the whole month"),
    # issue 16: the fleet's decode rate is taken at the concurrency that meets this target
    "tpot_ms": (Decimal("100"), "published: MLPerf Inference's server-scenario limit for Llama "
                "3.1 8B, 100 ms per output token (at p99; plan holds the mean to it), "
                "https://github.com/mlcommons/inference/blob/"
                "001712e9daf80386e0dda43f97b8f36981d792c4/loadgen/mlperf.conf"),
    "percentile": (Decimal("0.99"), "plan default: the fleet covers the p99 minute"),
    "gpu_rate": ("on-demand", "plan default: on-demand GPU rates"),
    "amortization_months": (36, "plan default: owned GPUs depreciated over three years"),
    "pue": (Decimal("1.2"), f"published: typical modern AI data-centre PUE, {_AIINFRAMAP}"),
    "kwh_usd": (Decimal("0.08"), f"published: industrial electricity rate, {_AIINFRAMAP}"),
    # An owned GPU's full cost (planner/projection/fleet.py), beside its purchase price and power.
    "server_share": (Decimal("0.35"), "published: an 8-GPU H100 node costs $300-350k, "
                     f"{_TCO}; $325k / 8 = $40.6k a GPU, 35% over a $30k H100 for the rest "
                     "of the server, amortised with the GPU"),
    "network_share": (Decimal("0.125"), "published: transceivers, cabling and top-of-rack "
                      f"switches add 10-15% to the hardware's cost, {_TCO}; midpoint"),
    "space_usd_per_kw_month": (Decimal("200"), "published: colocation $150-250 per kW a "
                               f"month, {_TCO}; midpoint, on the GPU's own power draw"),
    "staff_usd_per_gpu_month": (Decimal("170"), "plan assumption, not published: one "
                                "$200k-a-year engineer per 100 GPUs ($166.67), rounded up"),
    "growth": (Decimal("0"), "plan default: no growth"),
    "months": (12, "plan default: a 12-month forecast"),
    "budget": (None, "none given"),
}
_FRACTIONS = ("escalation", "utilization", "assumed_cache_hit_rate", "percentile",
              "routing_min_score", "cache_similarity")


@dataclass(frozen=True)
class Settings:
    """Scenario knobs. None means "plan's default" (DEFAULTS), which the report names as such."""

    frontier: str | None = None
    distilled: str | None = None
    escalation: Decimal | None = None
    utilization: Decimal | None = None
    min_replicas: int | None = None
    price_at: str = "current"  # or "request-time": the price in force on each request's day
    verbosity: Decimal | None = None
    router_model: str | None = None
    router_tokens: int | None = None
    cache_ttl_hours: Decimal | None = None
    assumed_cache_hit_rate: Decimal | None = None
    max_tool_calls: int | None = None
    routing_min_score: Decimal | None = None
    cache_similarity: Decimal | None = None
    onprem_mode: str | None = None
    tpot_ms: Decimal | None = None
    percentile: Decimal | None = None
    gpu_rate: str | None = None
    amortization_months: int | None = None
    pue: Decimal | None = None
    kwh_usd: Decimal | None = None
    server_share: Decimal | None = None
    network_share: Decimal | None = None
    space_usd_per_kw_month: Decimal | None = None
    staff_usd_per_gpu_month: Decimal | None = None
    growth: Decimal | None = None
    months: int | None = None
    budget: Decimal | None = None
    escalation_by_workload: Mapping[str, Decimal] = field(default_factory=dict)
    batch_workloads: tuple[str, ...] = ()
    # knob -> "flag --x" or "scenario file F"; knobs not named here are defaults
    sources: Mapping[str, str] = field(default_factory=dict)

    def value(self, knob: str) -> Any:
        mine = getattr(self, knob)
        return DEFAULTS[knob][0] if mine is None else mine

    def source(self, knob: str) -> str:
        if getattr(self, knob) is None:
            return DEFAULTS[knob][1]
        return self.sources.get(knob, f"flag --{knob.replace('_', '-')}")

    def with_file(self, path: Path) -> Settings:
        """These settings over a scenario file's: what is set here (flags) wins."""
        loaded = load_scenario_file(path)
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        sources = dict(loaded.sources)
        for name, mine in values.items():
            if name in ("sources", "price_at", "escalation_by_workload", "batch_workloads"):
                continue
            if mine is not None:
                sources[name] = self.sources.get(name, f"flag --{name.replace('_', '-')}")
            else:
                values[name] = getattr(loaded, name)
        values["escalation_by_workload"] = {**loaded.escalation_by_workload,
                                            **self.escalation_by_workload}
        values["batch_workloads"] = tuple(dict.fromkeys(
            (*loaded.batch_workloads, *self.batch_workloads)))
        values["sources"] = sources
        return replace(self, **values)


def routing_bin(settings: Settings) -> int:
    """The routing curve's bin (stage 55's score_bin, 0-20) of the chosen routing point."""
    return int((settings.value("routing_min_score") * 20).to_integral_value())


def load_scenario_file(path: Path) -> Settings:
    """A TOML file: any knob of DEFAULTS at the top level (plus frontier, distilled), and
    [escalation_by_workload] workload = rate. Errors name the file and the key."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: cannot read the scenario file: {exc}") from exc
    known = {f.name for f in fields(Settings)} - {"sources", "price_at"}
    values: dict[str, Any] = {}
    for key, raw in doc.items():
        if key not in known:
            raise InputError(f"{path}: key '{key}' is not a scenario setting",
                             hint="see README 'Scenario file'")
        values[key] = _convert(path, key, raw)
    source = f"scenario file {path}"
    return Settings(**values, sources=dict.fromkeys(values, source))


def _convert(path: Path, key: str, raw: Any) -> Any:
    where = f"{path}: key '{key}'"
    if key == "escalation_by_workload":
        if not isinstance(raw, dict):
            raise InputError(f"{where} must be a table of workload = rate")
        return {w: _fraction(f"{where}.{w}", v) for w, v in raw.items()}
    if key == "batch_workloads":
        if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
            raise InputError(f"{where} must be a list of workload names")
        return tuple(raw)
    default = DEFAULTS.get(key, ("", ""))[0]
    if key == "routing_min_score":  # capability-bound requests (below 0.5) are never routed
        value = _fraction(where, raw)
        if value < Decimal("0.5"):
            raise InputError(f"{where} must be between 0.5 and 1 (below 0.5 are capability-bound "
                             f"requests), got {raw!r}")
        return value
    if key in _FRACTIONS:
        return _fraction(where, raw)
    if isinstance(default, Decimal) or key == "budget":
        return _decimal(where, raw)
    if isinstance(default, int) or key == "max_tool_calls":
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            raise InputError(f"{where} must be a whole number >= 0, got {raw!r}")
        return raw
    if not isinstance(raw, str):
        raise InputError(f"{where} must be a string, got {raw!r}")
    allowed = {"onprem_mode": ONPREM_MODES, "gpu_rate": GPU_RATES}.get(key)
    if allowed and raw not in allowed:
        raise InputError(f"{where} must be one of {', '.join(allowed)}, got {raw!r}")
    return raw


def _decimal(where: str, raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal("NaN")
    if isinstance(raw, bool) or not value.is_finite() or value < 0:
        raise InputError(f"{where} must be a number >= 0, got {raw!r}")
    return value


def _fraction(where: str, raw: Any) -> Decimal:
    value = _decimal(where, raw)
    if value > 1:
        raise InputError(f"{where} must be between 0 and 1, got {raw!r}")
    return value
