"""Reconciliation with what was billed (issue 17): a LiteLLM SpendLogs export whose `spend` plan
sets beside its own as-logged price of the same requests, per model, computed by hand at the
published prices (gpt-4o $2.50 / $10 per 1M tokens; Claude Sonnet 4.5 $3 / $15)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

D = Decimal


def _row(i: int, model: str, prompt: int, completion: int, spend: float) -> dict:
    t = "2026-01-01 00:00:00" if i < 4 else "2026-01-02 00:00:00"
    return {"request_id": f"r{i}", "startTime": t, "endTime": t, "model": model,
            "prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion, "spend": spend, "call_type": "acompletion",
            "status": "success", "metadata": "{}", "request_tags": "[]", "cache_hit": "None"}


ROWS = [
    _row(1, "gpt-4o", 1000, 500, 0.0075),
    _row(2, "gpt-4o", 2000, 0, 0.006),  # the gateway billed $0.001 more than the price list
    _row(3, "my-finetune", 100, 100, 0.5),  # no price in the table
    # Bedrock's cross-region profile: 10% over the list price
    _row(4, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", 1000, 1000, 0.0198),
]


@pytest.fixture
def report(run, write_log):
    res = run("analyze", str(write_log(ROWS)), "--db", ":memory:", "--format", "json")
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def test_per_model_beside_the_logged_cost(report):
    rows = {m["model"]: m for m in report["logged_spend"]["by_model"]}
    gpt = rows["gpt-4o"]
    ours = 1000 * D("2.5") / 10**6 + 500 * D(10) / 10**6 + 2000 * D("2.5") / 10**6
    assert ours == D("0.0125")
    assert D(str(gpt["logged_usd"])) == D("0.0135") and D(str(gpt["as_logged_usd"])) == ours
    assert D(str(gpt["difference_usd"])) == ours - D("0.0135") == D("-0.001")
    assert D(str(gpt["difference_pct"])) == D("-7.4")  # 0.001 / 0.0135
    sonnet = rows["us.anthropic.claude-sonnet-4-5-20250929-v1:0"]
    assert D(str(sonnet["as_logged_usd"])) == 1000 * D(3) / 10**6 + 1000 * D(15) / 10**6
    assert D(str(sonnet["difference_pct"])) == D("-9.1")  # 0.0018 / 0.0198
    assert any(w.startswith("region:") for w in sonnet["explanations"])
    unpriced = rows["my-finetune"]
    assert unpriced["as_logged_usd"] is None and unpriced["difference_usd"] is None
    assert unpriced["explanations"][0].startswith("unpriced model: 1 of 1 requests")


def test_largest_difference_first(report):
    # The unpriced model's $0.50 is the largest gap, then Sonnet's $0.0018, then gpt-4o's.
    assert [m["model"] for m in report["logged_spend"]["by_model"]] == [
        "my-finetune", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "gpt-4o"]


def test_terminal_and_html_show_it(run, write_log):
    log = str(write_log(ROWS))
    text = run("analyze", log, "--db", ":memory:").stdout
    assert "What the logs recorded against plan's as-logged prices" in text
    assert "unknown" in text
    page = run("analyze", log, "--db", ":memory:", "--format", "html").stdout
    assert page.count("class='reconciled'") == 3
