"""Real recordings of issue 17's vendors from repositories not used before
(tests/fixtures/real/vendors4, written by others; README there): crmne/ruby_llm's Ruby VCR
cassettes. Bedrock Converse and ConverseStream (Nova 2 with reasoning and web grounding, Claude
with prompt caching, citations), Vertex AI generateContent and streams (thinking, explicit
cached content), Cohere v2 chat and its streams, Mistral and DeepSeek (cache hits, reasoning),
xAI (chat, Responses and its streams) and Perplexity (an object `usage.cost`). plan reads each
file unchanged and auto-detected; its request count and input / output / cache-read /
cache-write / reasoning totals equal a plain reader's (tests/test_sources_streams.py
`plain_totals`, plain `json` over each vendor's documented usage fields). The one misread these
files found (Perplexity's `usage.cost` object rejected each request) is fixed; its test says
so."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest

from planner import db
from planner.errors import InputError
from planner.stages import ingest
from tests.test_sources_streams import plain_totals, plan_totals, sse
from tests.test_sources_vendors import invocation_records, invocation_totals

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors4"


def _records(name: str) -> list[dict]:
    return [json.loads(x) for x in (REAL / name).read_text(encoding="utf-8").splitlines()]


# (file, hosts its calls must cover, streams it holds at least)
CAPTURES = [
    ("ruby_llm_bedrock_vcr.derived.jsonl", {"bedrock-runtime.<AWS_REGION>.amazonaws.com"}, 10),
    ("ruby_llm_vertex_vcr.derived.jsonl", {"aiplatform.googleapis.com"}, 8),
    ("ruby_llm_cohere_vcr.derived.jsonl", {"api.cohere.com"}, 6),
    ("ruby_llm_mistral_deepseek_vcr.derived.jsonl", {"api.mistral.ai", "api.deepseek.com"}, 8),
    ("ruby_llm_perplexity_xai_vcr.derived.jsonl", {"api.perplexity.ai", "api.x.ai"}, 1),
    ("ruby_llm_anthropic_vcr.derived.jsonl", {"api.anthropic.com"}, 8),
    ("llm_anthropic_vcr.derived.jsonl", {"api.anthropic.com"}, 10),
]


@pytest.mark.parametrize(("name", "hosts", "streams"), CAPTURES)
def test_captures_equal_a_plain_reader(name, hosts, streams):
    records = _records(name)
    want, failed, none = plain_totals(REAL / name)
    got, f = plan_totals(REAL / name)
    assert {urlparse(r["uri"]).netloc for r in records} >= hosts and want["requests"] > 0
    assert sum(isinstance(r["response_body"], (str, list)) for r in records) >= streams
    # HTTP errors are failed requests; lines that bill no tokens (count-tokens calls, model
    # listings, cache management, speech and image calls) are rejected, never counted
    assert (f.source, f.lines_read, f.failed, f.rejected) == (
        "http-capture", len(records), failed, none)
    assert got == want


def test_the_files_hold_the_accounting_cases():
    """What the totals above must get right is in the files: Bedrock Claude cache writes and
    reads beside Nova; Vertex AI explicit cached content and thinking; Mistral's and DeepSeek's
    cache hits; xAI's cached prompts and reasoning."""
    totals = {name: plain_totals(REAL / name)[0] for name, _, _ in CAPTURES}
    bedrock = totals["ruby_llm_bedrock_vcr.derived.jsonl"]
    assert bedrock["cached"] > 0 and bedrock["cache_write"] > 0
    vertex = totals["ruby_llm_vertex_vcr.derived.jsonl"]
    assert vertex["cached"] > 0 and vertex["reasoning"] > 0
    assert totals["ruby_llm_mistral_deepseek_vcr.derived.jsonl"]["cached"] > 0
    xai = totals["ruby_llm_perplexity_xai_vcr.derived.jsonl"]
    assert xai["cached"] > 0 and xai["reasoning"] > 0
    nova = [r for r in _records("ruby_llm_bedrock_vcr.derived.jsonl")
            if "nova" in r["uri"] and r["uri"].endswith("/converse-stream")]
    assert nova and all("metadata" in r["response_body"][-1] for r in nova)


