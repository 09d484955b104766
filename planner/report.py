"""The Report: the one result of an analysis. Table, JSON and CSV are renderings of it.

JSON contract (README "JSON report"): later versions add fields; renaming or removing one bumps
SCHEMA_VERSION.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

SCHEMA_VERSION = 1
SCENARIOS = ("as-logged", "all-frontier", "routed", "on-prem")


@dataclass(frozen=True)
class Assumption:
    name: str
    value: str
    source: str  # "measured: ...", "flag --x", "published: ...", "pricing <version>: ...", ...


@dataclass(frozen=True)
class FileCounts:
    path: str
    source: str
    read: int
    accepted: int
    rejected: int
    duplicates: int
    reused: bool
    failed: int = 0  # failed requests the log recorded (API errors): counted, never priced
    skipped: int = 0  # OTLP spans that are not LLM calls: not records, not in `read`
    bodies: int = 0  # batch input request bodies: outside `read` (the output line is the request)
    outside: int = 0  # requests outside --since / --until: read, not analysed
    read_after: int = 0  # a file that grew: its lines up to this one were read by an earlier run


@dataclass(frozen=True)
class RejectReason:
    field: str | None
    reason: str
    count: int
    first: str  # "file:line" of the first line rejected for this reason

    def describe(self) -> str:
        return f"field '{self.field}': {self.reason}" if self.field else self.reason


@dataclass(frozen=True)
class Ingest:
    read: int
    accepted: int
    rejected: int
    duplicates: int
    files: tuple[FileCounts, ...]
    reject_reasons: tuple[RejectReason, ...]
    failed: int = 0  # read = accepted + rejected + duplicates + failed + outside
    failure_reasons: tuple[RejectReason, ...] = ()
    skipped: int = 0  # OTLP spans that are not LLM calls (outside `read`)
    bodies: int = 0  # batch input request bodies read (outside `read`)
    bodies_joined: int = 0  # batch output requests that got their body (custom_id)
    outside: int = 0  # requests outside --since / --until (the run's window): not analysed


@dataclass(frozen=True)
class Window:
    start: str
    end: str
    days: Decimal

    @property
    def span(self) -> str:
        """The window's length for a reader: "27.8 days", "0.5 days", "3 minutes"."""
        if self.days >= Decimal("0.1"):
            return f"{self.days:,.1f} days"
        minutes = self.days * 1440
        return f"{minutes:.0f} minute{'' if round(minutes) == 1 else 's'}"


@dataclass(frozen=True)
class ScenarioCost:
    name: str
    monthly_cost_usd: Decimal
    savings_vs_all_frontier_pct: Decimal | None
    savings_vs_as_logged_pct: Decimal | None  # against what the logged traffic costs today


@dataclass(frozen=True)
class WorkloadStats:
    p50_input_tokens: int
    p95_input_tokens: int
    p50_output_tokens: int
    p95_output_tokens: int
    tool_share: Decimal
    image_share: Decimal
    long_context_share: Decimal
    requests_per_day: Decimal
    peak_tokens_per_minute: int


@dataclass(frozen=True)
class LabelEvidence:
    """What a workload's labels rest on (planner/stages/evidence.py)."""

    positive_share: Decimal  # requests a rule matched (not the default)
    mostly_default: bool  # over half its requests fell to the default: the label is weak
    text_requests: int  # requests with text (system prompt or prompt)
    distinct_texts: int
    sampled_texts: int  # distinct texts the text signals read (all of them unless sampled)
    capability_margin: Decimal | None  # 95% margin of error of capability_share, if sampled
    # Cost-bound requests with 2,000+ reasoning or 4,000+ output tokens: a measured estimate
    # of the share a distilled model would escalate (None: no cost-bound requests).
    hard_share: Decimal | None


@dataclass(frozen=True)
class Workload:
    workload: str
    workload_source: str
    label: str
    capability_share: Decimal
    requests: int
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    monthly_cost_usd: dict[str, Decimal]
    reasons: tuple[str, ...]
    stats: WorkloadStats
    unpriced_requests: int
    stays_on_frontier: int  # cost-bound requests outside the distilled model's envelope
    evidence: LabelEvidence | None = None


@dataclass(frozen=True)
class Price:
    model: str
    tier: str
    input_per_mtok: Decimal
    cached_input_per_mtok: Decimal
    cache_write_per_mtok: Decimal
    output_per_mtok: Decimal
    context_window: int | None  # None: not published
    source: str
    long_context_above: int | None = None  # input tokens; above it the whole request pays lc_*
    lc_input_per_mtok: Decimal | None = None
    lc_cached_input_per_mtok: Decimal | None = None
    lc_cache_write_per_mtok: Decimal | None = None
    lc_output_per_mtok: Decimal | None = None
    cache_write_1h_per_mtok: Decimal | None = None  # None (older reports): the 5-minute rate
    lc_cache_write_1h_per_mtok: Decimal | None = None


