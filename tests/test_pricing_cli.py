"""`plan pricing`: list, show, diff, validate, import and release, through the CLI."""

from __future__ import annotations

import csv
import io
import json
import shutil
import tomllib
from pathlib import Path

import pytest

import pricing.table as table_mod

FIXTURES = Path(__file__).parent / "fixtures"
HAND_V1 = FIXTURES / "hand_pricing.toml"
HAND_V2 = FIXTURES / "hand_pricing_v2.toml"


@pytest.fixture
def versions(tmp_path, monkeypatch):
    """A private copy of pricing/versions and its manifest, so releases do not touch the repo."""
    root = tmp_path / "pricing"
    shutil.copytree(table_mod.VERSIONS_DIR, root / "versions")
    shutil.copy(table_mod.MANIFEST, root / "manifest.json")
    for module in ("pricing.table", "pricing.catalog", "cli.pricing_cmd"):
        monkeypatch.setattr(f"{module}.VERSIONS_DIR", root / "versions")
        monkeypatch.setattr(f"{module}.MANIFEST", root / "manifest.json")
    return root


def test_list_shows_every_version_with_its_model_count(run):
    res = run("pricing", "list", "--format", "json")
    rows = {r["version"]: r for r in json.loads(res.stdout)}
    assert rows["2026-11-01"]["models"] == 27 and rows["2026-11-01"]["status"] == "released"
    newest = rows["2026-11-22"]
    doc = tomllib.loads((table_mod.VERSIONS_DIR / "2026-11-22.toml").read_text())
    assert newest["models"] == len(doc["models"]) > 200 and newest["schema"] == 2


def test_list_flags_a_modified_version(run, versions):
    target = versions / "versions" / "2026-11-01.toml"
    target.write_text(target.read_text() + "\n# edited\n")
    rows = {r["version"]: r for r in json.loads(run("pricing", "list", "-f", "json").stdout)}
    assert rows["2026-11-01"]["status"] == "MODIFIED"
    res = run("analyze", "x.jsonl", "--pricing", "2026-11-01", "--db", ":memory:")
    assert res.exit_code == 3 and "2026-11-01.toml: released pricing version was modified" \
        in res.stderr


