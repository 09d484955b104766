"""Pricing 2026-11-30: the models it adds for ids real vendor logs carry (Z.ai, Cerebras,
OpenRouter, Perplexity from genai-prices; Bedrock's legacy and embedding models, AI21 and
Mistral from LiteLLM), checked three ways through plan's own pipeline (stage 60's exact DECIMAL
cost): against prices written out by hand from the vendors' pages, against genai-prices'
calc_price, and against the per-token prices of a LiteLLM excerpt read here with json. And what
it must not price: ids whose price this schema cannot carry or whose host it cannot know."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from pricing import load_table
from pricing.importers import from_genai_prices, from_litellm
from pricing.table import locate
from tests.test_pricing_genai import genai_cost, plan_costs, record

VERSION = "2026-11-30"
LITELLM = Path(__file__).parent / "fixtures" / "litellm" / "model_prices_2026_11_30_excerpt.json"
M = Decimal(1_000_000)


def _run(cases: list[tuple[str, tuple[int, int, int, int], date]], tmp_path: Path,
         price_at: str = "current") -> list[Decimal | None]:
    records = [record(i, model, usage, day, "standard")
               for i, (model, usage, day) in enumerate(cases)]
    log = tmp_path / "log.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    shipped, _ = locate(VERSION)
    ours = plan_costs(log, shipped, tmp_path / "p.duckdb", price_at)
    return [ours.get(f"w{i}") for i in range(len(cases))]


# (logged id, (input incl. cache reads, cache reads, cache writes, output), USD by hand)
DAY = date(2026, 11, 28)
HAND = [
    # Z.ai, docs.z.ai/guides/overview/pricing (genai-prices 0.2.3; LiteLLM's zai/glm-4.7 agrees):
    # GLM-4.7 $0.60 input, $0.11 cached input, $2.20 output per 1M tokens.
    ("glm-4.7", (10_000, 4_000, 0, 1_000),
     (6_000 * Decimal("0.60") + 4_000 * Decimal("0.11") + 1_000 * Decimal("2.20")) / M),
    # GLM-5.3: $1.40 / cached $0.26 / $4.40.
    ("glm-5.3", (10_000, 4_000, 0, 1_000),
     (6_000 * Decimal("1.40") + 4_000 * Decimal("0.26") + 1_000 * Decimal("4.40")) / M),
    # Cerebras, cerebras.ai/pricing (via genai-prices 0.2.3): zai-glm-4.7 $2.25 / $2.75.
    ("zai-glm-4.7", (10_000, 0, 0, 1_000),
     (10_000 * Decimal("2.25") + 1_000 * Decimal("2.75")) / M),
    # OpenRouter, openrouter.ai/models (via genai-prices 0.2.3): z-ai/glm-4.6 $0.60 / cached
    # $0.11 / $2.20.
    ("z-ai/glm-4.6", (10_000, 4_000, 0, 1_000),
     (6_000 * Decimal("0.60") + 4_000 * Decimal("0.11") + 1_000 * Decimal("2.20")) / M),
    # AWS Bedrock (LiteLLM 1.110.2): Claude 2.1 $8 / $24; Kimi K2 Thinking $0.60 / $2.50.
    ("anthropic.claude-v2:1", (2_000, 0, 0, 500),
     (2_000 * Decimal(8) + 500 * Decimal(24)) / M),
    ("moonshot.kimi-k2-thinking", (10_000, 0, 0, 1_000),
     (10_000 * Decimal("0.60") + 1_000 * Decimal("2.50")) / M),
    # Cohere Embed v4 on a US cross-region profile: $0.12 per 1M input tokens, no output.
    ("us.cohere.embed-v4:0", (50_000, 0, 0, 0), 50_000 * Decimal("0.12") / M),
    # Mistral, docs.mistral.ai/models/ministral-3-14b-25-12: ministral-14b-latest is
    # Ministral 3 14B (2512), $0.20 / cached $0.02 / $0.20.
    ("ministral-14b-latest", (10_000, 4_000, 0, 1_000),
     (6_000 * Decimal("0.20") + 4_000 * Decimal("0.02") + 1_000 * Decimal("0.20")) / M),
    # AI21's own API (LiteLLM 1.110.2): Jamba 1.5 Mini $0.20 / $0.40.
    ("jamba-1.5-mini", (10_000, 0, 0, 1_000),
     (10_000 * Decimal("0.20") + 1_000 * Decimal("0.40")) / M),
]


def _by_hand(cases: list[tuple[str, tuple[int, int, int, int], Decimal]],
             tmp_path: Path) -> list[Decimal | None]:
    """Plan's cost of each (id, usage) on DAY; fails naming every id whose cost is not the
    one written out by hand."""
    ours = _run([(model, usage, DAY) for model, usage, _ in cases], tmp_path)
    wrong = {m: (got, usd) for (m, _, usd), got in zip(cases, ours, strict=True) if got != usd}
    assert not wrong, wrong
    assert all(usd > 0 for _, _, usd in cases)
    return ours


def test_new_ids_cost_what_their_published_prices_say(tmp_path: Path) -> None:
    _by_hand(HAND, tmp_path)


# Corrected on 2026-11-30 by the audit against LiteLLM 1.110.2's whole price map:
# codestral-latest is Codestral 25.08 (its model card, https://docs.mistral.ai/models/
# codestral-25-08, lists the API names codestral-2508 and codestral-latest), whose cached input
# Mistral's pricing page (https://docs.mistral.ai/inference/pricing, Code models) shows at 10%
# of the $0.30 input: $0.30 / cached $0.03 / $0.90 per 1M tokens. Before, the alias sat on
# codestral (25.01), which bills a cache read at the $0.30 input price.
CODESTRAL = [
    ("codestral-latest", (10_000, 4_000, 0, 1_000),
     (6_000 * Decimal("0.30") + 4_000 * Decimal("0.03") + 1_000 * Decimal("0.90")) / M),
    ("codestral-2508", (10_000, 4_000, 0, 1_000),
     (6_000 * Decimal("0.30") + 4_000 * Decimal("0.03") + 1_000 * Decimal("0.90")) / M),
    # Codestral 25.01 (retired 2025-11-30) never had a published cache price: input rate.
    ("codestral-2501", (10_000, 4_000, 0, 1_000),
     (10_000 * Decimal("0.30") + 1_000 * Decimal("0.90")) / M),
]


def test_codestral_latest_cache_reads_cost_mistrals_cached_input_price(tmp_path: Path) -> None:
    ours = _by_hand(CODESTRAL, tmp_path)
    # 4,000 cache reads at $0.03 instead of $0.30: $0.00108 less than the old alias billed.
    assert ours[2] - ours[0] == 4_000 * (Decimal("0.30") - Decimal("0.03")) / M


# The shipped table against genai-prices' own calc_price for the providers 2026-11-30 added,
# on two days. z-ai/glm-4.6 only on the second: 2026-11-30 takes OpenRouter's current rate for
# every date (see test_openrouter_bill_of_z_ai_glm_4_6).
GENAI = [("zai", "glm-4.7"), ("zai", "glm-5.2"), ("zai", "glm-5.3"), ("zai", "GLM-4.6V"),
         ("zai", "glm-4.5-air"), ("cerebras", "zai-glm-4.7"),
         ("openrouter", "mistralai/mistral-small")]
EMBED = [("perplexity", "pplx-embed-v1-0.6b"), ("perplexity", "pplx-embed-v1-4b")]


def test_shipped_prices_of_the_new_providers_equal_genai_prices(tmp_path: Path) -> None:
    cases, want = [], []
    for day in (date(2026, 10, 1), DAY):
        models = GENAI + EMBED + ([("openrouter", "z-ai/glm-4.6")] if day == DAY else [])
        for provider, model in models:
            usages = [(1_000, 0, 0, 200), (50_000, 20_000, 0, 3_000)]
            if (provider, model) in EMBED:
                usages = [(1_000, 0, 0, 0), (50_000, 0, 0, 0)]
            for usage in usages:
                cases.append((model, usage, day))
                want.append(genai_cost(provider, model, usage, day, "standard"))
    ours = _run(cases, tmp_path, "request-time")
    wrong = {c: (o, w) for c, o, w in zip(cases, ours, want, strict=True) if o != w}
    assert not wrong, f"{len(wrong)} of {len(cases)} differ: {wrong}"
    # Not vacuous: every model costs something of its own.
    assert len(set(want)) > 15 and all(w > 0 for w in want)


def test_openrouter_bill_of_z_ai_glm_4_6(tmp_path: Path) -> None:
    """A real OpenRouter response records what it billed (usage.cost); plan's price for the same
    tokens on the same day (its `created`) is that bill, at request-time prices."""
    capture = Path(__file__).parent / "fixtures/real/vendors/openrouter_vcr.derived.jsonl"
    body = next(r["response_body"] for r in map(json.loads, capture.read_text().splitlines())
                if isinstance(r["response_body"], dict)
                and r["response_body"].get("model") == "z-ai/glm-4.6")
    usage = body["usage"]
    day = datetime.fromtimestamp(body["created"], UTC).date()
    assert day == date(2026, 5, 23) and usage["prompt_tokens_details"]["cached_tokens"] == 0
    tokens = (usage["prompt_tokens"], 0, 0, usage["completion_tokens"])
    [ours] = _run([("z-ai/glm-4.6", tokens, day)], tmp_path, "request-time")
    assert ours == Decimal(str(usage["cost"])) == Decimal("0.000014")


LITELLM_TAKEN = {  # logged id: the LiteLLM entry 2026-11-30 took it from
    "anthropic.claude-v2:1": "anthropic.claude-v2:1",
    "meta.llama2-13b-chat-v1": "meta.llama2-13b-chat-v1",
    "cohere.command-text-v14": "cohere.command-text-v14",
    "ai21.j2-mid-v1": "ai21.j2-mid-v1", "ai21.jamba-1-5-mini-v1:0": "ai21.jamba-1-5-mini-v1:0",
    "zai.glm-4.7-flash": "zai.glm-4.7-flash", "cohere.embed-v4:0": "cohere.embed-v4:0",
    "us.cohere.embed-v4:0": "us.cohere.embed-v4:0",
    "cohere.embed-english-v3": "cohere.embed-english-v3",
    "cohere.embed-multilingual-v3": "cohere.embed-multilingual-v3",
    "amazon.nova-2-multimodal-embeddings-v1:0": "amazon.nova-2-multimodal-embeddings-v1:0",
    "zai-glm-5-2": "mistral/zai-glm-5-2",
}


def test_shipped_prices_equal_the_litellm_entries_they_came_from(tmp_path: Path) -> None:
    raw = json.loads(LITELLM.read_text(encoding="utf-8"))
    cases, want = [], []
    for logged, key in LITELLM_TAKEN.items():
        e = raw[key]
        out = 0 if e["mode"] == "embedding" else 700
        usage = (9_000, 0, 0, out)
        cases.append((logged, usage, DAY))
        want.append(Decimal(str(e["input_cost_per_token"])) * 9_000
                    + Decimal(str(e["output_cost_per_token"])) * out)
    ours = _run(cases, tmp_path)
    wrong = {c[0]: (o, w) for c, o, w in zip(cases, ours, want, strict=True) if o != w}
    assert not wrong, wrong


def test_what_2026_11_30_leaves_unpriced() -> None:
    table = load_table(VERSION)
    for model in (
        "deepseek-ai/DeepSeek-R1", "Qwen/Qwen2.5-VL-72B-Instruct",  # host unknown
        "gemini-2.0-flash-exp",  # experimental: no published price, not GA's
        "deepseek-v4-flash",  # priced by time of day
        "sonar", "sonar-reasoning-pro",  # a fee per request on top of tokens
        "command-a-plus-05-2026",  # LiteLLM's $0 / $0 is a placeholder
    ):
        assert table.resolution(model).entry is None, model


def test_import_skips_a_model_with_a_fee_per_request(tmp_path: Path) -> None:
    base_path, _ = locate("2026-11-29.6")
    import tomllib
    doc = tomllib.loads(base_path.read_text(encoding="utf-8"))
    base = load_table("2026-11-29.6")
    genai = from_genai_prices(base, doc, "t", DAY, providers=("perplexity",))
    assert "sonar" not in genai.doc["models"] and "pplx-embed-v1-0.6b" in genai.doc["models"]
    assert sum(n for why, n in genai.skipped.items() if "per request" in why) == 4
    litellm = from_litellm(LITELLM, base, doc, "t", DAY)
    assert "perplexity/sonar" not in litellm.doc["models"]
    assert "cohere.command-text-v14" in litellm.doc["models"]