@dataclass(frozen=True)
class PricedQuantity:
    """Tokens one scenario pays for: a workload's traffic on one model and price tier, over the
    observed window, times `weight` (1, or the escalation share for frontier retries)."""

    workload: str
    scenario: str
    model: str
    long_context: bool
    weight: Decimal
    requests: int
    input_tokens: int  # uncached input
    cached_input_tokens: int
    cache_write_tokens: int  # all cache writes, the 1-hour ones included
    output_tokens: int
    cache_write_1h_tokens: int = 0


@dataclass(frozen=True)
class UnpricedModel:
    model: str
    requests: int


@dataclass(frozen=True)
class UnpricedSearches:
    """Web searches logged on a model whose provider has no per-search fee in the table (or
    whose model has no price at all: provider None): their fee is unknown, never $0."""

    model: str
    provider: str | None
    searches: int  # over the observed window


@dataclass(frozen=True)
class ServerToolFees:
    """Server-side web searches and their fee, billed per search on top of the tokens
    (planner/projection/tool_fees.py). Every scenario pays the same fee, and each scenario's
    monthly cost includes it."""

    searches: int  # over the observed window, on requests whose log counts them
    monthly_searches: Decimal  # scaled to a month (2 decimals)
    monthly_usd: Decimal  # the fee of the priced searches, a month: in every scenario's total
    unpriced: tuple[UnpricedSearches, ...] = ()  # most searches first


@dataclass(frozen=True)
class ModelId:
    """A logged model id priced as an entry other than its own name or listed alias: how, and
    whether that entry is only a fallback (`approximate`: the id's own price may differ)."""

    model: str
    priced_as: str
    approximate: bool
    why: str
    requests: int


@dataclass(frozen=True)
class OnPrem:
    mode: str  # rented, autoscaled or owned
    model: str
    gpu: str
    gpus: int  # autoscaled: at the busiest hour
    replicas: int
    peak_minute: str | None
    peak_replica_load: Decimal
    utilization: Decimal  # work done / capacity paid for over the window (replica-minutes)
    monthly_fleet_cost_usd: Decimal
    gpu_hourly_usd: Decimal = Decimal(0)
    idle_cost_share: Decimal = Decimal(0)  # 1 - utilization: the share of the fleet paid idle
    percentile_replica_load: Decimal = Decimal(0)  # the minute the fleet is sized for
    monthly_tokens: int = 0  # the traffic it serves (distilled-routed, not cache hits)
    # The monthly volume of that traffic at which on-prem costs what routing it to the distilled
    # API costs; None when on-prem never catches up.
    breakeven_monthly_tokens: int | None = None
    # On-prem against routing the same traffic to the distilled API, at other volumes of it.
    curve: tuple[VolumePoint, ...] = ()


@dataclass(frozen=True)
class VolumePoint:
    monthly_tokens: int
    onprem_usd: Decimal  # fleet (re-sized) + the API traffic on-prem still sends
    routed_usd: Decimal  # the same traffic routed to the distilled API


@dataclass(frozen=True)
class CurvePoint:
    """One point of the routing curve (planner/projection/curves.py): every request scored at least
    min_score (how confidently cost-bound, 0-1) goes through the router to the distilled model
    where it fits its envelope; the rest stay on frontier. Before the semantic cache."""

    min_score: Decimal
    distilled_share: Decimal  # of all requests, sent to the distilled model
    on_default_share: Decimal  # of all requests, sent there with no rule's evidence (default)
    monthly_cost_usd: Decimal
    savings_vs_as_logged_pct: Decimal | None
    savings_vs_all_frontier_pct: Decimal | None
    marked: bool  # the point the routed scenario uses (its cost before the cache)


@dataclass(frozen=True)
class CachePoint:
    """One point of the cache curve (planner/projection/curves.py) for a workload, or "(all)": the
    share of requests a semantic cache would answer at a similarity threshold, within the cache TTL.
    threshold 1 is the same prompt text; below 1, near repeats by prompt embedding: an
    estimate, since the logs cannot tell whether the cached answer would have been right. The
    share is measured on the requests whose text was sampled (stage 45) and applied to all the
    requests with prompt text; where a workload has more distinct texts than the sample, near
    repeats outside it are not seen (a lower bound)."""

    workload: str
    threshold: Decimal
    sampled_requests: int  # requests the share was measured on
    hits: int  # of them, answered from cache
    hit_share: Decimal
    monthly_hits: Decimal  # the share applied to the month's requests with prompt text
    monthly_saved_usd: Decimal  # routed cost they would not pay, less every request's lookup


