"""Differential test: plan's per-request cost, computed by plan's own SQL (stage 60) from a table
imported from genai-prices, equals genai-prices' own calc_price for the same model, usage, date
and service tier. Plus the edges by hand: long-context thresholds one token either side, cache
buckets, a price change inside the window, request-time against current."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import tomli_w
from genai_prices import Usage, calc_price

from planner.pipeline import AnalyzeOptions, analyze
from planner.settings import Settings
from pricing import load_table
from pricing.importers import from_genai_prices
from pricing.table import locate

# (provider, model id as logged): OpenAI, Anthropic and Google, old and new, with and without
# cache, long-context and batch prices.
MODELS = [
    ("openai", "gpt-5.4"), ("openai", "gpt-5.2"), ("openai", "gpt-5"), ("openai", "gpt-5-mini"),
    ("openai", "gpt-5-nano"), ("openai", "gpt-4.1"), ("openai", "gpt-4.1-mini"),
    ("openai", "gpt-4o-2024-08-06"), ("openai", "gpt-4o-mini"), ("openai", "o3-mini"),
    ("openai", "o4-mini"), ("openai", "gpt-3.5-turbo"),
    # dated snapshots with prices of their own, not their base model's
    ("openai", "gpt-4o-2024-05-13"), ("openai", "gpt-3.5-turbo-1106"),
    ("anthropic", "claude-opus-4-5-20251101"), ("anthropic", "claude-sonnet-4-5-20250929"),
    ("anthropic", "claude-haiku-4-5"), ("anthropic", "claude-3-7-sonnet-20250219"),
    ("anthropic", "claude-3-5-haiku-20241022"), ("anthropic", "claude-3-haiku-20240307"),
    ("google", "gemini-2.5-pro"), ("google", "gemini-2.5-flash"),
    ("google", "gemini-2.5-flash-lite"), ("google", "gemini-2.0-flash"),
    ("google", "gemini-1.5-pro"), ("google", "gemini-3-pro-preview"),
]
# (input incl. cached and cache writes, cache reads, cache writes, output)
USAGES = [(1_000, 0, 0, 200), (50_000, 20_000, 5_000, 3_000), (300_000, 0, 0, 4_000),
          (200_001, 100_000, 0, 10)]
DAYS = [date(2025, 6, 15), date(2026, 11, 15)]
TIERS = {"standard": None, "batch": {"processing": "batch"},
         "flex": {"service_tier": "flex"}, "priority": {"service_tier": "priority"}}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base_path, _ = locate("2026-11-01")
    import tomllib
    doc = tomllib.loads(base_path.read_text(encoding="utf-8"))
    result = from_genai_prices(load_table("2026-11-01"), doc, "genai-diff", date(2026, 11, 22))
    path = tmp_path_factory.mktemp("pricing") / "genai.toml"
    path.write_text(tomli_w.dumps(result.doc), encoding="utf-8")
    return path


def genai_cost(provider: str, model: str, usage: tuple[int, int, int, int], day: date,
               tier: str) -> Decimal:
    inp, read, write, out = usage
    when = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return calc_price(Usage(input_tokens=inp, cache_read_tokens=read, cache_write_tokens=write,
                            output_tokens=out), model, provider_id=provider,
                      genai_request_timestamp=when, price_context=TIERS[tier]).total_price


def plan_costs(log: Path, pricing: Path, db_path: Path, price_at: str) -> dict[str, Decimal]:
    """Each record is its own workload; stage 60's exact DECIMAL as-logged cost per workload."""
    analyze([str(log)], AnalyzeOptions(db=str(db_path), pricing=str(pricing),
                                       settings=Settings(price_at=price_at)))
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return dict(con.execute(
            "SELECT workload, sum(as_logged_cost) FROM costs GROUP BY workload").fetchall())
    finally:
        con.close()


