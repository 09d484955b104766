"""Anthropic 1-hour cache writes (usage.cache_creation.ephemeral_1h_input_tokens): counted from
raw Anthropic usage, streams and canonical records, and billed at their own rate (Claude: 2x
input) rather than the 5-minute rate (1.25x). Every expectation computed by hand here."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest

from planner import db
from planner.stages import ingest
from planner.stages.analysis import build_scope

M = Decimal(1_000_000)
MONTH = Decimal("30.4375")
SONNET_45 = "claude-sonnet-4-5-20250929"
# One Sonnet 4.5 request: 1,000 uncached input tokens, 25,000 written to the 1-hour cache,
# 1,600 output tokens. Sonnet 4.5: input $3, 5-minute write $3.75, 1-hour write $6, output $15.
RIGHT = (1_000 * Decimal(3) + 25_000 * Decimal(6) + 1_600 * Decimal(15)) / M
AT_5M = (1_000 * Decimal(3) + 25_000 * Decimal("3.75") + 1_600 * Decimal(15)) / M
USAGE = {"input_tokens": 1_000, "cache_creation_input_tokens": 25_000,
         "cache_read_input_tokens": 0, "output_tokens": 1_600,
         "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 25_000}}


def test_the_hand_arithmetic():
    assert (RIGHT, AT_5M) == (Decimal("0.177"), Decimal("0.12075"))


def _message(day: int) -> dict:
    return {"timestamp": f"2026-11-0{day}T00:00:00Z", "request_id": f"r{day}",
            "request": {"model": SONNET_45, "messages": [{"role": "user", "content": "hi"}]},
            "response": {"id": f"msg_{day}", "type": "message", "model": SONNET_45,
                         "content": [{"type": "text", "text": "ok"}], "usage": USAGE}}


def _canonical(day: int) -> dict:
    return {"timestamp": f"2026-11-0{day}T00:00:00Z", "request_id": f"c{day}",
            "model": SONNET_45, "input_tokens": 26_000, "cache_write_tokens": 25_000,
            "cache_write_1h_tokens": 25_000, "output_tokens": 1_600}


# The same request on AWS Bedrock (global profile: Anthropic's prices), as Converse reports it
# (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html): inputTokens
# without the cache counts; cacheDetails, the writes by TTL (1h before 5m). Recorded Converse
# responses carry it (tests/fixtures/real/vendors/bedrock_converse_pydantic_ai.derived.jsonl:
# 5m writes only); before, every write was billed at the 5-minute rate.
CONVERSE_USAGE = {"inputTokens": 1_000, "outputTokens": 1_600, "totalTokens": 27_600,
                  "cacheReadInputTokens": 0, "cacheWriteInputTokens": 25_000,
                  "cacheDetails": [{"inputTokens": 25_000, "ttl": "1h"},
                                   {"inputTokens": 0, "ttl": "5m"}]}
CONVERSE_URI = ("https://bedrock-runtime.us-east-1.amazonaws.com/model/"
                "global.anthropic.claude-sonnet-4-5-20250929-v1:0/converse")


def _converse(day: int) -> dict:
    return {"timestamp": f"2026-11-0{day}T00:00:00Z", "status": 200, "uri": CONVERSE_URI,
            "request_body": {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
            "response_body": {"output": {"message": {"role": "assistant",
                                                     "content": [{"text": "ok"}]}},
                              "stopReason": "end_turn", "usage": CONVERSE_USAGE}}


def _converse_stream(day: int) -> dict:
    events = [{"messageStart": {"role": "assistant"}},
              {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "ok"}}},
              {"messageStop": {"stopReason": "end_turn"}},
              {"metadata": {"usage": CONVERSE_USAGE, "metrics": {"latencyMs": 900}}}]
    return {**_converse(day), "uri": CONVERSE_URI + "-stream", "response_body": events}


def _invocation_log(day: int, operation: str = "InvokeModel") -> dict:
    """The request as Bedrock's model-invocation logging records it (docs.aws.amazon.com/bedrock/
    latest/userguide/model-invocation-logging.html): the counts in `input` / `output` (the
    input count without the cache counts), the model's reply body in outputBodyJson, which
    alone tells the 1-hour writes (an Anthropic body's cache_creation; Converse's cacheDetails)."""
    body = ({"id": f"msg_{day}", "type": "message", "role": "assistant", "model": SONNET_45,
             "content": [{"type": "text", "text": "ok"}], "usage": USAGE}
            if operation == "InvokeModel" else _converse(day)["response_body"])
    return {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
            "timestamp": f"2026-11-0{day}T00:00:00Z", "accountId": "123456789012",
            "region": "us-east-1", "requestId": f"{operation}-{day}", "operation": operation,
            "modelId": "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "input": {"inputContentType": "application/json", "inputTokenCount": 1_000,
                      "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 25_000,
                      "inputBodyJson": {"messages": [{"role": "user", "content": "hi"}]}},
            "output": {"outputContentType": "application/json", "outputTokenCount": 1_600,
                       "outputBodyJson": body}}


def _converse_log(day: int) -> dict:
    return _invocation_log(day, "Converse")


def _as_logged(run, log, pricing):
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json", "--pricing", pricing)
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    return Decimal(str(next(s for s in report["scenarios"]
                            if s["name"] == "as-logged")["monthly_cost_usd"])), report


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("record", [_message, _canonical, _converse, _converse_stream,
                                    _invocation_log, _converse_log])
def test_one_hour_writes_are_billed_at_their_own_rate(run, write_log, record):
    # Two requests a day apart: a one-day window, a month is 30.4375 of it.
    log = write_log([record(1), record(2)])
    cost, report = _as_logged(run, log, "2026-11-29.1")
    assert cost == cents(2 * RIGHT * MONTH) == Decimal("10.77")
    q = next(q for q in report["priced_quantities"] if q["scenario"] == "as-logged")
    assert (q["cache_write_tokens"], q["cache_write_1h_tokens"]) == (50_000, 50_000)
    sonnet = next(p for p in report["prices"] if p["model"] == "claude-sonnet-4.5")
    assert (sonnet["cache_write_per_mtok"], sonnet["cache_write_1h_per_mtok"]) == (3.75, 6)
    # Pricing 2026-11-29 has no 1-hour price: the 5-minute rate, as before issue 16.
    before, _ = _as_logged(run, log, "2026-11-29")
    assert before == cents(2 * AT_5M * MONTH) == Decimal("7.35")


def test_anthropic_stream_carries_the_one_hour_writes(write_log):
    start = {"type": "message_start", "message": {"id": "msg_s", "model": SONNET_45,
                                                  "usage": {**USAGE, "output_tokens": 1}}}
    sse = (f"event: message_start\ndata: {json.dumps(start)}\n\n"
           'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":1600}}'
           "\n\n")
    log = write_log([{"timestamp": "2026-11-01T00:00:00Z", "request_id": "s",
                      "request": {"model": SONNET_45}, "response": sse}])
    con = db.connect(":memory:")
    build_scope(con, ingest.ingest(con, ingest.discover([str(log)])))
    assert con.execute("SELECT input_tokens, cache_write_tokens, cache_write_1h_tokens, "
                       "output_tokens FROM requests").fetchall() == [(26_000, 25_000, 25_000,
                                                                      1_600)]


def test_more_one_hour_writes_than_writes_is_a_reject(run, write_log):
    bad = {**_canonical(1), "cache_write_1h_tokens": 25_001}
    res = run("analyze", str(write_log([bad, _canonical(2)])), "--db", ":memory:",
              "--format", "json")
    assert res.exit_code == 0, res.stderr
    reasons = json.loads(res.stdout)["ingest"]["reject_reasons"]
    assert [(r["field"], r["reason"]) for r in reasons] == [
        ("cache_write_1h_tokens", "exceeds cache_write_tokens (25000)")]