def test_perplexity_usage_cost_is_an_object_whose_total_is_the_charge():
    """Perplexity's usage.cost is {input_tokens_cost, output_tokens_cost, request_cost,
    total_cost} (an embedding's {currency, input_cost, total_cost}), where OpenRouter's is a
    number. plan rejected every Perplexity call ("not a non-negative number of USD"): fixed in
    stage 12, which takes total_cost as the logged cost."""
    name = "ruby_llm_perplexity_xai_vcr.derived.jsonl"
    want = {n: r["response_body"]["usage"]["cost"]["total_cost"]
            for n, r in enumerate(_records(name), 1)
            if "perplexity" in r["uri"] and r["status"] < 400
            and isinstance((r["response_body"].get("usage") or {}).get("cost"), dict)}
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / name])
    got = dict(con.execute("SELECT line_no, logged_cost FROM requests WHERE line_no IN "
                           "(SELECT unnest(?))", [list(want)]).fetchall())
    assert len(want) >= 10
    assert {n: float(c) for n, c in got.items()} == pytest.approx(want, abs=1e-12)


def test_a_file_of_perplexity_chat_calls_only_is_read_with_their_cost(tmp_path):
    """The same real Perplexity chat completions alone in a file: every sampled record a plain
    chat completion, so the file is read by the chat-only stage 12 (12_norm_chat.sql), which
    must read the cost object as the full stage does (it rejected each line)."""
    name = "ruby_llm_perplexity_xai_vcr.derived.jsonl"
    chat = [r for r in _records(name) if r["uri"] == "https://api.perplexity.ai/chat/completions"
            and r["status"] < 400 and isinstance(r["response_body"], dict)
            and isinstance((r["response_body"].get("usage") or {}).get("cost"), dict)]
    log = tmp_path / "perplexity_chat.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in chat), encoding="utf-8")
    want = {n: r["response_body"]["usage"]["cost"]["total_cost"] for n, r in enumerate(chat, 1)}
    con = db.connect(":memory:")
    ingest.ingest(con, [log])
    got = dict(con.execute("SELECT line_no, logged_cost FROM requests").fetchall())
    assert len(want) >= 10
    assert {n: float(c) for n, c in got.items()} == pytest.approx(want, abs=1e-12)


def _thinking(body: object) -> tuple[int, int] | None:
    """An Anthropic response's (output_tokens, output_tokens_details.thinking_tokens): a body's
    usage, or a stream's last message_delta usage; None without the detail."""
    if isinstance(body, str):
        deltas = [e for e in sse(body) if e.get("type") == "message_delta"]
        body = {"usage": deltas[-1]["usage"]} if deltas else {}
    u = (body.get("usage") or {}) if isinstance(body, dict) else {}
    if "thinking_tokens" not in (u.get("output_tokens_details") or {}):
        return None
    return u["output_tokens"], u["output_tokens_details"]["thinking_tokens"]


@pytest.mark.parametrize("name", ["ruby_llm_anthropic_vcr.derived.jsonl",
                                  "llm_anthropic_vcr.derived.jsonl"])
def test_anthropic_thinking_tokens_are_the_reasoning_within_output(name):
    """Newer Anthropic responses (bodies and a stream's message_delta) carry
    usage.output_tokens_details.thinking_tokens, the part of output_tokens spent thinking.
    plan kept 0 reasoning tokens for every Anthropic call: fixed in stage 12 (output
    unchanged)."""
    want = {n: t for n, r in enumerate(_records(name), 1)
            if r["status"] < 400 and (t := _thinking(r["response_body"])) is not None}
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / name])
    got = {n: (o, t) for n, o, t in con.execute(
        "SELECT line_no, output_tokens, reasoning_tokens FROM requests "
        "WHERE line_no IN (SELECT unnest(?))", [list(want)]).fetchall()}
    assert got == want and any(t > 0 for _, t in want.values())


# Batch output as the APIs returned it (ruby_llm's cassettes: the results download's body)
BATCHES = ["ruby_llm_anthropic_batch_results.jsonl",
           "ruby_llm_anthropic_batch_results_reloaded.jsonl",
           "ruby_llm_openai_batch_output_responses.jsonl",
           "ruby_llm_openai_batch_output_embeddings.jsonl"]
GIVEN = datetime(2026, 8, 19, 14, 47, tzinfo=UTC)


def _batch_usage(line: dict) -> dict[str, int]:
    """A batch output line's counts: Anthropic's result.message.usage (input excludes the
    cache counts), an OpenAI body's Responses usage or embeddings' prompt tokens."""
    if "result" in line:
        u = line["result"]["message"]["usage"]
        reads, writes = u["cache_read_input_tokens"], u["cache_creation_input_tokens"]
        return {"input": u["input_tokens"] + reads + writes, "output": u["output_tokens"],
                "cached": reads, "reasoning": 0}
    body = line["response"]["body"]
    u = body["usage"]
    if body["object"] == "list":
        return {"input": u["prompt_tokens"], "output": 0, "cached": 0, "reasoning": 0}
    return {"input": u["input_tokens"], "output": u["output_tokens"],
            "cached": u["input_tokens_details"]["cached_tokens"],
            "reasoning": u["output_tokens_details"]["reasoning_tokens"]}