def record(i: int, model: str, usage: tuple[int, int, int, int], day: date, tier: str) -> dict:
    inp, read, write, out = usage
    return {"request_id": f"r{i}", "workload": f"w{i}", "model": model,
            "timestamp": f"{day.isoformat()}T12:00:00Z", "input_tokens": inp,
            "cached_input_tokens": read, "cache_write_tokens": write, "output_tokens": out,
            "service_tier": None if tier == "standard" else tier}


def test_cost_equals_genai_prices_on_24_models(imported: Path, tmp_path: Path) -> None:
    cases, records = {}, []
    for provider, model in MODELS:
        for usage in USAGES:
            for day in DAYS:
                for tier in TIERS:
                    i = len(records)
                    records.append(record(i, model, usage, day, tier))
                    cases[f"w{i}"] = genai_cost(provider, model, usage, day, tier)
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    ours = plan_costs(log, imported, tmp_path / "p.duckdb", "request-time")
    assert len(ours) == len(cases) == len(MODELS) * len(USAGES) * len(DAYS) * len(TIERS)
    wrong = {w: (ours[w], want) for w, want in cases.items() if ours[w] != want}
    assert not wrong, f"{len(wrong)} of {len(cases)} differ, e.g. {list(wrong.items())[:3]}"
    # The comparison is not vacuous: costs differ by model and usage, some by service tier and
    # some by day (a price change inside the window), and none is zero.
    key = {f"w{i}": (r["model"], r["input_tokens"], r["timestamp"], r["service_tier"])
           for i, r in enumerate(records)}
    by_key = {key[w]: c for w, c in cases.items()}
    tiered = sum(1 for (m, n, t, tier), c in by_key.items() if tier and c != by_key[m, n, t, None])
    dated = sum(1 for (m, n, t, tier), c in by_key.items()
                if t.startswith("2026") and c != by_key[m, n, t.replace("2026-11-15", "2025-06-15"),
                                                        tier])
    assert len(set(cases.values())) > 150 and tiered > 50 and dated > 10
    assert all(c > 0 for c in cases.values())


HAND = """
schema = 2
version = "hand-v2"
released = "2026-03-01"
[defaults]
frontier = "big"
distilled = "small"
[models.big]
provider = "test"
tier = "frontier"
context_window = 1000000
input = 2.0
cached_input = 0.5
cache_write = 2.5
output = 10.0
long_context = { above_input_tokens = 200000, input = 4.0, cached_input = 1.0, cache_write = 5.0, output = 15.0 }
batch = { input = 1.0, cached_input = 0.25, cache_write = 1.25, output = 5.0 }
source = "hand"
source_date = "2026-01-01"
[[models.big.changes]]
from = "2026-02-01"
input = 3.0
cached_input = 0.75
cache_write = 3.75
output = 12.0
source = "hand"
source_date = "2026-02-01"
[models.small]
provider = "test"
tier = "distilled"
context_window = 100000
input = 0.1
output = 0.2
source = "hand"
source_date = "2026-01-01"
[gpus.g]
name = "g"
on_demand_hourly = 1.0
sources = { on_demand_hourly = "hand" }
[selfhosted.small]
gpu = "g"
gpus_per_replica = 1
batch_size = 1
prefill_tokens_per_s = 1000
decode_tokens_per_s = 100
max_context = 100000
source = "hand"
source_date = "2026-01-01"
"""


