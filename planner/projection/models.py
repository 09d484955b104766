"""Stage 4: the models the scenarios move traffic to, and the prices the SQL stages use.

choose_models() picks the frontier model (the one the logs use most, or --frontier), the
distilled model and the router, and loads plan_prices (per-token DECIMAL rates per model, service
tier and price period) and plan_model_map (logged id -> price entry) for stages 50 and 60.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb

from planner.report import ModelId, Price
from planner.settings import Settings
from pricing import PriceTable, PricingError
from pricing.resolve import spellings
from pricing.table import SERVICE_TIERS, RateCard

PER_TOKEN = Decimal(1_000_000)
# The open ends of a price period, as dates DuckDB and Python both hold.
FIRST_DAY, LAST_DAY = date(1, 1, 1), date(9999, 12, 31)


@dataclass(frozen=True)
class Models:
    """The models the scenarios move traffic to, and the logged models that have a price."""

    frontier: str
    frontier_source: str
    distilled: str
    distilled_source: str
    priced: frozenset[str]
    router: str | None  # the router's embedding model; None: the table has no price for it
    model_ids: tuple[ModelId, ...] = ()  # logged ids priced by a rewrite or a fallback


def logged_models(con: duckdb.DuckDBPyConnection, defaulted_files: Sequence[int] = ()) -> None:
    """Each logged model id (NULL: no model) and service tier, with its days and requests
    (`plan_logged`): read once, for the frontier choice and the price lookup of choose_models
    and for stage 55's prices. `defaulted_files`: trace files whose model is plan's default, not
    the logs': they do not vote for the frontier model."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE plan_logged AS SELECT model, service_tier, "
        "list_contains(CAST(? AS BIGINT[]), file_id) AS defaulted, "
        "min(ts)::DATE AS first_day, max(ts)::DATE AS last_day, count(*) AS requests "
        "FROM scope GROUP BY ALL", [list(defaulted_files)])


def choose_models(con: duckdb.DuckDBPyConnection, table: PriceTable, settings: Settings) -> Models:
    """The frontier, distilled and router models, and the prices of every logged model
    (`plan_prices`, `plan_model_map`), from `plan_logged` (logged_models)."""
    logged = dict(con.execute(
        "SELECT model, sum(requests)::BIGINT FROM plan_logged GROUP BY model").fetchall())
    voters = dict(con.execute(
        "SELECT model, sum(requests)::BIGINT FROM plan_logged WHERE NOT defaulted "
        "GROUP BY model").fetchall())
    frontier, frontier_src = _frontier(voters, table, settings.frontier)
    distilled = table.get(settings.distilled or table.default_distilled).model
    for role, name in (("frontier", frontier), ("distilled", distilled)):
        if table.models[name].kind != "chat":
            raise PricingError(f"--{role} {name}: an {table.models[name].kind} model, not a "
                               "chat model: the scenarios move chat traffic onto it")
    distilled_src = "flag --distilled" if settings.distilled else (
        f"pricing {table.version}: default distilled model")
    router = table.resolve(settings.value("router_model"))
    targets = (frontier, distilled) + ((router,) if router else ())
    priced = _load_prices(con, table, list(logged), targets, settings.price_at)
    # The self-hosted profiles' context limits: stage 55 keeps longer requests off the fleet.
    con.execute("CREATE OR REPLACE TEMP TABLE plan_selfhosted (model VARCHAR, "
                "max_context BIGINT)")
    if table.selfhosted:
        con.execute("INSERT INTO plan_selfhosted VALUES " + ", ".join(
            ["(?, ?)"] * len(table.selfhosted)), [x for m, p in sorted(table.selfhosted.items())
                                                  for x in (m, p.max_context)])
    return Models(frontier, frontier_src, distilled, distilled_src, frozenset(priced), router,
                  _model_ids(table, logged))


def _model_ids(table: PriceTable, logged: dict[str | None, int]) -> tuple[ModelId, ...]:
    out = []
    for model in sorted(m for m in logged if m is not None):
        r = table.resolution(model)
        if r.entry is not None and not r.plain:
            out.append(ModelId(model, r.entry, r.approximate, r.why(), logged[model]))
    return tuple(out)


def _frontier(
    logged: dict[str | None, int], table: PriceTable, chosen: str | None
) -> tuple[str, str]:
    if chosen:
        return table.get(chosen).model, "flag --frontier"
    # The frontier model the team already uses most, so all-frontier is "everything on it".
    best: dict[str, int] = {}
    for model, n in logged.items():
        entry = table.resolve(model) if model is not None else None
        # A chat model only: embedding, image and audio models never take chat traffic.
        if entry and table.models[entry].tier == "frontier" and table.models[entry].kind == "chat":
            best[entry] = best.get(entry, 0) + n
    if best:
        top = max(sorted(best), key=lambda m: best[m])
        return top, f"measured: most-used frontier model in the logs ({best[top]} requests)"
    return table.default_frontier, f"pricing {table.version}: default (no frontier model logged)"


