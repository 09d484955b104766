"""Batch jobs as the vendors' APIs return them whole, and two charges logged beside the tokens
(tests/fixtures/real/vendors5, written by others; README there): crmne/ruby_llm's recorded
Gemini API batch operation (inlined responses), Mistral batch job (?inline=true outputs) and
xAI batch results, each read unchanged and auto-detected, request by request, with the counts
and times a plain reader takes from each result (tests/test_sources_streams.py `usage`, plain
`json`); xAI's `usage.cost_in_usd_ticks` (1e-10 USD) and OpenRouter's
`usage.server_tool_use_details.web_search_requests`, read as the logged cost and the web
searches. Each was unread before (the jobs rejected as 'missing', the cost and searches NULL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from planner import db
from planner.stages import ingest
from tests.test_sources_streams import plain_totals, plan_totals, sse, usage

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors5"
VENDORS = Path(__file__).parent / "fixtures" / "real" / "vendors"
VENDORS4 = Path(__file__).parent / "fixtures" / "real" / "vendors4"


def _results(job: dict) -> list[dict]:
    """A job's results as response bodies, in order: Gemini's inlined responses, Mistral's
    outputs' bodies, xAI's chat completions."""
    if "response" in job:
        return [x["response"] for x in job["response"]["inlinedResponses"]["inlinedResponses"]]
    if "outputs" in job:
        return [x["response"]["body"] for x in job["outputs"]]
    return [x["batch_result"]["response"]["chat_get_completion"] for x in job["results"]]


def _time(job: dict, body: dict) -> datetime:
    """Gemini's results carry no time: the job's endTime; the others their `created`."""
    if "usageMetadata" in body:
        end = job["metadata"]["endTime"][:26] + "+00:00"  # (microseconds: DuckDB's precision)
        return datetime.fromisoformat(end).replace(tzinfo=None)
    return datetime.fromtimestamp(body["created"], UTC).replace(tzinfo=None)


JOBS = [("ruby_llm_gemini_batch_job.json", "gemini-batch-job"),
        ("ruby_llm_mistral_batch_job_inline.json", "batch-job"),
        ("ruby_llm_xai_batch_results.json", "batch-job")]
COLUMNS = ("input", "output", "cached", "cache_write", "reasoning")


@pytest.mark.parametrize(("name", "source"), JOBS)
def test_a_batch_job_with_its_results_is_read_result_by_result(name, source):
    job = json.loads((REAL / name).read_text(encoding="utf-8"))
    bodies = _results(job)
    want = [(*(usage(b)[0].get(k, 0) for k in COLUMNS), _time(job, b)) for b in bodies]
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [REAL / name])
    got = con.execute("SELECT input_tokens, output_tokens, cached_input_tokens, "
                      "cache_write_tokens, reasoning_tokens, ts, service_tier, model "
                      "FROM requests ORDER BY line_no").fetchall()
    assert (f.source, f.lines_read, f.rejected, f.failed) == (source, len(bodies), 0, 0)
    assert [g[:6] for g in got] == want and len(want) == 2
    assert {g[6] for g in got} == {"batch"}
    assert [g[7] for g in got] == [b.get("model", b.get("modelVersion")) for b in bodies]


@pytest.mark.parametrize(("name", "state"), [
    ("ruby_llm_gemini_batch_job_pending.json", "BATCH_STATE_RUNNING"),
    ("ruby_llm_mistral_batch_job_running.json", "RUNNING")])
def test_a_batch_job_without_its_results_is_rejected_saying_where_they_are(name, state):
    """The same jobs polled while running (read as canonical records before: 'missing')."""
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [REAL / name])
    [(reason,)] = con.execute("SELECT reason FROM rejects").fetchall()
    assert (f.lines_read, f.rejected) == (1, 1) and f.source.endswith("batch-job")
    assert f"without its results (state {state})" in reason and "results file" in reason


def _ticks(body: object) -> int | None:
    u = (body.get("usage") or {}) if isinstance(body, dict) else {}
    return u.get("cost_in_usd_ticks")


@pytest.mark.parametrize("path", [VENDORS4 / "ruby_llm_perplexity_xai_vcr.derived.jsonl",
                                  REAL / "ruby_llm_xai_batch_results.json"])
def test_xai_cost_in_usd_ticks_is_the_logged_cost(path):
    """xAI logs what it charged in usage.cost_in_usd_ticks, 1 USD = 10^10 ticks (docs.x.ai,
    'Cost Tracking'): plan's logged cost, exactly (the reconciliation compares it)."""
    if path.suffix == ".json":
        bodies = dict(enumerate(_results(json.loads(path.read_text(encoding="utf-8"))), 1))
    else:
        records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        bodies = {n: r["response_body"] for n, r in enumerate(records, 1) if r["status"] < 400}
    want = {n: Decimal(_ticks(b)) / 10**10 for n, b in bodies.items()
            if _ticks(b) is not None and usage(b)[0]}  # (images and speech: not requests)
    con = db.connect(":memory:")
    ingest.ingest(con, [path])
    got = dict(con.execute("SELECT line_no, logged_cost FROM requests "
                           "WHERE logged_cost IS NOT NULL AND model LIKE 'grok%'").fetchall())
    assert got == want and len(want) >= 2


