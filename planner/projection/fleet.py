"""On-prem sizing (stage 75): the self-hosted fleet follows the traffic's peaks, not its total.

The fleet covers the p-th percentile minute of the distilled-routed load (minutes without traffic
count as zero) at a target utilisation, with a minimum of replicas. The minutes are modelled, not
replayed: each hour of the window keeps its observed mean load (the traffic's shape over the day
and week), and its minutes vary around it as Poisson arrivals of the observed requests would
(variance: the sum of squared request loads), times the dispersion the window's minutes show
against that (0 for perfectly regular arrivals, about 1 for Poisson ones, more for bursts),
approximated as normal. At `scale` times the traffic the mean grows as scale and the variance as
scale too, so bursts smooth as volume grows
and a sample of the same shape at 2 or at 40 requests a minute gives the same fleet at the same
volume. Percentile 1 (the busiest minute) cannot be modelled so: it is the observed busiest
minute, scaled linearly. Three ways to pay for it:

  rented      GPUs x $/h (on-demand or reserved) x 730 h
  autoscaled  every hour sized for its busiest minute (never below the minimum), GPU-hours x
              on-demand $/h, scaled from the window to a month
  owned       the full cost of a GPU a month: its purchase price with its share of the server
              (server_share) and network (network_share) / amortisation months, power x PUE
              x $/kWh x 730 h, colocation space ($/kW a month on its power draw) and staff

A request's load is its input at the profile's prefill rate plus its output at the decode
rate a replica reaches at the latency target (`tpot_ms`): as many sequences, of the traffic's
mean context, as meet the target and fit in HBM (pricing/roofline.py).

`Fleet.monthly_cost(scale)` re-sizes the fleet for `scale` times the observed traffic (same
shape), which the break-even volume (the first volume at which on-prem wins) and the forecast
use.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from decimal import Decimal
from statistics import NormalDist

import duckdb

from planner import db
from planner.errors import PricingError
from planner.projection.money import HOURS_PER_MONTH, SECONDS_PER_MONTH, to_cents
from planner.settings import Settings
from planner.stages.scripts import run_script
from pricing import GpuPrice, PriceTable, SelfHostedProfile
from pricing.roofline import DecodePoint, at_latency_target, kv_gb_per_token

_LOAD = Decimal("0.000001")
_BINS = 64  # hours are pooled into this many groups of like load for the percentile
# The busiest of an hour's 60 minutes, as a normal quantile (autoscaled sizing).
_Z_HOUR_PEAK = NormalDist().inv_cdf(60 / 61)


@dataclass(frozen=True)
class HourLoad:
    """One hour of the window with traffic: its minutes' mean load and their variance, in
    replicas (variance: the sum of its requests' squared loads / 60, Poisson arrivals)."""

    mean: float
    variance: float


@dataclass(frozen=True)
class Fleet:
    mode: str
    model: str
    profile: SelfHostedProfile
    gpu: GpuPrice
    utilization_target: Decimal
    min_replicas: int
    percentile_load: Decimal  # replicas needed in the p-th percentile minute (modelled)
    peak_load: Decimal  # observed
    peak_minute: str | None
    load_minutes: Decimal  # sum of minute loads over the window (replica-minutes of work)
    window_minutes: int
    hours: tuple[HourLoad, ...]  # each hour that has traffic
    window_hours: int
    gpu_month_usd: Decimal  # what one GPU costs a month in a fixed fleet (rented or owned)
    hourly_usd: Decimal  # $/GPU-hour (autoscaled, and reported)
    percentile: Decimal = Decimal("0.99")
    # The decode rate sized with: at the latency target (None: the profile's own rate, for a
    # pricing version without the profile's KV-cache shape).
    decode: DecodePoint | None = None

    def load_at(self, scale: Decimal = Decimal(1)) -> Decimal:
        """The p-th percentile minute's load at `scale` times the traffic (replicas)."""
        if self.load_minutes == 0:
            return Decimal(0)
        if self.percentile >= 1:
            return self.peak_load * scale
        return _dec(_quantile(self._pooled, float(scale), float(self.percentile),
                              self.window_hours))

    @functools.cached_property
    def _pooled(self) -> tuple[tuple[float, float, int], ...]:
        # once per fleet: `hours` is a row per busy hour of the window (5,500 over 231 days),
        # too many to hash as a cache key at each of the projection's ~50 calls
        return _pooled(self.hours)

    def replicas(self, scale: Decimal = Decimal(1)) -> int:
        """Replicas of a fixed fleet (rented, owned); 0 when there is nothing to serve."""
        if self.load_minutes == 0:
            return 0
        return max(self.min_replicas,
                   math.ceil(self.load_at(scale) / self.utilization_target))

    def _hour_replicas(self, scale: Decimal) -> list[int]:
        s = float(scale)
        busy = [max(self.min_replicas, math.ceil(
            Decimal(str(h.mean * s + _Z_HOUR_PEAK * math.sqrt(h.variance * s)))
            / self.utilization_target)) for h in self.hours]
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
    decode = _decode_at_target(con, table, profile, gpu, settings)
    run_script(con, db.sql("75_onprem_load"), {
        "prefill_tps": profile.prefill_tokens_per_s,
        "decode_tps": float(decode.tokens_per_s) if decode else profile.decode_tokens_per_s,
        "verbosity": str(settings.value("verbosity")),
    })
    window_minutes = max(1, math.ceil(window_seconds / 60))
    window_hours = max(1, math.ceil(window_seconds / 3600))
    total, peak, peak_minute = con.execute(
        "SELECT coalesce(sum(replica_load), 0), coalesce(max(replica_load), 0), "
        # the first of minutes of equal load, whatever order the rows come in
        "first(minute ORDER BY replica_load DESC, minute) FROM minute_loads"
    ).fetchone()  # type: ignore[misc]
    rows = con.execute(
        "SELECT sum(replica_load), sum(sq_load), sum(replica_load * replica_load) "
        "FROM minute_loads GROUP BY date_trunc('hour', minute) ORDER BY 1, 2").fetchall()
    # Dispersion: the minutes' variance around their hour's mean (idle minutes count as 0) over
    # the variance Poisson arrivals of the same requests would give, pooled over every hour.
    poisson = sum(v for _, v, _ in rows)
    seen = sum(sq - total * total / 60 for total, _, sq in rows)
    dispersion = max(0.0, seen / poisson) if poisson > 0 else 0.0
    hours = tuple(HourLoad(total / 60, dispersion * v / 60) for total, v, _ in rows)
    fleet = Fleet(
        mode=mode, model=distilled, profile=profile, gpu=gpu,
        utilization_target=settings.value("utilization"),
        min_replicas=settings.value("min_replicas"),
        percentile_load=Decimal(0), peak_load=_dec(peak),
        peak_minute=peak_minute.strftime("%Y-%m-%dT%H:%MZ") if peak_minute else None,
        load_minutes=_dec(total), window_minutes=window_minutes, hours=hours,
        window_hours=window_hours, gpu_month_usd=_gpu_month(gpu, mode, settings, table),
        hourly_usd=_rate(gpu, settings, table), percentile=settings.value("percentile"),
        decode=decode,
    )
    return replace(fleet, percentile_load=fleet.load_at())


def _decode_at_target(con: duckdb.DuckDBPyConnection, table: PriceTable,
                      profile: SelfHostedProfile, gpu: GpuPrice, settings: Settings
                      ) -> DecodePoint | None:
    """The replica's decode rate at the concurrency whose time per output token meets
    `tpot_ms`, its sequences at the traffic's mean context over decode steps: a request of
    input I and output O (x verbosity) holds I + O / 2 tokens on average over its O steps, so
    the mean is sum(O I + v O^2 / 2) / sum(O), from stage 55's per-minute sums."""
    if kv_gb_per_token(profile) is None:
        return None
    v = settings.value("verbosity")
    row = con.execute(
        "SELECT coalesce((sum(cross_tokens) + ? * sum(sq_output) / 2) "
        "/ nullif(sum(output_tokens), 0), 0) FROM usage WHERE is_minute AND minute IS NOT NULL",
        [float(v)]).fetchone()
    context = Decimal(str(row[0] if row else 0)).quantize(Decimal(1))
    target = settings.value("tpot_ms")
    point = at_latency_target(profile, gpu, target / 1000, context)
    if point is None:
        raise PricingError(
            f"the self-hosted {profile.model} on {gpu.sku} cannot meet a {target} ms time per "
            f"output token with even one sequence of {context} tokens (pricing {table.version})",
            hint="raise tpot_ms in the scenario file, or choose another --distilled model")
    return point


def _pooled(hours: tuple[HourLoad, ...]) -> tuple[tuple[float, float, int], ...]:
    """Hours (sorted by load) pooled into at most _BINS groups: (mean, variance, hours)."""
    size = max(1, math.ceil(len(hours) / _BINS))
    groups = [hours[i:i + size] for i in range(0, len(hours), size)]
    return tuple((sum(h.mean for h in g) / len(g), sum(h.variance for h in g) / len(g), len(g))
                 for g in groups)


@functools.lru_cache(maxsize=4096)
def _quantile(pooled: tuple[tuple[float, float, int], ...], scale: float, p: float,
              window_hours: int) -> float:
    """The load x that (1 - p) of the window's minutes exceed, at `scale` times the traffic:
    each pooled hour's minutes normal with mean scale x mean and variance scale x variance;
    hours without traffic are idle. Bisection: 50 halvings, to 1e-15 of the upper bound."""
    above = (1 - p) * window_hours  # hours' worth of minutes above the quantile

    def exceed(x: float) -> float:
        total = 0.0
        for mean, var, n in pooled:
            m, sd = mean * scale, math.sqrt(var * scale)
            total += n * (0.5 * math.erfc((x - m) / (sd * math.sqrt(2))) if sd > 0
                          else float(x < m))
        return total

    if exceed(0.0) <= above:
        return 0.0
    low, high = 0.0, max(m * scale + 10 * math.sqrt(v * scale) for m, v, _ in pooled) + 1e-9
    for _ in range(50):
        mid = (low + high) / 2
        low, high = (mid, high) if exceed(mid) > above else (low, mid)
    return high


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
    return sum(owned_parts(gpu, settings).values(), Decimal(0))


def owned_parts(gpu: GpuPrice, settings: Settings) -> dict[str, Decimal]:
    """An owned GPU's monthly cost by part (the report's assumptions list them)."""
    assert gpu.purchase_usd is not None and gpu.power_watts is not None
    kw = Decimal(gpu.power_watts) / 1000
    hardware = gpu.purchase_usd * (1 + settings.value("server_share")) \
        * (1 + settings.value("network_share"))
    return {
        "hardware": hardware / settings.value("amortization_months"),
        "power": kw * settings.value("pue") * settings.value("kwh_usd") * HOURS_PER_MONTH,
        "space": kw * settings.value("space_usd_per_kw_month"),
        "staff": settings.value("staff_usd_per_gpu_month"),
    }


def breakeven_scale(fleet: Fleet, api_routed: Decimal, api_onprem: Decimal) -> Decimal | None:
    """The smallest multiple of today's on-prem traffic at which on-prem (fleet + the API
    traffic it still sends: escalations) costs no more than the same traffic routed to the
    distilled API. `api_routed` and `api_onprem` are those API costs a month at scale 1.
    None: on-prem never catches up (or there is no such traffic).

    The fleet's cost is a step function of volume that never falls, and on-prem wins where it
    is at most the margin (api_routed - api_onprem) x scale. Bisecting on "wins" can land in any
    winning stretch, not the first: near parity a fleet one replica larger loses again, so two
    samples of the same shape gave break-evens 1.5x apart. Instead, walk up: at scale s the
    fleet costs C(s), so no scale below C(s) / margin wins while the fleet costs at least C(s);
    jump there and repeat until the fleet's cost stops growing. Every scale skipped loses."""
    margin = api_routed - api_onprem
    if fleet.load_minutes == 0 or margin <= 0:
        return None
    ceiling = Decimal(10) ** 9
    if fleet.monthly_cost(ceiling) > margin * ceiling:
        return None  # its cost per token only falls with volume: never within reach
    scale = Decimal("0.0001")
    for _ in range(100_000):
        cost = fleet.monthly_cost(scale)
        if cost <= margin * scale or cost / margin <= scale:  # the latter: rounding
            return scale
        scale = cost / margin
    return None


def monthly_tokens(con: duckdb.DuckDBPyConnection, window_seconds: Decimal) -> Decimal:
    total = con.execute("SELECT coalesce(sum(tokens), 0) FROM minute_loads").fetchone()
    return Decimal(total[0] if total else 0) * SECONDS_PER_MONTH / window_seconds


def _dec(value: float) -> Decimal:
    return Decimal(str(value)).quantize(_LOAD)
