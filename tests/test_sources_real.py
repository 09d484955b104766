"""Real log files (tests/fixtures/real, written by others): plan reads each one unchanged and
auto-detected, and its request counts and token totals equal what this test computes from the
file with plain json / csv reading, following each API's documented usage fields."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from planner import db
from planner.pipeline import AnalyzeOptions, analyze
from planner.report import Report
from planner.stages import ingest
from planner.stages.ingest import IngestOptions

REAL = Path(__file__).parent / "fixtures" / "real"


def totals(report: Report) -> dict[str, int]:
    w = report.workloads
    return {
        "requests": sum(x.requests for x in w),
        "input": sum(x.input_tokens for x in w),
        "output": sum(x.output_tokens for x in w),
        "cached": sum(x.cached_input_tokens for x in w),
    }


def run(*names: str) -> Report:
    return analyze([str(REAL / n) for n in names], AnalyzeOptions(db=":memory:"))


# --- an independent reading of API response bodies (DOMAIN.md "Token accounting") ----------

def sse_events(text: str) -> list[dict]:
    events = []
    for line in text.splitlines():
        if line.startswith("data:"):
            try:
                events.append(json.loads(line[5:].strip()))
            except ValueError:
                pass  # "[DONE]"
    return events


def usage_of(body: dict | str) -> tuple[int, int, int]:
    """(input incl. cache reads and writes, output incl. reasoning, cache reads) of one body."""
    if isinstance(body, str):  # a stream
        events = sse_events(body)
        starts = [e for e in events if e.get("type") == "message_start"]
        if starts:  # Anthropic: message_start usage, then message_delta's output count
            u = dict(starts[0]["message"]["usage"])
            for e in events:
                if e.get("type") == "message_delta" and e.get("usage"):
                    u.update(e["usage"])
            return anthropic(u)
        u = [e["usage"] for e in events if isinstance(e.get("usage"), dict)][-1]
        return u["prompt_tokens"], u["completion_tokens"], 0
    u = body["usage"]
    if body.get("type") == "message":
        return anthropic(u)
    if body.get("object") == "response":
        return (u["input_tokens"], u["output_tokens"],
                (u.get("input_tokens_details") or {}).get("cached_tokens", 0))
    if body.get("object") == "list":  # embeddings: input only
        return u["prompt_tokens"], 0, 0
    return (u["prompt_tokens"], u["completion_tokens"],
            (u.get("prompt_tokens_details") or {}).get("cached_tokens", 0) or 0)


def anthropic(u: dict) -> tuple[int, int, int]:
    # Anthropic's input_tokens EXCLUDES cache writes and reads.
    reads = u.get("cache_read_input_tokens") or 0
    writes = u.get("cache_creation_input_tokens") or 0
    return u["input_tokens"] + reads + writes, u["output_tokens"], reads


def expected_http(path: Path) -> tuple[dict[str, int], int, list]:
    want = {"requests": 0, "input": 0, "output": 0, "cached": 0}
    failed, dates = 0, []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["status"] >= 400:
            failed += 1
            continue
        i, o, c = usage_of(rec["response_body"])
        want["requests"] += 1
        want["input"] += i
        want["output"] += o
        want["cached"] += c
        dates.append(parsedate_to_datetime(rec["date"][0]))
    return want, failed, dates


@pytest.mark.parametrize("name", ["openai_vcr.derived.jsonl", "anthropic_vcr.derived.jsonl"])
def test_recorded_http_calls_match_their_usage_fields(name):
    want, failed, dates = expected_http(REAL / name)
    report = run(name)
    assert report.ingest.files[0].source == "http-capture"
    assert totals(report) == want
    assert report.ingest.failed == failed
    assert report.ingest.read == want["requests"] + failed
    assert report.ingest.rejected == 0 and report.ingest.duplicates == 0
    assert report.window.start == min(dates).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert report.window.end == max(dates).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_openai_recordings_hold_the_cases_the_parser_must_handle():
    """Guards the test above: the file really has a stream, a Responses object, embeddings,
    cached tokens and a failed call, so the equality covers each."""
    want, failed, _ = expected_http(REAL / "openai_vcr.derived.jsonl")
    bodies = [json.loads(x)["response_body"]
              for x in (REAL / "openai_vcr.derived.jsonl").read_text().splitlines()]
    assert any(isinstance(b, str) for b in bodies)
    assert any(isinstance(b, dict) and b.get("object") == "response" for b in bodies)
    assert any(isinstance(b, dict) and b.get("object") == "list" for b in bodies)
    assert want["cached"] == 1024 and failed == 1


def test_anthropic_cache_writes_and_reads_are_added_to_input():
    # README of the recording: "in 4 + cache_creation 1,163, then in 4 + cache_read 1,163".
    report = run("anthropic_vcr.derived.jsonl")
    caching = next(w for w in report.workloads if w.cached_input_tokens)
    assert caching.requests == 2
    assert caching.input_tokens == 2 * (4 + 1163)
    assert caching.cached_input_tokens == 1163


def test_openai_batch_output():
    lines = [json.loads(x) for x in
             (REAL / "litellm_batch_output_sample.jsonl").read_text().splitlines() if x]
    usages = [x["response"]["body"]["usage"] for x in lines]
    report = run("litellm_batch_output_sample.jsonl")
    assert report.ingest.files[0].source == "openai-batch"
    assert totals(report) == {
        "requests": len(lines),
        "input": sum(u["prompt_tokens"] for u in usages),
        "output": sum(u["completion_tokens"] for u in usages),
        "cached": sum(u["prompt_tokens_details"]["cached_tokens"] for u in usages),
    }
    # Batch output is priced at the batch tier: gpt-4o-mini's batch rates are half its standard
    # ones (pricing 2026-11-22, from genai-prices), and version 2026-11-01 publishes no batch
    # tier, so it prices the same tokens at standard rates and says so.
    standard = analyze([str(REAL / "litellm_batch_output_sample.jsonl")],
                       AnalyzeOptions(db=":memory:", pricing="2026-11-01"))
    assert any("'batch' service tier" in w for w in standard.warnings)
    assert not any("'batch' service tier" in w for w in report.warnings)
    batch_usd = next(s.monthly_cost_usd for s in report.scenarios if s.name == "as-logged")
    standard_usd = next(s.monthly_cost_usd for s in standard.scenarios if s.name == "as-logged")
    assert standard_usd > 0 and abs(2 * batch_usd - standard_usd) <= Decimal("0.01")


@pytest.mark.parametrize("name", ["litellm_spend_logs_payload.json",
                                  "litellm_standard_logging_payload.json"])
def test_litellm_rows_keep_their_recorded_spend(name):
    row = json.loads((REAL / name).read_text())
    report = run(name)
    assert report.ingest.files[0].source == "litellm"
    assert totals(report) == {"requests": 1, "input": row["prompt_tokens"],
                              "output": row["completion_tokens"], "cached": 0}
    spend = report.logged_spend
    assert spend is not None and spend.requests == 1
    assert float(spend.logged_usd) == pytest.approx(row.get("spend", row.get("response_cost")))
    # gpt-4o at $2.50 / $10 per 1M: 10 * 2.5e-6 + 20 * 1e-5 = $0.000225, which is also what
    # LiteLLM recorded.
    assert str(spend.as_logged_usd) == "0.000225"


def test_azure_trace_csv():
    with (REAL / "AzureLLMInferenceTrace_code.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    report = run("AzureLLMInferenceTrace_code.csv")
    assert report.ingest.files[0].source == "azure-trace"
    assert totals(report) == {
        "requests": len(rows),
        "input": sum(int(r["ContextTokens"]) for r in rows),
        "output": sum(int(r["GeneratedTokens"]) for r in rows),
        "cached": 0,
    }
    assert [w.workload for w in report.workloads] == ["AzureLLMInferenceTrace_code"]
    assert report.window.start == "2023-11-16T18:17:03Z"
    names = {a.name: a for a in report.assumptions}
    assert names["trace_model"].value == "gpt-5.4"
    assert names["requests_without_text"].value == f"{len(rows)} of {len(rows)}"


def test_mooncake_trace_with_a_start_time_and_model():
    rows = [json.loads(x) for x in
            (REAL / "mooncake_conversation_first1000.jsonl").read_text().splitlines()]
    report = analyze(
        [str(REAL / "mooncake_conversation_first1000.jsonl")],
        AnalyzeOptions(db=":memory:", reading=IngestOptions(
            model="gpt-4o", workload="kimi-chat",
            trace_start=datetime(2026, 1, 5, 9, 0, tzinfo=UTC))))
    # Prefix cache (README of the trace: 512-token blocks, equal ids = shared prefix): a block
    # already seen on an earlier line is cached; at most the request's input.
    seen: set[int] = set()
    cached = 0
    for r in rows:
        cached += min(r["input_length"], 512 * sum(1 for h in r["hash_ids"] if h in seen))
        seen.update(r["hash_ids"])
    assert totals(report) == {
        "requests": len(rows),
        "input": sum(r["input_length"] for r in rows),
        "output": sum(r["output_length"] for r in rows),
        "cached": cached,
    }
    assert cached == 2_962_776  # 21.6% of the first 1,000 requests' input
    names = {a.name.split("[")[0]: a for a in report.assumptions}
    assert names["prefix_cache"].value.startswith(f"{cached} of ")
    last_ms = max(r["timestamp"] for r in rows)
    assert report.window.start == "2026-01-05T09:00:00Z"
    end = datetime(2026, 1, 5, 9, 0, tzinfo=UTC).timestamp() + last_ms / 1000
    assert report.window.end == datetime.fromtimestamp(int(end), UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert [w.workload for w in report.workloads] == ["kimi-chat"]
    sources = {a.name.split("[")[0]: a.source for a in report.assumptions}
    assert sources["trace_model"] == "flag --model"
    assert sources["trace_start"] == "flag --trace-start"


def test_a_mixed_directory_reads_each_file_as_its_own_source(tmp_path):
    for name in ("openai_vcr.derived.jsonl", "anthropic_vcr.derived.jsonl",
                 "litellm_batch_output_sample.jsonl", "litellm_spend_logs_payload.json",
                 "AzureLLMInferenceTrace_code.csv", "mooncake_conversation_first1000.jsonl"):
        (tmp_path / name).write_bytes((REAL / name).read_bytes())
    report = analyze([str(tmp_path)], AnalyzeOptions(db=":memory:"))
    by_file = {Path(f.path).name: (f.source, f.read) for f in report.ingest.files}
    assert by_file == {
        "AzureLLMInferenceTrace_code.csv": ("azure-trace", 8819),
        "anthropic_vcr.derived.jsonl": ("http-capture", 7),
        "litellm_batch_output_sample.jsonl": ("openai-batch", 2),
        "litellm_spend_logs_payload.json": ("litellm", 1),
        "mooncake_conversation_first1000.jsonl": ("mooncake-trace", 1000),
        "openai_vcr.derived.jsonl": ("http-capture", 35),
    }
    i = report.ingest
    assert i.read == 8819 + 7 + 2 + 1 + 1000 + 35
    assert i.read == i.accepted + i.rejected + i.duplicates + i.failed
    assert i.failed == 1


def tool_calls_of(rec: dict) -> int:
    """Tool calls in one recorded call, counted from the documented shapes."""
    req, body = rec["request_body"], rec["response_body"]
    n = 0
    for m in req.get("messages") or []:
        n += len(m.get("tool_calls") or [])
        if isinstance(m.get("content"), list):
            n += sum(p.get("type") == "tool_use" for p in m["content"])
    if isinstance(body, dict):
        n += sum(len((c.get("message") or {}).get("tool_calls") or [])
                 for c in body.get("choices") or [])
        n += sum(o.get("type") == "function_call" for o in body.get("output") or [])
        if body.get("type") == "message":
            n += sum(c.get("type") == "tool_use" for c in body.get("content") or [])
    return n


@pytest.mark.parametrize("name", ["openai_vcr.derived.jsonl", "anthropic_vcr.derived.jsonl"])
def test_tool_calls_in_recorded_calls(name):
    records = [json.loads(x) for x in (REAL / name).read_text().splitlines()]
    want = [tool_calls_of(r) for r in records if r["status"] < 400]
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / name])
    got = [n for (n,) in con.execute("SELECT tool_calls FROM requests ORDER BY line_no").fetchall()]
    assert got == want
    assert sum(want) > 0


def test_openai_batch_input_joined_on_custom_id(tmp_path):
    """The real batch output (custom_ids request-1, request-2) with a hand-written input file:
    the bodies give the system prompt (a workload fingerprint) and an image (capability-bound),
    one input line is unreadable (a reject), and an id on two input lines joins nothing."""
    import hashlib
    system = "You are a support assistant for ACME."
    inputs = [
        {"custom_id": "request-1", "method": "POST", "url": "/v1/chat/completions",
         "body": {"model": "gpt-4o-mini", "messages": [
             {"role": "system", "content": system},
             {"role": "user", "content": "Hello world"}]}},
        {"custom_id": "request-2", "method": "POST", "url": "/v1/chat/completions",
         "body": {"model": "gpt-4o-mini", "messages": [
             {"role": "system", "content": system},
             {"role": "user", "content": [
                 {"type": "text", "text": "What is in this picture?"},
                 {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}},
        {"custom_id": "request-9", "method": "POST", "url": "/v1/chat/completions"},
    ]
    path = tmp_path / "batch_input.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in inputs) + "\n", encoding="utf-8")
    report = analyze([str(REAL / "litellm_batch_output_sample.jsonl"), str(path)],
                     AnalyzeOptions(db=":memory:"))
    files = {Path(f.path).name: f for f in report.ingest.files}
    assert files["batch_input.jsonl"].source == "openai-batch-input"
    # Two bodies (outside `read`), one unreadable line (no body): a reject.
    assert (files["batch_input.jsonl"].bodies, files["batch_input.jsonl"].read,
            files["batch_input.jsonl"].rejected) == (2, 1, 1)
    assert report.ingest.bodies == 2 and report.ingest.bodies_joined == 2
    fingerprint = "system-prompt:" + hashlib.md5(system.encode()).hexdigest()[:8]
    [workload] = report.workloads
    assert workload.workload == fingerprint and workload.requests == 2
    assert workload.stats.image_share == Decimal("0.5")
    assert workload.capability_share == Decimal("0.5")  # the image request
    # The same custom_id on two input lines: ambiguous, joined to nothing.
    twice = tmp_path / "twice.jsonl"
    twice.write_text("\n".join(json.dumps(x) for x in inputs[:2] + [inputs[0]]) + "\n")
    again = analyze([str(REAL / "litellm_batch_output_sample.jsonl"), str(twice)],
                    AnalyzeOptions(db=":memory:"))
    assert again.ingest.bodies == 3 and again.ingest.bodies_joined == 1


def test_trace_files_given_the_default_model_do_not_vote_for_the_frontier_model():
    trace = str(REAL / "AzureLLMInferenceTrace_code.csv")
    alone = analyze([trace], AnalyzeOptions(db=":memory:"))
    names = {a.name: a for a in alone.assumptions}
    assert names["frontier_model"].source.endswith("default (no frontier model logged)")
    # With logs that name their models, the trace's defaulted requests do not count, and a model
    # both defaulted and logged is priced once per request.
    rows = list(csv.DictReader((REAL / "AzureLLMInferenceTrace_code.csv").open()))
    both = analyze([trace, str(REAL / "openai_vcr.derived.jsonl")],
                   AnalyzeOptions(db=":memory:", reading=IngestOptions(model=None)))
    vcr = analyze([str(REAL / "openai_vcr.derived.jsonl")], AnalyzeOptions(db=":memory:"))
    assert totals(both)["requests"] == len(rows) + totals(vcr)["requests"]
    assert {a.name: a for a in both.assumptions}["frontier_model"].source.startswith("measured")