def _searches(body: object) -> int | None:
    """A response's (a stream's: its last chunk with usage) count of web searches."""
    if isinstance(body, str):
        body = next((e for e in reversed(sse(body)) if isinstance(e.get("usage"), dict)), {})
    u = (body.get("usage") or {}) if isinstance(body, dict) else {}
    return (u.get("server_tool_use_details") or {}).get("web_search_requests")


def test_openrouter_web_search_requests_are_the_searches(tmp_path):
    """OpenRouter counts the web searches its plugin or server tool ran in
    usage.server_tool_use_details.web_search_requests; each is billed per search. Read by the
    full stage 12 (the recordings) and the chat-only one (its chat completions alone)."""
    path = VENDORS / "openrouter_vcr.derived.jsonl"
    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    want = {n: s for n, r in enumerate(records, 1)
            if r["status"] < 400 and (s := _searches(r["response_body"])) is not None}
    chat = [r for r in records if r["status"] < 400 and isinstance(r["response_body"], dict)
            and r["response_body"].get("object") == "chat.completion"
            and "messages" in r["request_body"]]
    alone = tmp_path / "openrouter_chat.jsonl"
    alone.write_text("".join(json.dumps(r) + "\n" for r in chat), encoding="utf-8")
    want_alone = {n: s for n, r in enumerate(chat, 1)
                  if (s := _searches(r["response_body"])) is not None}
    for log, expected in ((path, want), (alone, want_alone)):
        con = db.connect(":memory:")
        ingest.ingest(con, [log])
        got = dict(con.execute("SELECT line_no, web_search_requests FROM requests "
                               "WHERE web_search_requests > 0").fetchall())
        assert got == expected and len(expected) >= 2


def test_an_openrouter_byok_call_costs_the_fee_and_the_providers_charge():
    """OpenRouter's usage.cost is what it charged (its credits); a BYOK call (usage.is_byok)
    is billed by the provider on the team's own key too: cost_details.upstream_inference_cost
    (OpenRouter, 'Usage Accounting'). The logged cost is both (plan kept 0 for DataDog's
    recorded BYOK call to claude-opus-5, against 0.00417 USD billed); on a call that is not
    BYOK the upstream cost is within `cost` (the recorded gpt-oss-120b call: both 5.37e-06)."""
    path = REAL / "dd_trace_litellm_openrouter_vcr.derived.jsonl"
    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    usages = {n: r["response_body"]["usage"] for n, r in enumerate(records, 1)}
    want = {n: Decimal(str(u["cost"])) + (Decimal(str(u["cost_details"]["upstream_inference_cost"]))
                                          if u["is_byok"] else 0) for n, u in usages.items()}
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    got = dict(con.execute("SELECT line_no, logged_cost FROM requests").fetchall())
    assert (f.source, f.rejected) == ("http-capture", 0)
    assert got == want and [u["is_byok"] for u in usages.values()] == [False, True]
    assert plain_totals(path)[0] == plan_totals(path)[0]


