"""pricing/resolve.py: logged model ids resolve like a billing system, and a fallback to another
model is never silent (the report lists it and warns)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pricing import load_table
from tests.conftest import FIXTURES

TABLE = str(FIXTURES / "resolve_pricing.toml")
ARN = ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
       "us.anthropic.claude-sonnet-4-20250514-v1:0")


@pytest.mark.parametrize(("logged", "entry", "match"), [
    ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "name"),  # the snapshot, not gpt-4o
    ("gpt-4o-2024-08-06", "gpt-4o", "alias"),
    ("openai/gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "name"),
    (ARN, "claude-sonnet-4-0", "published prefix 'claude-sonnet-4-2025'"),
    ("eu.anthropic.claude-sonnet-4-6", "claude-sonnet-4-6", "name"),
    ("global.anthropic.claude-sonnet-4-6", "claude-sonnet-4-6", "name"),
    ("apac.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4-0",
     "published prefix 'claude-sonnet-4-2025'"),
    ("claude-sonnet-4.6", "claude-sonnet-4-6", "dotted/dashed version"),
    ("anthropic/claude-4.6-sonnet", "claude-sonnet-4-6", "dotted/dashed version"),
])
def test_id_forms_resolve_exactly(logged, entry, match):
    r = load_table(TABLE).resolution(logged)
    assert (r.entry, r.match, r.approximate) == (entry, match, False)


def test_the_arn_chain_names_each_step():
    r = load_table(TABLE).resolution(ARN)
    assert [s.rule for s in r.steps] == [
        "Bedrock ARN resource", "region prefix removed", "Bedrock vendor prefix removed"]
    assert r.steps[-1].id == "claude-sonnet-4-20250514-v1:0"


def test_a_dated_snapshot_without_its_own_price_is_a_fallback():
    r = load_table(TABLE).resolution("gpt-4o-2024-11-20")
    assert (r.entry, r.approximate) == ("gpt-4o", True)
    assert "dated snapshot suffix removed -> gpt-4o" in r.why()
    assert load_table(TABLE).resolution("acme-llm-v2").entry is None


def test_anthropic_dated_id_in_the_default_version_is_exact():
    r = load_table().resolution("anthropic/claude-4.5-sonnet-20250929")
    assert (r.entry, r.approximate) == ("claude-sonnet-4.5", False)


def _analyze(run, write_log, models):
    # One request a model, 1M tokens in and 1M out, each its own workload; the log spans
    # exactly one day, so a month is 30.4375 windows.
    records = [{"timestamp": f"2026-01-0{1 + i}T00:00:00Z", "request_id": f"r{i}",
                "workload": f"w{i}", "model": m, "input_tokens": 1_000_000,
                "output_tokens": 1_000_000} for i, m in enumerate(models)]
    res = run("analyze", str(write_log(records)), "--db", ":memory:", "--format", "json",
              "--pricing", TABLE)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout), res.stderr


def test_snapshot_is_priced_at_its_own_price(run, write_log):
    # The 2024-05-13 snapshot: $5 + $15 = $20 a request, x 30.4375 = $608.75 a month; gpt-4o:
    # $2.50 + $10 = $12.50, x 30.4375 = $380.46875, $380.47 (the total, $989.21875, is $989.22).
    report, _ = _analyze(run, write_log, ["gpt-4o-2024-05-13", "gpt-4o"])
    cost = {w["workload"]: Decimal(str(w["monthly_cost_usd"]["as-logged"]))
            for w in report["workloads"]}
    assert cost == {"w0": Decimal("608.75"), "w1": Decimal("380.47")}
    assert report["model_ids"] == []  # both priced under their own names: nothing to explain


def test_fallback_is_listed_and_warned(run, write_log):
    report, stderr = _analyze(run, write_log, ["gpt-4o-2024-11-20", ARN])
    by_id = {m["model"]: m for m in report["model_ids"]}
    assert by_id["gpt-4o-2024-11-20"]["priced_as"] == "gpt-4o"
    assert by_id["gpt-4o-2024-11-20"]["approximate"] is True
    assert by_id[ARN] == {"model": ARN, "priced_as": "claude-sonnet-4-0", "approximate": False,
                          "why": by_id[ARN]["why"], "requests": 1}
    assert "published prefix 'claude-sonnet-4-2025'" in by_id[ARN]["why"]
    assert any("gpt-4o-2024-11-20" in w and "its 1 request is priced as 'gpt-4o', whose price "
               "may differ" in w for w in report["warnings"])
    assert "gpt-4o-2024-11-20" in stderr


def test_the_table_report_names_each_resolved_id(run, write_log):
    records = [{"timestamp": f"2026-01-0{d}T00:00:00Z", "request_id": f"r{d}", "model": m,
                "input_tokens": 10, "output_tokens": 10}
               for d, m in ((1, "gpt-4o-2024-11-20"), (2, "claude-sonnet-4.6"))]
    res = run("analyze", str(write_log(records)), "--db", ":memory:", "--pricing", TABLE)
    assert res.exit_code == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "Priced as another entry: gpt-4o-2024-11-20 (1 request) as gpt-4o:" in text
    assert ("Model id resolved: claude-sonnet-4.6 (1 request) as claude-sonnet-4-6: "
            "dotted/dashed version of claude-sonnet-4-6") in text


def test_resolve_command_prints_the_chain(run):
    res = run("pricing", "resolve", ARN, "gpt-4o-2024-11-20", "--pricing", TABLE)
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == ARN
    assert "  Bedrock ARN resource -> us.anthropic.claude-sonnet-4-20250514-v1:0" in lines
    assert "  = claude-sonnet-4-0: exact" in lines
    assert any(line.startswith("  = gpt-4o: fallback") for line in lines)
    csv_out = run("pricing", "resolve", ARN, "--pricing", TABLE, "-f", "csv").stdout
    assert "Bedrock ARN resource -> us.anthropic.claude-sonnet-4-20250514-v1:0; region" in csv_out


@pytest.mark.parametrize(("logged", "entry"), [
    # Bedrock's own entries (2026-11-29.5): a regional profile of Claude on AWS, at AWS's
    # regional rate (Opus 4.5: $5.50 / $27.50, Anthropic's $5 / $25), a global one at Anthropic's.
    (ARN, "regional.anthropic.claude-sonnet-4-20250514-v1:0"),
    ("us.anthropic.claude-opus-4-5-20251101-v1:0", "regional.anthropic.claude-opus-4-5-v1:0"),
    ("global.anthropic.claude-opus-4-5-20251101-v1:0", "claude-opus-4.5"),
    ("claude-sonnet-4.6", "claude-sonnet-4-6"),
    ("openai/gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),
    ("deepseek-reasoner", "deepseek-reasoner"),
    # Vertex AI's stable versions: Google's gemini-2.0-flash names gemini-2.0-flash-001.
    ("gemini-2.0-flash-001", "gemini-2.0-flash"),
    ("publishers/google/models/gemini-1.5-pro-002", "gemini-1.5-pro"),
    ("gemini-1.5-flash-002@default", "gemini-1.5-flash"),  # a Vertex batch output's id
])
def test_default_version_prices_each_id_form_exactly(logged, entry):
    r = load_table().resolution(logged)
    assert (r.entry, r.approximate) == (entry, False)
