"""On-prem sizing (stage 75): the self-hosted fleet follows the traffic's peaks, not its total.

The fleet covers the p-th percentile minute of the distilled-routed load (minutes without traffic
count as zero) at a target utilisation, with a minimum of replicas. Three ways to pay for it:

  rented      GPUs x $/h (on-demand or reserved) x 730 h
  autoscaled  every hour sized for its busiest minute (never below the minimum), GPU-hours x
              on-demand $/h, scaled from the window to a month
  owned       purchase price / amortisation months + power x PUE x $/kWh x 730 h, per GPU

`Fleet.monthly_cost(scale)` re-sizes the fleet for `scale` times the observed traffic (same
shape), which the break-even volume and the forecast use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import duckdb

from planner import db
from planner.errors import PricingError
from planner.ingest import run_script
from planner.money import HOURS_PER_MONTH, SECONDS_PER_MONTH, to_cents
from planner.settings import Settings
from pricing import GpuPrice, PriceTable, SelfHostedProfile

_LOAD = Decimal("0.000001")


@dataclass(frozen=True)
class Fleet:
    mode: str
    model: str
    profile: SelfHostedProfile
    gpu: GpuPrice
    utilization_target: Decimal
    min_replicas: int
    percentile_load: Decimal  # replicas needed in the p-th percentile minute
    peak_load: Decimal
    peak_minute: str | None
    load_minutes: Decimal  # sum of minute loads over the window (replica-minutes of work)
    window_minutes: int
    hour_peaks: tuple[Decimal, ...]  # busiest-minute load of each hour that has traffic
    window_hours: int
    gpu_month_usd: Decimal  # what one GPU costs a month in a fixed fleet (rented or owned)
    hourly_usd: Decimal  # $/GPU-hour (autoscaled, and reported)

    def replicas(self, scale: Decimal = Decimal(1)) -> int:
        """Replicas of a fixed fleet (rented, owned); 0 when there is nothing to serve."""
        if self.load_minutes == 0:
            return 0
        return max(self.min_replicas,
                   math.ceil(self.percentile_load * scale / self.utilization_target))

    def _hour_replicas(self, scale: Decimal) -> list[int]:
        busy = [max(self.min_replicas, math.ceil(p * scale / self.utilization_target))
                for p in self.hour_peaks]
        return busy + [self.min_replicas] * (self.window_hours - len(busy))

    def gpus(self, scale: Decimal = Decimal(1)) -> int:
        if self.mode == "autoscaled":
            peak = max(self._hour_replicas(scale), default=0) if self.load_minutes else 0
            return peak * self.profile.gpus_per_replica
        return self.replicas(scale) * self.profile.gpus_per_replica

    def monthly_cost(self, scale: Decimal = Decimal(1)) -> Decimal:
        """To the cent: a fleet is billed in whole cents, and the report shows this figure."""
        if self.load_minutes == 0:
            return Decimal(0)
        if self.mode == "autoscaled":
            gpu_hours = sum(self._hour_replicas(scale)) * self.profile.gpus_per_replica
            return to_cents(Decimal(gpu_hours) * self.hourly_usd * HOURS_PER_MONTH
                            / self.window_hours)
        return to_cents(self.gpus(scale) * self.gpu_month_usd)

    def utilization(self, scale: Decimal = Decimal(1)) -> Decimal:
        """Work done / capacity paid for, over the window (replica-minutes)."""
        if self.load_minutes == 0:
            return Decimal(0)
        if self.mode == "autoscaled":
            paid = Decimal(sum(self._hour_replicas(scale)) * 60)
        else:
            paid = Decimal(self.replicas(scale) * self.window_minutes)
        return min(Decimal(1), self.load_minutes * scale / paid)


def size(con: duckdb.DuckDBPyConnection, table: PriceTable, distilled: str,
         settings: Settings, window_seconds: Decimal) -> Fleet:
    profile = table.selfhosted.get(distilled)
    if profile is None:
        raise PricingError(
            f"distilled model '{distilled}' has no self-hosted profile in pricing "
            f"{table.version}, so the on-prem scenario cannot be sized",
            hint=f"choose --distilled from: {', '.join(sorted(table.selfhosted))}",
        )
    gpu = table.gpus[profile.gpu]
    mode = settings.value("onprem_mode")
    run_script(con, db.sql("75_onprem_load"), {
        "prefill_tps": profile.prefill_tokens_per_s, "decode_tps": profile.decode_tokens_per_s,
        "verbosity": str(settings.value("verbosity")),
    })
    window_minutes = max(1, math.ceil(window_seconds / 60))
    window_hours = max(1, math.ceil(window_seconds / 3600))
    busy, total, peak, peak_minute = con.execute(
        "SELECT count(*), coalesce(sum(replica_load), 0), coalesce(max(replica_load), 0), "
        "arg_max(minute, replica_load) FROM minute_loads").fetchone()  # type: ignore[misc]
    # Nearest rank over every minute of the window, the idle ones (load 0) included.
    rank = math.ceil(settings.value("percentile") * window_minutes)
    idle = window_minutes - busy
    percentile = Decimal(0)
    if rank > idle:
        row = con.execute(
            "SELECT replica_load FROM minute_loads ORDER BY replica_load LIMIT 1 OFFSET ?",
            [rank - idle - 1]).fetchone()
        percentile = _dec(row[0]) if row else Decimal(0)
    hour_peaks = tuple(_dec(x) for (x,) in con.execute(
        "SELECT max(replica_load) FROM minute_loads GROUP BY date_trunc('hour', minute)"
    ).fetchall())
    return Fleet(
        mode=mode, model=distilled, profile=profile, gpu=gpu,
        utilization_target=settings.value("utilization"),
        min_replicas=settings.value("min_replicas"),
        percentile_load=percentile, peak_load=_dec(peak),
        peak_minute=peak_minute.strftime("%Y-%m-%dT%H:%MZ") if peak_minute else None,
        load_minutes=_dec(total), window_minutes=window_minutes, hour_peaks=hour_peaks,
        window_hours=window_hours, gpu_month_usd=_gpu_month(gpu, mode, settings, table),
        hourly_usd=_rate(gpu, settings, table),
    )


def _rate(gpu: GpuPrice, settings: Settings, table: PriceTable) -> Decimal:
    if settings.value("gpu_rate") == "reserved" and settings.value("onprem_mode") == "rented":
        if gpu.reserved_hourly is None:
            raise PricingError(f"GPU '{gpu.sku}' has no reserved rate in pricing "
                               f"{table.version}", hint="use gpu_rate = \"on-demand\"")
        return gpu.reserved_hourly
    return gpu.on_demand_hourly


def _gpu_month(gpu: GpuPrice, mode: str, settings: Settings, table: PriceTable) -> Decimal:
    if mode != "owned":
        return _rate(gpu, settings, table) * HOURS_PER_MONTH
    if gpu.purchase_usd is None or gpu.power_watts is None:
        raise PricingError(f"GPU '{gpu.sku}' has no purchase price or power draw in pricing "
                           f"{table.version}, so it cannot be priced as owned",
                           hint="choose another mode, or a version with the GPU's figures")
    pue: Decimal = settings.value("pue")
    kwh: Decimal = settings.value("kwh_usd")
    months: int = settings.value("amortization_months")
    return gpu.purchase_usd / months + Decimal(gpu.power_watts) / 1000 * pue * kwh * \
        HOURS_PER_MONTH


def breakeven_scale(fleet: Fleet, api_routed: Decimal, api_onprem: Decimal) -> Decimal | None:
    """The smallest multiple of today's on-prem traffic at which on-prem (fleet + the API
    traffic it still sends: escalations) costs no more than the same traffic routed to the
    distilled API. `api_routed` and `api_onprem` are those API costs a month at scale 1.
    None: on-prem never catches up (or there is no such traffic)."""
    if fleet.load_minutes == 0 or api_routed <= api_onprem:
        return None

    def wins(scale: Decimal) -> bool:
        return fleet.monthly_cost(scale) + api_onprem * scale <= api_routed * scale

    low, high = Decimal(0), Decimal("0.0001")
    while not wins(high):
        low, high = high, high * 2
        if high > Decimal(10) ** 9:
            return None
    for _ in range(60):  # bisect to well under a token a month
        mid = (low + high) / 2
        low, high = (low, mid) if wins(mid) else (mid, high)
    return high


def monthly_tokens(con: duckdb.DuckDBPyConnection, window_seconds: Decimal) -> Decimal:
    total = con.execute("SELECT coalesce(sum(tokens), 0) FROM minute_loads").fetchone()
    return Decimal(total[0] if total else 0) * SECONDS_PER_MONTH / window_seconds


def _dec(value: float) -> Decimal:
    return Decimal(str(value)).quantize(_LOAD)
