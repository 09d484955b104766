"""Reconciliation with what was billed (issue 17): a LiteLLM SpendLogs export whose `spend` plan
sets beside its own as-logged price of the same requests, per model, computed by hand at the
published prices (gpt-4o $2.50 / $10 per 1M tokens; Claude 3.7 Sonnet $3 / $15 at Anthropic and
on a Bedrock profile; Claude Sonnet 4.5 on a regional Bedrock profile $3.30 / $16.50, 10% over
Anthropic's)."""

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
    # Bedrock's regional profile of Sonnet 4.5: AWS's regional rate, which the table prices
    _row(4, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", 1000, 1000, 0.0198),
    # a regional id the gateway billed 10% over the table's price (3.7 Sonnet has no uplift)
    _row(5, "eu.anthropic.claude-3-7-sonnet-20250219-v1:0", 1000, 1000, 0.0198),
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
    assert D(str(sonnet["as_logged_usd"])) == 1000 * D("3.3") / 10**6 + 1000 * D("16.5") / 10**6
    assert D(str(sonnet["difference_usd"])) == 0 and sonnet["explanations"] == []
    older = rows["eu.anthropic.claude-3-7-sonnet-20250219-v1:0"]
    assert D(str(older["as_logged_usd"])) == 1000 * D(3) / 10**6 + 1000 * D(15) / 10**6
    assert D(str(older["difference_pct"])) == D("-9.1")  # 0.0018 / 0.0198
    assert any(w.startswith("region:") for w in older["explanations"])
    unpriced = rows["my-finetune"]
    assert unpriced["as_logged_usd"] is None and unpriced["difference_usd"] is None
    assert unpriced["explanations"][0].startswith("unpriced model: its 1 request has no price")


def test_largest_difference_first(report):
    # The unpriced model's $0.50 is the largest gap, then 3.7 Sonnet's $0.0018, gpt-4o's $0.001
    # and Sonnet 4.5's none.
    assert [m["model"] for m in report["logged_spend"]["by_model"]] == [
        "my-finetune", "eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "gpt-4o",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"]


def test_terminal_and_html_show_it(run, write_log):
    log = str(write_log(ROWS))
    text = run("analyze", log, "--db", ":memory:").stdout
    assert "What the logs recorded against plan's as-logged prices" in text
    assert "unknown" in text
    # gpt-4o: plan's $0.0125 less the logged $0.0135, as money with its sign, then the share.
    assert "-$0.001000 (-7.4%)" in text
    page = run("analyze", log, "--db", ":memory:", "--format", "html").stdout
    assert page.count("class='reconciled'") == 4  # one row per model of ROWS


def test_a_long_model_id_stands_on_its_own_line_at_80_columns(run, write_log):
    # A Vertex AI resource path is longer than the console: the model stands on a line of its
    # own and its figures, whole, on the next (rather than the id folded over seven lines of a
    # table cell). gpt-4o's figures are read from the rows: 2 requests, $0.0135 logged, plan's
    # $0.0125 (1,000 x $2.50 + 500 x $10, then 2,000 x $2.50, per 1M tokens).
    vertex = ("projects/p-123456/locations/europe-central2/publishers/google/models/"
              "gemini-2.5-flash")
    rows = [*ROWS, _row(6, vertex, 1000, 1000, 0.004)]
    res = run("analyze", str(write_log(rows)), "--db", ":memory:")
    lines = res.stdout.splitlines()
    start = lines.index("model, then its figures and what could explain the difference:")
    block = lines[start:]
    assert vertex in block
    gpt4o = block.index("gpt-4o")
    figures = block[gpt4o + 1].split()
    assert figures == ["2", "$0.013500", "$0.012500", "-$0.001000", "(-7.4%)"]
    assert all(len(line) <= 100 for line in block[:gpt4o + 2])  # (the test console's width)