@pytest.mark.parametrize(("day", "usage", "tier", "price_at", "usd"), [
    # Before the change, standard: 100k uncached input at $2 + 1M output at $10.
    ("2026-01-15", (100_000, 0, 0, 1_000_000), None, "request-time", "10.2"),
    # After it (1 Feb): $3 and $12.
    ("2026-02-01", (100_000, 0, 0, 1_000_000), None, "request-time", "12.3"),
    # --price-at current prices January traffic at the prices in force on release (1 Mar).
    ("2026-01-15", (100_000, 0, 0, 1_000_000), None, "current", "12.3"),
    # Over 200k input tokens the whole request is long-context: 1M x $4 + 1M x $15.
    ("2026-01-15", (1_000_000, 0, 0, 1_000_000), None, "request-time", "19"),
    # Exactly at the threshold: standard rates. 200,000 input = 100,000 uncached at $2,
    ("2026-01-15", (200_000, 60_000, 40_000, 1_000), None, "request-time", "0.34"),
    # One token over: the whole request at long-context rates: 100,001 x $4 + 60,000 x $1
    # + 40,000 x $5 + 1,000 x $15 = 0.400004 + 0.06 + 0.2 + 0.015.
    ("2026-01-15", (200_001, 60_000, 40_000, 1_000), None, "request-time", "0.675004"),
    # Batch tier (January: batch published in the first period only): 80k x $1 + 20k cache
    # reads x $0.25 + 1M x $5.
    ("2026-01-15", (100_000, 20_000, 0, 1_000_000), "batch", "request-time", "5.085"),
    # In February the change publishes no batch tier: standard rates, 80k x $3 + 20k x $0.75
    # + 1M x $12.
    ("2026-02-10", (100_000, 20_000, 0, 1_000_000), "batch", "request-time", "12.255"),
])
def test_hand_priced_edges(tmp_path, day, usage, tier, price_at, usd):
    pricing = tmp_path / "hand.toml"
    pricing.write_text(HAND, encoding="utf-8")
    rec = record(0, "big", usage, date.fromisoformat(day), tier or "standard")
    log = tmp_path / "log.jsonl"
    # A second request on another day keeps the window at least a day long.
    other = record(1, "small", (10, 0, 0, 10), date(2026, 2, 20), "standard")
    log.write_text(json.dumps(rec) + "\n" + json.dumps(other) + "\n", encoding="utf-8")
    ours = plan_costs(log, pricing, tmp_path / "p.duckdb", price_at)
    assert ours["w0"] == Decimal(usd)


# The shipped table against genai-prices' own calc_price, for the providers 2026-11-29.5 added:
# ids as Bedrock, Cohere and Groq logs carry them. AWS bills Claude Sonnet 4.5 10% over
# Anthropic on a regional (`us.`) or in-region profile, at Anthropic's rate on a `global.` one.
SHIPPED = [
    ("aws", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("aws", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("aws", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("aws", "eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
    ("aws", "amazon.nova-pro-v1:0"), ("aws", "us.amazon.nova-micro-v1:0"),
    ("aws", "meta.llama3-3-70b-instruct-v1:0"),
    ("cohere", "command-r-plus-08-2024"), ("cohere", "command-a-03-2025"),
    ("groq", "llama-3.3-70b-versatile"), ("groq", "llama3-70b-8192"),
    ("anthropic", "claude-sonnet-4-5-20250929"),
]


def test_shipped_prices_of_bedrock_cohere_and_groq_ids_equal_genai_prices(tmp_path: Path) -> None:
    day, cases, records = date(2026, 11, 28), {}, []
    for provider, model in SHIPPED:
        for usage in ((1_000, 0, 0, 200), (50_000, 20_000, 5_000, 3_000)):
            i = len(records)
            records.append(record(i, model, usage, day, "standard"))
            cases[f"w{i}"] = genai_cost(provider, model, usage, day, "standard")
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    shipped, _ = locate("2026-11-29.5")
    ours = plan_costs(log, shipped, tmp_path / "p.duckdb", "current")
    wrong = {w: (ours.get(w), want) for w, want in cases.items() if ours.get(w) != want}
    assert not wrong, f"{len(wrong)} of {len(cases)} differ: {wrong}"
    # Not vacuous: the regional profile costs 10% more than the global one and Anthropic's own.
    us, global_, anthropic = cases["w0"], cases["w4"], cases["w22"]
    assert us == global_ * Decimal("1.1") and global_ == anthropic