@dataclass(frozen=True)
class ForecastMonth:
    month: int  # 1 = the month after the observed one
    costs_usd: dict[str, Decimal]  # scenario -> monthly cost


@dataclass(frozen=True)
class Budget:
    usd: Decimal
    first_month_over: dict[str, int | None]  # scenario -> first forecast month above it


@dataclass(frozen=True)
class Sensitivity:
    assumption: str
    low: str
    base: str
    high: str
    routed_savings_pct: tuple[Decimal, Decimal]  # vs all-frontier, assumption low / high
    onprem_savings_pct: tuple[Decimal, Decimal]
    routed_swing_pct: Decimal  # how far the assumption moves routed savings


@dataclass(frozen=True)
class EnvelopeOverflow:
    """Cost-bound requests kept on frontier because the distilled model cannot take them."""

    workload: str
    reason: str
    requests: int


@dataclass(frozen=True)
class LoggedSpend:
    """Over the observed window (not monthly): the requests whose log recorded a cost (LiteLLM
    `spend`, Langfuse calculatedTotalCost), what the log says they cost, and what plan's
    as-logged prices make of the same requests (requests without a price left out)."""

    requests: int
    logged_usd: Decimal
    as_logged_usd: Decimal
    unpriced_requests: int
    by_model: tuple[ModelReconciliation, ...] = ()  # largest difference first


@dataclass(frozen=True)
class ModelReconciliation:
    """One logged model id: what the log recorded for its requests that carry a cost, and plan's
    as-logged price of the same requests (None: the model has no price), over the window."""

    model: str
    priced_as: str | None
    requests: int
    logged_usd: Decimal
    as_logged_usd: Decimal | None
    difference_usd: Decimal | None  # plan - logged, over the requests plan prices
    difference_pct: Decimal | None  # of the logged cost of those requests
    explanations: tuple[str, ...]  # what could explain the difference, likeliest first


@dataclass(frozen=True)
class Effect:
    """One cause of a scenario's change against as-logged, a month
    (planner/projection/effects.py)."""

    name: str  # vendor consolidation, routing, escalation, batch tier, semantic cache, ...
    monthly_usd: Decimal  # negative: saves
    what: str


@dataclass(frozen=True)
class ScenarioEffects:
    """A scenario's monthly change against as-logged as a sum of named effects, to the cent.
    `unpriced_requests`: requests whose as-logged cost is unknown (no price); their whole cost
    in the scenario is the "unpriced traffic" effect, not a saving or a cost."""

    scenario: str
    change_usd: Decimal  # the scenario's monthly cost - as-logged's; = sum of the effects
    effects: tuple[Effect, ...]
    unpriced_requests: int = 0


@dataclass(frozen=True)
class Report:
    pricing_version: str
    window: Window
    ingest: Ingest
    scenarios: tuple[ScenarioCost, ...]
    workloads: tuple[Workload, ...]
    prices: tuple[Price, ...]
    assumptions: tuple[Assumption, ...]
    unpriced_models: tuple[UnpricedModel, ...]
    onprem: OnPrem
    warnings: tuple[str, ...] = field(default_factory=tuple)
    monthly_scale_factor: Decimal = Decimal(1)  # month length / observed window
    priced_quantities: tuple[PricedQuantity, ...] = ()
    logged_spend: LoggedSpend | None = None
    forecast: tuple[ForecastMonth, ...] = ()
    budget: Budget | None = None
    sensitivity: tuple[Sensitivity, ...] = ()
    envelope_overflow: tuple[EnvelopeOverflow, ...] = ()
    model_ids: tuple[ModelId, ...] = ()
    routing_curve: tuple[CurvePoint, ...] = ()
    cache_curve: tuple[CachePoint, ...] = ()
    effects: tuple[ScenarioEffects, ...] = ()  # each scenario's change vs as-logged, by cause
    verdict: str = ""  # the answer in one sentence (planner/projection/verdict.py)
    # web searches and their fee, included in every scenario (None: no search logged)
    server_tool_fees: ServerToolFees | None = None
    schema_version: int = SCHEMA_VERSION

    def scenario(self, name: str) -> ScenarioCost:
        return next(s for s in self.scenarios if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the JSON contract's key order; Decimals stay Decimals."""
        data = asdict(self)
        ordered = {"schema_version": data.pop("schema_version"), "verdict": data.pop("verdict")}
        ordered.update(data)
        return ordered
