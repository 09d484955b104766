"""Pricing 2026-11-29 and .1 (issue 16) and `plan pricing audit`: snapshots, DeepSeek and Mistral's
moved alias at the prices computed here by hand or by genai-prices; the audit lists every
disagreement over 1% with both references and fails on an unexplained one."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import tomli_w
from genai_prices import Usage, calc_price

from pricing import load_table
from pricing.table import locate
from tests.conftest import FIXTURES

VERSION = "2026-11-29.1"
LITELLM = FIXTURES / "litellm" / "model_prices_excerpt.json"
M = Decimal(1_000_000)
MONTH = Decimal("30.4375")


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)  # once, half up (README "Money")


def genai_total(model: str, inp: int, out: int) -> Decimal:
    when = datetime(2026, 11, 29, 12, tzinfo=UTC)
    return calc_price(Usage(input_tokens=inp, output_tokens=out), model, provider_id="openai",
                      genai_request_timestamp=when).total_price


def monthly(run, write_log, model, inp, out, cached=0):
    """As-logged a month: two requests a day apart (a one-day window)."""
    records = [{"timestamp": f"2026-11-0{d}T00:00:00Z", "request_id": f"r{d}", "workload": "w",
                "model": model, "input_tokens": inp, "cached_input_tokens": cached,
                "output_tokens": out} for d in (1, 2)]
    res = run("analyze", str(write_log(records)), "--db", ":memory:", "--format", "json",
              "--pricing", VERSION)
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    s = next(s for s in report["scenarios"] if s["name"] == "as-logged")
    return Decimal(str(s["monthly_cost_usd"])), report


@pytest.mark.parametrize(("model", "base_total"), [
    ("gpt-4o-2024-05-13", Decimal("12.5")),   # gpt-4o: $2.50 + $10
    ("gpt-3.5-turbo-1106", Decimal("2.0")),   # gpt-3.5-turbo: $0.50 + $1.50
])
def test_snapshots_are_priced_as_genai_prices_prices_them(run, write_log, model, base_total):
    expected = genai_total(model, 1_000_000, 1_000_000)
    assert expected in (Decimal(20), Decimal(3))  # $5 + $15; $1 + $2: not the base price
    assert expected != base_total
    cost, report = monthly(run, write_log, model, 1_000_000, 1_000_000)
    assert cost == cents(2 * expected * MONTH)
    assert report["model_ids"] == [] and not any(model in w for w in report["warnings"])


def test_deepseek_reasoner_is_priced_with_its_cache_hit_rate(run, write_log):
    # DeepSeek-V3.2 (both deepseek-chat and deepseek-reasoner): cache miss $0.28, hit $0.028,
    # output $0.42 per 1M. 1M in of which 400k cache hits, 100k out:
    # 600k x 0.28 + 400k x 0.028 + 100k x 0.42 = 0.168 + 0.0112 + 0.042 = $0.2212 a request.
    per_request = (600_000 * Decimal("0.28") + 400_000 * Decimal("0.028")
                   + 100_000 * Decimal("0.42")) / M
    assert per_request == Decimal("0.2212")
    cost, _ = monthly(run, write_log, "deepseek-reasoner", 1_000_000, 100_000, cached=400_000)
    assert cost == cents(2 * per_request * MONTH) == Decimal("13.47")


def test_mistral_large_latest_is_large_3():
    table = load_table(VERSION)
    entry = table.models[table.resolve("mistral-large-latest")]
    assert entry.model == "mistral-large-2512"
    assert (entry.rates.input, entry.rates.output) == (Decimal("0.5"), Decimal("1.5"))
    assert table.resolve("mistral-large") == "mistral-large"  # Large 2 keeps its own id


def test_released_version_has_no_unexplained_disagreement_with_genai_prices(run):
    res = run("pricing", "audit", VERSION, "--format", "json")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert {r["model"] for r in rows} == {"deepseek-chat", "deepseek-reasoner", "deepseek-v3.2"}
    assert all(r["explained"] for r in rows)
    chat_out = next(r for r in rows if r["model"] == "deepseek-chat" and r["bucket"] == "output")
    assert (chat_out["plan"], chat_out["genai_prices"]) == (0.42, 1.1)
    assert "0 unexplained" in res.stderr


def test_newest_version_audits_clean(run):
    res = run("pricing", "audit", "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert {r["model"] for r in json.loads(res.stdout)} == {
        "deepseek-chat", "deepseek-reasoner", "deepseek-v3.2"}


def test_audit_names_an_unexplained_difference_with_both_sources(run, tmp_path):
    doc = tomllib.loads(locate(VERSION)[0].read_text(encoding="utf-8"))
    # A draft of a new version (a released version's name on an edited table is refused as
    # tampered): gpt-5.1's input $1.25 -> $1.50 in every rate card, 20% above genai-prices and
    # LiteLLM.
    doc["version"] = "2099-01-01"
    entry = doc["models"]["gpt-5.1"]
    for card in (entry, *entry.get("changes", [])):
        card["input"] = 1.5
    draft = tmp_path / "draft.toml"
    draft.write_text(tomli_w.dumps(doc), encoding="utf-8")
    res = run("pricing", "audit", str(draft), "--litellm", str(LITELLM), "--format", "json")
    assert res.exit_code == 1
    rows = [r for r in json.loads(res.stdout) if r["model"] == "gpt-5.1"]
    assert rows[0] == {"model": "gpt-5.1", "bucket": "input", "plan": 1.5, "genai_prices": 1.25,
                       "litellm": 1.25, "disagrees_with": "genai-prices, litellm",
                       "explained": ""}
    # No published cache-write price: both plan and genai-prices bill writes (5-minute and
    # 1-hour) as input, so those effective rates differ too; LiteLLM publishes none, so they are
    # not compared with it.
    assert rows[1:] == [{**rows[0], "bucket": bucket, "litellm": None,
                         "disagrees_with": "genai-prices"}
                        for bucket in ("cache_write", "cache_write_1h")]
    assert "3 unexplained" in res.stderr


def test_litellm_map_agrees_on_the_models_it_shares(run):
    res = run("pricing", "audit", VERSION, "--litellm", str(LITELLM), "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert not [r for r in json.loads(res.stdout) if r["litellm"] is not None]
    assert "3 in model_prices_excerpt.json" in res.stderr
    # and the excerpt's own numbers are what the audit compared: gpt-5 priority output $20.
    raw = json.loads(Path(LITELLM).read_text())
    assert Decimal(str(raw["gpt-5"]["output_cost_per_token_priority"])) * M == 20