def test_bedrock_recordings_of_datadogs_test_agent_equal_a_plain_reader():
    """DataDog's recorded Bedrock InvokeModel and Converse calls (bodies, response headers and
    event streams of AI21, Nova, Titan, Claude 2 / 3 / 4 with cache reads and writes, Llama,
    Mistral): plan's totals are the plain reader's."""
    path = REAL / "dd_trace_js_bedrock_testagent.derived.jsonl"
    want, failed, none = plain_totals(path)
    got, f = plan_totals(path)
    assert (f.source, f.lines_read, f.failed, f.rejected) == ("http-capture", 17, failed, none)
    assert got == want and want["cached"] > 0 and want["cache_write"] > 0


def test_a_claude_2_stream_on_bedrock_is_counted_by_its_invocation_metrics():
    """Bedrock's InvokeModelWithResponseStream of Claude 2.1 streams /v1/complete's completion
    events, the last carrying amazon-bedrock-invocationMetrics (16 in, 11 out). plan read it as
    Anthropic's legacy stream and counted the text itself (15 in, 7 out, marked counted):
    fixed in stage 12, which reads the metrics, as for Bedrock's other streams."""
    path = REAL / "dd_trace_js_bedrock_testagent.derived.jsonl"
    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    [(n, events)] = [(n, r["response_body"]) for n, r in enumerate(records, 1)
                     if "claude-v2" in r["uri"] and isinstance(r["response_body"], list)]
    metrics = events[-1]["amazon-bedrock-invocationMetrics"]
    con = db.connect(":memory:")
    ingest.ingest(con, [path])
    got = con.execute("SELECT input_tokens, output_tokens, tokens_counted FROM requests "
                      "WHERE line_no = ?", [n]).fetchall()
    assert events[0]["type"] == "completion"
    assert got == [(metrics["inputTokenCount"], metrics["outputTokenCount"], False)]


def test_a_failed_call_recorded_with_a_binary_body_is_a_failed_request():
    """DataDog's recorded Claude Agent SDK calls: Anthropic streams with cache reads and
    writes, and an HTTP 401 whose (compressed) body the recorder kept only as a placeholder.
    That call was rejected as an undecoded event stream; a call that failed is a failed
    request whatever its body holds (fixed in stage 12)."""
    path = REAL / "dd_trace_js_claude_agent_sdk_testagent.derived.jsonl"
    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    want, failed, none = plain_totals(path)
    got, f = plan_totals(path)
    assert [r["status"] for r in records].count(401) == failed == 1
    assert any(str(r["response_body"]).startswith("[binary body") for r in records)
    assert (f.failed, f.rejected) == (failed, none) == (1, 0)
    assert got == want and want["cached"] > 0 and want["cache_write"] > 0


def test_an_azure_openai_stream_names_the_model_of_its_chunks():
    """Azure OpenAI's chat stream opens with a chunk of prompt filter results whose id and
    model are empty and whose `created` is 0 (lmnr-python's recorded streams, without usage:
    their tokens are counted). plan took that chunk's empty model and id: a model '' has no
    price, and every such stream shared the request id ''. It reads the next chunk's."""
    path = REAL / "lmnr_azure_openai_vcr.derived.jsonl"
    records = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    want = []
    for r in records:
        chunks = [c for c in sse(r["response_body"]) if c.get("id")]
        assert sse(r["response_body"])[0]["model"] == "" and chunks
        want.append((chunks[0]["id"], chunks[0]["model"]))
    con = db.connect(":memory:")
    ingest.ingest(con, [path])
    got = con.execute("SELECT request_id, model FROM requests ORDER BY line_no").fetchall()
    assert got == want and len(want) == 2