def _load_prices(
    con: duckdb.DuckDBPyConnection, table: PriceTable, logged: list[str | None],
    targets: Sequence[str], price_at: str,
) -> set[str]:
    """Load plan_prices (per-token DECIMAL rates) and plan_model_map (logged id -> entry).

    plan_prices has one row per model, service tier and price period, valid from `valid_from`
    until the day before `valid_to`. At `current` there is one period, the version's current
    prices, for all time; at `request-time` every dated period. A service tier the model does
    not publish repeats the standard rates with `published` false. A model with a time-of-day
    rate has an 'off-peak' tier too, and every row carries its window (off_from, off_to: UTC
    minutes of the day; NULL: none).
    """
    mapping = [(m, table.resolve(m) if m is not None else None) for m in logged]
    priced = {e for _, e in mapping if e}
    rows: list[list[object]] = []
    for name in sorted(priced | set(targets)):
        m = table.models[name]
        periods = m.periods if price_at == "request-time" else (m.current,)
        for i, period in enumerate(periods):
            start = period.start if price_at == "request-time" and i else None
            nxt = periods[i + 1].start if i + 1 < len(periods) else None
            window = period.off_peak_utc or (None, None)
            for tier in ("standard", *SERVICE_TIERS,
                         *(("off-peak",) if period.off_peak else ())):
                card = period.off_peak if tier == "off-peak" and period.off_peak else \
                    period.service_tiers.get(tier, period.standard)
                published = tier in ("standard", "off-peak") or tier in period.service_tiers
                rows.append([len(rows), m.model, tier, published, start or FIRST_DAY,
                             nxt or LAST_DAY,
                             m.context_window, m.multimodal, m.kind, *window,
                             *_card_row(card)])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE plan_prices (id INTEGER, model VARCHAR, tier VARCHAR, "
        "published BOOLEAN, valid_from DATE, valid_to DATE, context_window BIGINT, "
        "multimodal BOOLEAN, kind VARCHAR, off_from INTEGER, off_to INTEGER, "
        "p STRUCT(input DECIMAL(18, 12), cached_input DECIMAL(18, 12), "
        "cache_write DECIMAL(18, 12), cache_write_1h DECIMAL(18, 12), output DECIMAL(18, 12), "
        "lc_above BIGINT, lc_input DECIMAL(18, 12), lc_cached_input DECIMAL(18, 12), "
        "lc_cache_write DECIMAL(18, 12), lc_cache_write_1h DECIMAL(18, 12), "
        "lc_output DECIMAL(18, 12)))"
    )
    # One INSERT of all rows (executemany runs one statement per row).
    row_sql = ("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {'input': ?, 'cached_input': ?, "
               "'cache_write': ?, 'cache_write_1h': ?, 'output': ?, 'lc_above': ?, 'lc_input': ?, "
               "'lc_cached_input': ?, 'lc_cache_write': ?, 'lc_cache_write_1h': ?, "
               "'lc_output': ?})")
    con.execute("INSERT INTO plan_prices VALUES " + ", ".join([row_sql] * len(rows)),
                [x for row in rows for x in row])
    # Each logged id's provider and its fee per web search (NULL: none known), for stage 60.
    con.execute("CREATE OR REPLACE TEMP TABLE plan_search_prices (model VARCHAR, "
                "provider VARCHAR, per_search DECIMAL(18, 12))")
    fees = [(m, provider, table.tools.get("web_search", {}).get(provider))
            for m, provider in _billed_by(table, mapping)]
    if fees:
        con.execute("INSERT INTO plan_search_prices VALUES " + ", ".join(
            ["(?, ?, ?)"] * len(fees)), [x for m, provider, fee in sorted(fees) for x in (
                m, provider, None if fee is None else fee.per_use)])
    con.execute("CREATE OR REPLACE TEMP TABLE plan_model_map (raw_model VARCHAR, entry VARCHAR)")
    if mapping:
        con.execute("INSERT INTO plan_model_map VALUES " + ", ".join(["(?, ?)"] * len(mapping)),
                    [x for pair in mapping for x in pair])
    return priced


# Spellings only Bedrock gives an id (pricing/resolve.py): AWS bills such a call, whichever
# entry prices its tokens (a `global.` profile is priced at Anthropic's own rates), and AWS
# publishes no per-search fee: its searches are unpriced, not charged at Anthropic's fee.
_BEDROCK_SPELLINGS = frozenset({"Bedrock ARN resource", "region prefix removed",
                                "Bedrock vendor prefix removed"})


def _billed_by(table: PriceTable,
               mapping: list[tuple[str | None, str | None]]) -> list[tuple[str, str]]:
    """(logged id, the provider that bills it) for each priced id."""
    out = []
    for logged, entry in mapping:
        if logged is None or entry is None:
            continue
        rules = {rule for rule, _ in spellings(logged)}  # whether or not the entry needed them
        out.append((logged, "aws" if rules & _BEDROCK_SPELLINGS else table.models[entry].provider))
    return out


def _card_row(card: RateCard) -> list[object]:
    r, lc = card.rates, card.long_context
    rates = [r.input, r.cached_input, r.cache_write, r.cache_write_1h, r.output]
    lc_rates = ([lc.input, lc.cached_input, lc.cache_write, lc.cache_write_1h, lc.output]
                if lc else [None] * 5)
    return [*[x / PER_TOKEN for x in rates], card.long_context_above,
            *[None if x is None else x / PER_TOKEN for x in lc_rates]]


def price_of(table: PriceTable, model: str) -> Price:
    m = table.models[model]
    lc = m.long_context
    return Price(model=m.model, tier=m.tier, input_per_mtok=m.rates.input,
                 cached_input_per_mtok=m.rates.cached_input,
                 cache_write_per_mtok=m.rates.cache_write, output_per_mtok=m.rates.output,
                 context_window=m.context_window, source=f"{m.source} ({m.source_date})",
                 long_context_above=m.long_context_above,
                 lc_input_per_mtok=lc.input if lc else None,
                 lc_cached_input_per_mtok=lc.cached_input if lc else None,
                 lc_cache_write_per_mtok=lc.cache_write if lc else None,
                 lc_output_per_mtok=lc.output if lc else None,
                 cache_write_1h_per_mtok=m.rates.cache_write_1h,
                 lc_cache_write_1h_per_mtok=lc.cache_write_1h if lc else None)
