"""pricing/: released versions are immutable, ids resolve, bad tables are named errors."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

import pricing.table as table_mod
from pricing import PricingError, load_table

REQUIRED = ["gpt-5.4", "gpt-5.2", "gpt-5", "gpt-5-mini", "gpt-4o", "gpt-4o-mini",
            "claude-opus-4.5", "claude-sonnet-4.5", "claude-haiku-4.5",
            "deepseek-r1-distill-qwen-32b", "reasonlite-0.6b", "qwen3-8b",
            "llama-3.1-8b-instruct"]


def test_default_version_covers_the_required_models_with_sources():
    t = load_table()
    for model in REQUIRED:
        m = t.models[model]
        assert m.source and m.source_date and m.rates.output > 0


@pytest.mark.parametrize(("logged", "entry"), [
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("claude-sonnet-4-5-20250929", "claude-sonnet-4.5"),
    ("openai/gpt-5.4", "gpt-5.4"),
    ("GPT-4o", "gpt-4o"),
    ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
    ("claude-haiku-4-5", "claude-haiku-4.5"),
    ("text-embedding-ada-002-v2", "text-embedding-ada-002"),
    ("acme-llm-v2", None),
    (None, None),
])
def test_model_ids_resolve(logged, entry):
    assert load_table().resolve(logged) == entry


def test_published_prices_as_transcribed():
    t = load_table("2026-11-01")
    assert t.models["claude-sonnet-4.5"].rates.cache_write == Decimal("3.75")
    assert t.models["gpt-4o-mini"].rates.cached_input == Decimal("0.075")
    assert t.models["gpt-5.4"].long_context_above == 272000
    assert t.gpus["h100"].hourly_usd == Decimal("4.25")


def test_tampered_released_version_is_refused(tmp_path, monkeypatch):
    versions = tmp_path / "versions"
    versions.mkdir()
    shutil.copy(table_mod.VERSIONS_DIR / "2026-11-01.toml", versions)
    shutil.copy(table_mod.MANIFEST, tmp_path / "manifest.json")
    monkeypatch.setattr(table_mod, "VERSIONS_DIR", versions)
    monkeypatch.setattr(table_mod, "MANIFEST", tmp_path / "manifest.json")
    assert load_table("2026-11-01").version == "2026-11-01"
    target = versions / "2026-11-01.toml"
    target.write_text(target.read_text().replace("output = 15.00", "output = 1.50", 1))
    with pytest.raises(PricingError, match="was modified"):
        load_table("2026-11-01")


@pytest.mark.parametrize(("edit", "message"), [
    (("input = 10.0", "input = -1.0"), "models.big: field 'input' must be a non-negative"),
    (('tier = "frontier"', 'tier = "huge"'), "models.big: field 'tier'"),
    (('source = "test"\nsource_date = "2026-01-01"\n\n[models.small]', '\n[models.small]'),
     "models.big: field 'source' is missing"),
    (('gpu = "g1"', 'gpu = "g9"'), "selfhosted.small: field 'gpu': unknown GPU"),
])
def test_bad_table_names_file_entry_and_field(tmp_path, edit, message):
    src = (table_mod.Path(__file__).parent / "fixtures" / "hand_pricing.toml").read_text()
    assert edit[0] in src
    path = tmp_path / "p.toml"
    path.write_text(src.replace(edit[0], edit[1], 1))
    with pytest.raises(PricingError, match=message):
        load_table(str(path))


def test_unknown_version_and_frontier_exit_3(run, write_log):
    log = write_log([{"timestamp": "2026-01-01T00:00:00Z", "input_tokens": 1, "output_tokens": 1}])
    res = run("analyze", str(log), "--db", ":memory:", "--pricing", "1999-01-01")
    assert res.exit_code == 3 and "unknown pricing version '1999-01-01'" in res.stderr
    res = run("analyze", str(log), "--db", ":memory:", "--frontier", "gpt-9")
    assert res.exit_code == 3 and "model 'gpt-9' has no price" in res.stderr


def test_default_version_prices_every_model_of_the_samples():
    """Every model the requests of sample_logs/ and of the real format samples name has a price
    in the newest version. (A request body's `model` can be an Azure deployment name, e.g.
    "openllmetry-testing" in the OpenAI recording; the response names the model billed, which
    is the one plan prices.)"""
    from pathlib import Path

    from planner.pipeline import AnalyzeOptions, analyze

    root = Path(__file__).parent
    real = root / "fixtures" / "real"
    paths = [str(root.parent / "sample_logs"),
             *(str(p) for p in sorted(real.iterdir()) if p.suffix in (".jsonl", ".json", ".csv")
               and "Trace" not in p.name and "mooncake" not in p.name)]
    report = analyze(paths, AnalyzeOptions(db=":memory:"))
    assert report.ingest.accepted > 4000
    assert report.unpriced_models == ()
    logged = {p.model for p in report.prices}
    assert {"gpt-4o-mini", "claude-sonnet-4.5", "mistral-small-latest",
            "text-embedding-ada-002"} <= logged


def test_many_unpriced_models_are_one_warning_and_all_listed(run, write_log):
    """Seven models with no price: one warning (not seven) with the request total, the five with
    most requests named, the other two counted; the report's list still names all seven."""
    rows = [{"timestamp": "2026-01-01T00:00:00Z", "model": f"nobody-{i}", "input_tokens": 1,
             "output_tokens": 1} for i in range(7) for _ in range(i + 1)]  # nobody-i: i+1 rows
    res = run("analyze", str(write_log(rows)), "--db", ":memory:")
    assert res.exit_code == 0, res.stderr
    warned = [w for w in res.stderr.splitlines() if "no price" in w]
    assert warned == [
        "plan: warning: 7 models have no price: 28 requests left out of as-logged (every other "
        "scenario prices them at the chosen models): 'nobody-6' 7, 'nobody-5' 6, 'nobody-4' 5, "
        "'nobody-3' 4, 'nobody-2' 3 and 2 more (all under 'Models without a price')"]
    listed = " ".join(res.stdout.split())
    assert all(f"nobody-{i} ({i + 1} request{'s' if i else ''})" in listed for i in range(7))