@pytest.mark.parametrize("name", BATCHES)
def test_batch_output_equals_a_plain_reader_given_its_time(name):
    """Real Anthropic Message Batches results and OpenAI batch output (a Responses batch, an
    embeddings batch), read with the batch's time given by --trace-start: Anthropic results and
    OpenAI embeddings carry none (a Responses body has created_at, which it keeps)."""
    lines = _records(name)
    want = [_batch_usage(x) for x in lines]
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [REAL / name], ingest.IngestOptions(trace_start=GIVEN))
    got = con.execute("SELECT input_tokens, output_tokens, cached_input_tokens, "
                      "reasoning_tokens, service_tier, ts FROM requests ORDER BY line_no").fetchall()
    assert (f.lines_read, f.rejected) == (len(lines), 0)
    assert [dict(zip(("input", "output", "cached", "reasoning"), g[:4], strict=True))
            for g in got] == want
    assert {g[4] for g in got} == {"batch"}
    created = [(x.get("response") or {}).get("body", {}).get("created_at") for x in lines]
    assert [g[5] for g in got] == [
        datetime.fromtimestamp(c or GIVEN.timestamp(), UTC).replace(tzinfo=None) for c in created]


@pytest.mark.parametrize(("name", "says"), [
    ("ruby_llm_anthropic_batch_results.jsonl", "an Anthropic batch result carries no time"),
    ("ruby_llm_openai_batch_output_embeddings.jsonl", "embeddings carries no time")])
def test_undated_batch_output_without_a_time_is_rejected_saying_how(name, says):
    """Without --trace-start such a line is rejected, naming the option (it said 'timestamp:
    missing'); never a default time."""
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [REAL / name])
    [(reason,)] = con.execute("SELECT DISTINCT reason FROM rejects").fetchall()
    assert f.rejected == f.lines_read > 0
    assert says in reason and "--trace-start" in reason


def test_a_lambda_subscription_event_is_refused_saying_how_to_decode_it(tmp_path):
    """A Bedrock invocation log as a Lambda function receives it from a CloudWatch Logs
    subscription, {"awslogs": {"data": base64 of gzip of a DATA_MESSAGE}}, was read as
    canonical ('timestamp: missing'). No stage decodes base64 and gzip (only a per-event Python
    pass could): it is refused whole, with how to decode it; the DATA_MESSAGE it holds is read
    exactly (the real records of tests/test_sources_vendors.py)."""
    records = invocation_records()
    message = {"messageType": "DATA_MESSAGE", "owner": "123456789012",
               "logGroup": "/aws/bedrock/modelinvocations", "logStream": "aws/bedrock",
               "subscriptionFilters": ["plan"],
               "logEvents": [{"id": str(n), "timestamp": 1_741_650_000_000 + n,
                              "message": json.dumps(r)} for n, r in enumerate(records)]}
    data = base64.b64encode(gzip.compress(json.dumps(message).encode())).decode()
    event = tmp_path / "lambda_event.json"
    event.write_text(json.dumps({"awslogs": {"data": data}}), encoding="utf-8")
    with pytest.raises(InputError, match="awslogs") as raised:
        ingest.ingest(db.connect(":memory:"), [event])
    assert "base64 -d | gunzip" in (raised.value.hint or "")
    decoded = tmp_path / "data_message.json"  # as the hint says
    decoded.write_bytes(gzip.decompress(base64.b64decode(data)))
    got, f = plan_totals(decoded)
    assert (f.source, f.rejected, f.failed) == ("cloudwatch-events", 0, 0)
    assert got == dict(invocation_totals(records), reasoning=0)


def test_an_embeddings_input_list_of_strings_is_the_prompt_text():
    """Perplexity's (and OpenAI's) embeddings input may be a list of strings. DuckDB read it
    as a list of empty messages (no text); Spark as the text: the engines disagreed on which
    requests carry text (--engine spark's report differed). It is the text on both now."""
    name = "ruby_llm_perplexity_xai_vcr.derived.jsonl"
    inputs = {n: r["request_body"].get("input") for n, r in enumerate(_records(name), 1)
              if isinstance(r["request_body"], dict)}
    lists = [n for n, x in inputs.items()
             if isinstance(x, list) and all(isinstance(t, str) for t in x)]
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / name])
    got = con.execute("SELECT count(*) FROM requests WHERE line_no IN (SELECT unnest(?)) "
                      "AND text_hash IS NOT NULL", [lists]).fetchone()
    assert lists and got == (len(lists),)
