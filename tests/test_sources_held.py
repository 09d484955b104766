"""Real recordings not used before (tests/fixtures/real/vendors, written by others: vercel/ai's
provider fixtures, more pydantic-ai and openllmetry cassettes, openllmetry's Bedrock cassettes
with their response headers), and the shapes they showed plan mis-read or refused: xAI's
completion_tokens without its reasoning, Bedrock InvokeModel counts only in response headers,
Cohere v1 streams, reranks, the Gemini Interactions API, Gemini API batch output (no time) and
OpenRouter's Gemini cache written and read in one call. Totals are recomputed from each file
with `plain_totals` (tests/test_sources_streams.py: plain `json`, each vendor's documented usage
fields)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from planner import db
from planner.stages import ingest
from tests.test_sources_streams import plain_totals, plan_totals

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors"
HEADERS = REAL / "bedrock_headers_openllmetry.derived.jsonl"
VERCEL = REAL / "vercel_ai_fixtures.derived.jsonl"


def _records(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _rows(path: Path, options: ingest.IngestOptions | None = None):
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path], options or ingest.IngestOptions())
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT line_no, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, "
        "reasoning_tokens FROM requests").fetchall()}
    rejects = dict(con.execute("SELECT line_no, reason FROM rejects").fetchall())
    return f, rows, rejects, con


# (file, what it must hold for the test to mean something)
FILES = [
    ("vercel_ai_fixtures.derived.jsonl", ("packages/xai/", "packages/google/",
                                          "packages/amazon-bedrock/", "packages/cohere/",
                                          "anthropic-compaction", "anthropic-advisor")),
    ("pydantic_ai_more_vcr.derived.jsonl", ("test_groq/", "test_mistral/", "test_bedrock/",
                                            "test_anthropic/", "test_zai/")),
    ("openllmetry_more_vcr.derived.jsonl", ("mistralai", "generate_content", "together")),
    ("bedrock_headers_openllmetry.derived.jsonl", ("test_ai21", "test_anthropic_2_completion",
                                                   "test_cohere_completion")),
]


@pytest.mark.parametrize(("name", "holds"), FILES)
def test_totals_equal_a_plain_reader(name, holds):
    records = _records(REAL / name)
    assert all(any(h in r["source_file"] for r in records) for h in holds)
    want, failed, none = plain_totals(REAL / name)
    got, f = plan_totals(REAL / name)
    assert f.source == "http-capture" and f.lines_read == len(records)
    assert got == want and want["requests"] > 0
    assert (f.failed, f.rejected) == (failed, none)


def test_xai_output_adds_the_reasoning_its_completion_tokens_leave_out():
    """xAI's chat usage: total_tokens = prompt + completion + reasoning, so its output is
    completion + reasoning (OpenAI's completion_tokens already include the reasoning)."""
    f, rows, _, _ = _rows(VERCEL)
    checked = 0
    for n, rec in enumerate(_records(VERCEL), 1):
        body = rec["response_body"]
        if not any(k in rec["source_file"] for k in ("xai-text", "xai-tool-call")):  # chat
            continue
        usage = (body.get("usage") if isinstance(body, dict)
                 else [e["usage"] for e in body if isinstance(e.get("usage"), dict)][-1])
        if "completion_tokens" not in usage:
            continue  # (xAI's Responses API: OpenAI's accounting)
        reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
        assert rows[n][1] == usage["completion_tokens"] + reasoning and rows[n][4] == reasoning
        checked += 1
    assert checked >= 3


def _header_counts(rec: dict) -> tuple[int, int]:
    h = rec["response_headers"]
    return int(h["x-amzn-bedrock-input-token-count"]), int(h["x-amzn-bedrock-output-token-count"])


def test_bedrock_invoke_model_counts_come_from_the_response_headers(tmp_path):
    """AI21, Claude v2 and Cohere command bodies on Bedrock count nothing; the headers do. As a
    recorder keeps them (names as sent, each value a list) they read the same; without them
    the line is rejected."""
    records = _records(HEADERS)
    uncounted = [n for n, r in enumerate(records, 1)
                 if any(k in r["source_file"] for k in ("test_ai21", "anthropic_2_completion",
                                                        "test_cohere_completion"))]
    _, rows, _, _ = _rows(HEADERS)
    for n in uncounted:
        assert rows[n][:2] == _header_counts(records[n - 1])
    as_sent = tmp_path / "as_sent.jsonl"
    as_sent.write_text("".join(json.dumps({**r, "response_headers": {
        "-".join(p.capitalize() for p in k.split("-")): [v]
        for k, v in r["response_headers"].items()}}) + "\n" for r in records), encoding="utf-8")
    assert plan_totals(as_sent)[0] == plan_totals(HEADERS)[0]
    without = tmp_path / "without.jsonl"
    without.write_text("".join(json.dumps({k: v for k, v in records[n - 1].items()
                                           if k != "response_headers"}) + "\n"
                               for n in uncounted), encoding="utf-8")
    f, rows, rejects, _ = _rows(without)
    assert (f.accepted, f.rejected) == (0, len(uncounted))


def test_a_guardrail_masked_nova_body_takes_the_output_count_of_its_header():
    records = _records(HEADERS)
    [n] = [n for n, r in enumerate(records, 1)
           if "test_nova_completion" in r["source_file"] and "/invoke" in r["uri"]]
    body = records[n - 1]["response_body"]
    assert "outputTokens" not in body["usage"]
    _, rows, _, _ = _rows(HEADERS)
    assert rows[n][:2] == (body["usage"]["inputTokens"], _header_counts(records[n - 1])[1])


def test_cohere_v1_stream_is_read_from_its_stream_end_event():
    path = REAL / "cohere_more_vcr.derived.jsonl"
    records = _records(path)
    _, rows, rejects, _ = _rows(path)
    streams = 0
    for n, rec in enumerate(records, 1):
        body = rec["response_body"]
        if isinstance(body, str) and body.startswith('{"is_finished"'):
            end = [json.loads(x) for x in body.splitlines() if x.strip()][-1]
            assert end["event_type"] == "stream-end"
            billed = end["response"]["meta"]["billed_units"]
            assert rows[n][:2] == (billed["input_tokens"], billed["output_tokens"])
            streams += 1
        if isinstance(body, dict) and "search_units" in (body.get("meta") or {}).get(
                "billed_units", {}):
            assert "billed in search units" in rejects[n]
    assert streams >= 1


def test_gemini_interactions_api_reads_like_generate_content():
    records = _records(VERCEL)
    _, rows, _, _ = _rows(VERCEL)
    seen = 0
    for n, rec in enumerate(records, 1):
        body = rec["response_body"]
        if isinstance(body, list):
            done = [e["interaction"] for e in body if e.get("event_type") == "interaction.completed"]
            body = done[-1] if done else {}
        if body.get("object") != "interaction" or "usage" not in body:
            continue
        u = body["usage"]
        thoughts = u.get("total_thought_tokens", 0)
        assert rows[n] == (u["total_input_tokens"] + u.get("total_tool_use_tokens", 0),
                           u["total_output_tokens"] + thoughts, u.get("total_cached_tokens", 0),
                           0, thoughts)
        seen += 1
    assert seen >= 8


def test_gemini_batch_output_takes_its_time_from_trace_start(tmp_path):
    """Gemini API batch output ({key, response}) carries no time: without --trace-start every
    line is rejected saying so; with it, each line is a request at that time (batch tier), and
    an error line is a failed request."""
    bodies = [r["response_body"] for r in _records(REAL / "gemini_vcr.derived.jsonl")
              if isinstance(r["response_body"], dict)
              and "promptTokenCount" in r["response_body"].get("usageMetadata", {})
              and "createTime" not in r["response_body"]][:6]
    lines = [{"key": f"request-{i}", "response": b} for i, b in enumerate(bodies)]
    lines.append({"key": "request-99", "error": {"code": 3, "message": "invalid argument"}})
    path = tmp_path / "batch_output.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    f, rows, rejects, _ = _rows(path)
    assert (f.source, f.accepted, f.rejected) == ("gemini-batch", 0, len(lines))
    assert all("--trace-start" in r for r in rejects.values())
    when = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
    f, rows, rejects, con = _rows(path, ingest.IngestOptions(trace_start=when))
    assert (f.accepted, f.failed, f.rejected) == (len(bodies), 1, 0)
    u = [b["usageMetadata"] for b in bodies]
    assert sum(r[0] for r in rows.values()) == sum(
        x["promptTokenCount"] + x.get("toolUsePromptTokenCount", 0) for x in u)
    assert sum(r[1] for r in rows.values()) == sum(
        x.get("candidatesTokenCount", 0) + x.get("thoughtsTokenCount", 0) for x in u)
    assert con.execute("SELECT DISTINCT ts, service_tier FROM requests").fetchall() == [
        (when.replace(tzinfo=None), "batch")]


def test_openrouter_gemini_cache_written_and_read_at_once_counts_the_reads():
    """OpenRouter's Gemini call whose cache write and read each equal the cached prompt: the
    cache was created and read in one call; OpenRouter charged the write as cache storage
    (cost_details), the reads at the cache-read price. plan counts the reads, no write tokens."""
    path = REAL / "openrouter_vcr.derived.jsonl"
    records = _records(path)
    _, rows, _, _ = _rows(path)
    [n] = [n for n, r in enumerate(records, 1) if isinstance(r["response_body"], dict)
           and "usage" in r["response_body"]
           and sum((r["response_body"]["usage"].get("prompt_tokens_details") or {}).get(k, 0)
                   for k in ("cached_tokens", "cache_write_tokens"))
           > r["response_body"]["usage"]["prompt_tokens"]]
    u = records[n - 1]["response_body"]["usage"]
    assert rows[n][:4] == (u["prompt_tokens"], u["completion_tokens"],
                           u["prompt_tokens_details"]["cached_tokens"], 0)
