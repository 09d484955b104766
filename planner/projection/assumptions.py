"""The assumptions of a projection (stages 60-80), each with its value and source, as the report
lists them: the models, the scenario knobs, the fleet's GPU, throughput and (owned) cost parts,
the month, the labels' threshold and the prices' version."""

from __future__ import annotations

from decimal import Decimal

from planner.projection.fleet import Fleet, owned_parts
from planner.projection.models import Models
from planner.projection.money import HOURS_PER_MONTH
from planner.report import Assumption
from planner.settings import Settings
from planner.stages.rules import RuleSet
from pricing import PriceTable


def assumptions(table: PriceTable, models: Models, settings: Settings, rules: RuleSet,
                 fleet: Fleet, factor: Decimal) -> tuple[Assumption, ...]:
    profile, gpu = fleet.profile, fleet.gpu
    distilled = table.models[models.distilled]
    cache_rate = settings.value("assumed_cache_hit_rate")

    def knob(name: str, knob_name: str | None = None) -> Assumption:
        key = knob_name or name
        value = settings.value(key)
        return Assumption(name, "none" if value is None else str(value), settings.source(key))

    out = [
        Assumption("frontier_model", models.frontier, models.frontier_source),
        Assumption("distilled_model", models.distilled, models.distilled_source),
        knob("escalation_rate", "escalation"),
        *(Assumption(f"escalation_rate[{w}]", str(r), settings.sources.get(
            "escalation_by_workload", "scenario file")) for w, r in
          sorted(settings.escalation_by_workload.items())),
        knob("output_verbosity", "verbosity"),
        Assumption("router", f"{settings.value('router_model')}, up to "
                   f"{settings.value('router_tokens')} prompt tokens per cost-bound request"
                   if models.router else "not priced",
                   settings.source("router_model")),
        knob("semantic_cache_ttl_hours", "cache_ttl_hours"),
        Assumption("semantic_cache_hit_rate_without_text", str(cache_rate),
                   settings.source("assumed_cache_hit_rate")
                   + ("" if settings.assumed_cache_hit_rate is not None
                      else "; assumed, not measured")),
        knob("distilled_max_tool_calls", "max_tool_calls"),
        Assumption("batch_eligible_workloads", ", ".join(settings.batch_workloads) or "none",
                   settings.sources.get("batch_workloads", "flag --batch-workload")
                   if settings.batch_workloads else "plan default: none"),
        Assumption("distilled_context_window",
                   str(distilled.context_window or "not published"),
                   f"pricing {table.version}" + ("" if distilled.context_window
                   else ": no request is kept on frontier for its length")),
        Assumption("month_length_days", "30.4375", "calendar: 365.25 / 12"),
        Assumption("monthly_scale_factor", str(factor.quantize(Decimal("0.0001"))),
                   "measured: month length / observed window"),
        knob("onprem_mode"),
        knob("onprem_percentile", "percentile"),
        knob("gpu_utilization_target", "utilization"),
        knob("min_replicas"),
        Assumption("onprem_gpu", f"{gpu.sku} at ${fleet.hourly_usd}/h", gpu.sources.get(
            "reserved_hourly" if fleet.hourly_usd != gpu.on_demand_hourly
            else "on_demand_hourly", gpu.source)),
        Assumption("onprem_throughput",
                   f"{profile.prefill_tokens_per_s} prefill + {profile.decode_tokens_per_s} "
                   f"decode tokens/s per replica of {profile.gpus_per_replica} GPU(s)",
                   profile.source),
        *_latency(table, settings, fleet),
        Assumption("hours_per_month", str(HOURS_PER_MONTH), "cloud billing convention"),
    ]
    if fleet.mode == "owned":
        out += [knob("gpu_amortization_months", "amortization_months"), knob("pue"),
                knob("electricity_usd_per_kwh", "kwh_usd"),
                Assumption("gpu_purchase_usd", str(gpu.purchase_usd),
                           gpu.sources.get("purchase_usd", "")),
                Assumption("gpu_power_watts", str(gpu.power_watts),
                           gpu.sources.get("power_watts", "")),
                knob("owned_server_share", "server_share"),
                knob("owned_network_share", "network_share"),
                knob("owned_space_usd_per_kw_month", "space_usd_per_kw_month"),
                knob("owned_staff_usd_per_gpu_month", "staff_usd_per_gpu_month"),
                Assumption("owned_gpu_month_usd", ", ".join(
                    f"{k} {v.quantize(Decimal('0.01'))}" for k, v in
                    owned_parts(gpu, settings).items()), "derived: the lines above")]
    out += [
        knob("monthly_growth", "growth"),
        knob("forecast_months", "months"),
        knob("budget_usd", "budget"),
        Assumption("workload_label_threshold", str(rules.workload_threshold), rules.path),
        Assumption("cached_tokens_on_other_models",
                   "keep their cache-read / cache-write bucket",
                   "plan assumption: the target model caches the same prefixes"),
        Assumption("pricing_version", table.version, str(table.path)),
        Assumption("price_at", settings.price_at if settings.price_at == "request-time"
                   else f"current (prices in force on {table.released})",
                   "flag --price-at" if settings.price_at == "request-time"
                   else "plan default: --price-at current"),
    ]
    return tuple(out)


def _latency(table: PriceTable, settings: Settings, fleet: Fleet) -> list[Assumption]:
    """The latency target and the decode rate the fleet is sized with there."""
    d = fleet.decode
    if d is None:
        return [Assumption("onprem_latency_target", "none: decode at the profile's saturation "
                           "rate", f"pricing {table.version} has no KV-cache shape for "
                           f"{fleet.model}")]
    how = ("measured rate scaled by the roofline" if fleet.profile.measured
           else "roofline only (no published measurement), at most the profile's rate")
    return [
        Assumption("onprem_latency_target",
                   f"{settings.value('tpot_ms')} ms per output token (mean)",
                   settings.source("tpot_ms")),
        Assumption("onprem_decode_at_target",
                   f"{d.tokens_per_s:.0f} tokens/s per replica: {d.concurrency} sequences of "
                   f"{d.context} tokens mean context, {d.step_s * 1000:.1f} ms per output "
                   f"token, limited by {d.limit}",
                   f"derived: pricing/roofline.py (weights + KV cache read each step), {how}"),
    ]