def test_show_one_model_by_any_alias_as_csv(run):
    res = run("pricing", "show", "2026-11-01", "--model", "claude-sonnet-4-5-20250929",
              "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == 1
    row = rows[0]
    # pricing/versions/2026-11-01.toml, models."claude-sonnet-4.5", as written there.
    assert (row["model"], row["input"], row["cached_input"], row["cache_write"], row["output"],
            row["long_context_above"], row["lc_output"]) == (
        "claude-sonnet-4.5", "3.0", "0.3", "3.75", "15.0", "200000", "22.5")
    assert row["source"].startswith("https://")


def test_show_lists_price_periods_and_service_tiers(run):
    res = run("pricing", "show", str(HAND_V2), "--format", "json")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert {(r["model"], r["service_tier"]) for r in rows} >= {("big", "standard")}


def test_show_gpus(run):
    rows = json.loads(run("pricing", "show", "--gpus", "-f", "json").stdout)
    skus = {r["sku"]: r for r in rows}
    assert {"h100", "h200", "a100-80gb", "l40s", "rtx-4090"} <= set(skus)
    for sku in ("h100", "h200", "a100-80gb", "l40s", "rtx-4090"):
        g = skus[sku]
        assert g["on_demand_hourly"] > g["reserved_hourly"] > 0
        assert g["purchase_usd"] > 0 and g["power_watts"] > 0
        for field in ("on_demand_hourly", "reserved_hourly", "purchase_usd", "power_watts"):
            assert f"{field}: " in g["sources"]


def test_diff_names_added_removed_and_changed_prices_with_percent(run):
    res = run("pricing", "diff", str(HAND_V1), str(HAND_V2), "-f", "json")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    v1 = HAND_V1.read_text()
    v2 = HAND_V2.read_text()
    changed = [r for r in rows if r["change"] == "price changed"]
    assert changed, rows
    for r in changed:
        assert r["pct_change"] == pytest.approx((r["new"] - r["old"]) / r["old"] * 100, abs=0.05)
    models_v1 = {line.split(".", 1)[1].strip("]") for line in v1.splitlines()
                 if line.startswith("[models.")}
    models_v2 = {line.split(".", 1)[1].strip("]") for line in v2.splitlines()
                 if line.startswith("[models.")}
    assert {r["model"] for r in rows if r["change"] == "model added"} == models_v2 - models_v1
    assert {r["model"] for r in rows if r["change"] == "model removed"} == models_v1 - models_v2


@pytest.mark.parametrize(("edits", "message"), [
    ([("input = 0.10", "input = 0.0")], "models.small: field 'input': must be positive"),
    # "small" is no known family: output below input is allowed.
    ([("output = 0.20", "output = 0.05")], None),
    # "gpt-big" is: its output must cost at least its input.
    ([("[models.big]", '[models."gpt-big"]'), ('frontier = "big"', 'frontier = "gpt-big"'),
      ("output = 20.0", "output = 5.0")],
     "models.gpt-big: field 'output': 5.0 is below input 10.0"),
    ([("cached_input = 1.0", "cached_input = 11.0")],
     "models.big: field 'cached_input': 11.0 is above input 10.0"),
])
def test_validate_names_file_entry_and_field(run, tmp_path, edits, message):
    src = HAND_V1.read_text()
    for old, new in edits:
        assert old in src
        src = src.replace(old, new, 1)
    path = tmp_path / "p.toml"
    path.write_text(src)
    res = run("pricing", "validate", str(path))
    if message is None:
        assert res.exit_code == 0, res.stderr
    else:
        assert res.exit_code == 3 and f"{path}: {message}" in res.stderr


def test_validate_refuses_an_unsourced_price(run, tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(HAND_V1.read_text().replace('source = "test"', 'source = " "', 1))
    res = run("pricing", "validate", str(path))
    assert res.exit_code == 3 and "field 'source': every price needs a source" in res.stderr


def test_import_litellm_keeps_curated_entries_and_passes_validate(run, tmp_path, versions):
    prices = {
        "gpt-4o-mini": {"litellm_provider": "openai", "mode": "chat",
                        "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07,
                        "cache_read_input_token_cost": 7.5e-08, "max_input_tokens": 128000,
                        "supports_vision": True},
        "brand-new-model": {"litellm_provider": "acme", "mode": "chat",
                            "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06,
                            "max_input_tokens": 64000},
        "dall-e-3": {"litellm_provider": "openai", "mode": "image_generation",
                     "output_cost_per_image": 0.04},
    }
    src = tmp_path / "litellm.json"
    src.write_text(json.dumps(prices))
    out = tmp_path / "new.toml"
    # (A base older than 2026-11-29.2 has self-hosted profiles without roofline numbers: a draft
    # on it does not pass validate. On 2026-11-29.3 it keeps the KV-cache shapes, in schema 4,
    # which adds each model's kind.)
    res = run("pricing", "import", "litellm", str(src), "--version", "2099-01-01",
              "--base", "2026-11-29.3", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert "2 models imported (1 onto curated entries)" in res.stderr
    assert "skipped 1 models: mode image_generation" in res.stderr
    assert run("pricing", "validate", str(out)).exit_code == 0
    draft = tomllib.loads(out.read_text(encoding="utf-8"))
    assert draft["schema"] == 4 and draft["selfhosted"]["llama-3.1-8b-instruct"]["kv_bytes"] == 1
    shown = {r["model"]: r for r in json.loads(run("pricing", "show", str(out), "-f",
                                                   "json").stdout)}
    # 1.5e-07 $/token = $0.15 per 1M; the curated tier and the base's GPUs are kept.
    assert shown["gpt-4o-mini"]["input"] == 0.15 and shown["gpt-4o-mini"]["cached_input"] == 0.075
    assert shown["gpt-4o-mini"]["tier"] == "distilled"
    assert shown["brand-new-model"]["output"] == 8.0
    assert "deepseek-r1-distill-qwen-32b" in shown  # curated, not in the source
    gpus = json.loads(run("pricing", "show", str(out), "--gpus", "-f", "json").stdout)
    assert {g["sku"] for g in gpus} == set(tomllib.loads(
        table_mod.locate("2026-11-29.3")[0].read_text())["gpus"])
    # Released, it is listed and cannot be released twice.
    assert run("pricing", "release", str(out)).exit_code == 0
    rows = {r["version"]: r for r in json.loads(run("pricing", "list", "-f", "json").stdout)}
    assert rows["2099-01-01"]["status"] == "released"
    again = run("pricing", "release", str(out))
    assert again.exit_code == 3 and "already released" in again.stderr


def test_import_genai_prices_writes_a_valid_version(run, tmp_path):
    out = tmp_path / "g.toml"
    res = run("pricing", "import", "genai-prices", "--provider", "anthropic", "--version",
              "2099-02-01", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    rows = json.loads(run("pricing", "show", str(out), "--model", "claude-sonnet-4-5",
                          "-f", "json").stdout)
    standard = [r for r in rows if r["current"] and r["service_tier"] == "standard"]
    batch = [r for r in rows if r["current"] and r["service_tier"] == "batch"]
    assert standard[0]["input"] == 3.0 and batch[0]["input"] == 1.5
    # The newest base (schema 4) keeps each curated model's kind; the rest are chat models.
    draft = tomllib.loads(out.read_text(encoding="utf-8"))
    assert draft["schema"] == 4
    assert draft["models"]["text-embedding-3-small"]["kind"] == "embedding"
    assert "kind" not in draft["models"]["claude-sonnet-4.5"]


def test_diff_shows_self_hosted_profile_changes(run):
    rows = json.loads(run("pricing", "diff", "2026-11-22", "2026-11-22.1", "-f", "json").stdout)
    decode = next(r for r in rows if r["model"] == "self-hosted deepseek-r1-distill-qwen-32b"
                  and r["price"] == "decode_tokens_per_s")
    # 1500 (plan's estimate) -> 577 (the published A100 figure): -61.5%.
    assert (decode["old"], decode["new"], decode["pct_change"]) == (1500, 577, -61.5)
    assert all(r["change"] == "self-hosted changed" for r in rows)
