"""More real recordings of issue 17's vendors, from repositories not used before
(tests/fixtures/real/vendors2, written by others; README there): Arize-ai/openinference's
cassettes (Bedrock InvokeModel / Converse / ConverseStream for Claude and Nova, Gemini
generateContent and streams with thinking, the Gemini Interactions API, Anthropic with prompt
caching, Mistral streams, LiteLLM-recorded Anthropic calls), langchain-ai/langchain-aws's
Bedrock Converse cassettes (claude-sonnet agent loops, citations, streams), crewAIInc/crewAI's
Gemini API / Vertex AI express cassettes, simonw/llm-openrouter's OpenRouter Responses API
streams (usage.cost), langchain-ai/langchain-cohere's Cohere v2 chat cassettes,
langfuse/langfuse's real trace downloads, pydantic-ai's Bedrock embedding
calls with their response headers, and one real Bedrock model-invocation log record. plan reads
each unchanged and auto-detected; its request count and input / output / cache-read /
cache-write / reasoning totals equal a plain reader's (tests/test_sources_streams.py
`plain_totals` for the captures, `invocation_totals` and `langfuse_totals` here). The seven
misreads these files found (Gemini usage without a prompt count, Logs Insights query results,
embeddings counted by header, three Langfuse usage shapes) are fixed; each test says which."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner import db
from planner.stages import ingest
from tests.test_sources_streams import plain_totals, plan_totals, sse

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors2"


def _records(name: str) -> list[dict]:
    return [json.loads(x) for x in (REAL / name).read_text(encoding="utf-8").splitlines()]


# (file, vendors its source_file names must cover, streams it holds at least)
CAPTURES = [
    ("openinference_vcr.derived.jsonl",
     {"bedrock", "google-genai", "anthropic", "mistralai", "litellm"}, 20),
    ("langchain_aws_bedrock_vcr.derived.jsonl", set(), 2),
    ("crewai_llms_vcr.derived.jsonl", set(), 1),
    ("openrouter_responses_llm_openrouter.derived.jsonl", set(), 5),
    ("cohere_langchain_cohere_vcr.derived.jsonl", set(), 0),
]


@pytest.mark.parametrize(("name", "vendors", "streams"), CAPTURES)
def test_captures_equal_a_plain_reader(name, vendors, streams):
    records = _records(name)
    assert {r["source_file"].split("--")[0] for r in records} >= vendors
    assert sum(isinstance(r["response_body"], (str, list)) for r in records) >= streams
    want, failed, none = plain_totals(REAL / name)
    got, f = plan_totals(REAL / name)
    assert (f.source, f.lines_read) == ("http-capture", len(records))
    assert got == want
    # lines that bill no tokens (an image download recorded beside a Bedrock call, an
    # Interactions agent call still in progress) are rejected, never counted; HTTP errors are
    # failed requests
    assert (f.failed, f.rejected) == (failed, none)


def test_openinference_file_has_the_accounting_cases():
    """What the totals above must get right is in the file: cache writes and reads (Anthropic),
    thinking (Gemini thoughtsTokenCount, output includes it), Bedrock ConverseStream and
    InvokeModelWithResponseStream events, Converse's inputTokens without the cache counts."""
    want, _, _ = plain_totals(REAL / "openinference_vcr.derived.jsonl")
    assert want["cached"] > 0 and want["cache_write"] > 0 and want["reasoning"] > 0
    bodies = [r["response_body"] for r in _records("openinference_vcr.derived.jsonl")]
    assert any(isinstance(b, list) and any("metadata" in e for e in b) for b in bodies)
    assert any(isinstance(b, list) and any("amazon-bedrock-invocationMetrics" in e for e in b)
               for b in bodies)
    assert any(isinstance(b, str) and "thoughtsTokenCount" in b for b in bodies)


def test_langchain_aws_converse_counts_come_from_the_body():
    """langchain-aws's cassettes blank every header (Date included): each call's counts are
    Converse's usage (inputTokens + cacheReadInputTokens + cacheWriteInputTokens in, outputTokens
    out), the model the one in the URI."""
    records = _records("langchain_aws_bedrock_vcr.derived.jsonl")
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / "langchain_aws_bedrock_vcr.derived.jsonl"])
    rows = con.execute("SELECT line_no, model, input_tokens, output_tokens FROM requests "
                       "ORDER BY line_no").fetchall()
    want = []
    for n, r in enumerate(records, 1):
        body = r["response_body"]
        u = (body["usage"] if isinstance(body, dict) else
             next(e["metadata"]["usage"] for e in body if "metadata" in e))
        model = r["uri"].split("/model/")[1].split("/")[0]
        want.append((n, model, u["inputTokens"] + u.get("cacheReadInputTokens", 0)
                     + u.get("cacheWriteInputTokens", 0), u["outputTokens"]))
    assert rows == want


def test_openrouter_responses_streams_carry_the_charged_cost():
    """OpenRouter's Responses API streams: `response.completed` holds usage.cost, what OpenRouter
    charged; plan keeps it per request as the logged cost, beside its token counts."""
    want = []
    for r in _records("openrouter_responses_llm_openrouter.derived.jsonl"):
        done = [e for e in sse(r["response_body"]) if e.get("type") == "response.completed"]
        want.append(done[-1]["response"]["usage"]["cost"])
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / "openrouter_responses_llm_openrouter.derived.jsonl"])
    rows = con.execute("SELECT logged_cost FROM requests ORDER BY line_no").fetchall()
    got = [float(c) for (c,) in rows]
    assert got == pytest.approx(want, abs=1e-12) and len(want) == 5


# --- a real Bedrock model-invocation log record ----------------------------------------------

def invocation_totals(records: list[dict]) -> dict[str, int]:
    """Invocation logging's counts: input.inputTokenCount excludes the cache reads and writes
    given beside it; output.outputTokenCount."""
    want = dict.fromkeys(("requests", "input", "output", "cached", "cache_write", "reasoning"), 0)
    for r in records:
        i = r["input"]
        reads, writes = i.get("cacheReadInputTokenCount", 0), i.get("cacheWriteInputTokenCount", 0)
        want["requests"] += 1
        want["input"] += i["inputTokenCount"] + reads + writes
        want["output"] += r["output"]["outputTokenCount"]
        want["cached"] += reads
        want["cache_write"] += writes
    return want


def test_a_real_invocation_log_record():
    """A ConverseStream record as invocation logging wrote it (pretty-printed, one document)."""
    path = REAL / "bedrock_invocation_log_converse_stream.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["schemaType"] == "ModelInvocationLog" and record["operation"] == "ConverseStream"
    got, f = plan_totals(path)
    assert (f.source, f.rejected) == ("bedrock-invocation", 0)
    assert got == invocation_totals([record])


def _insights_rows(record: dict) -> list[list[dict]]:
    """The record as `aws logs get-query-results` returns a Logs Insights row: a list of
    {field, value}, the record itself as the @message field's text."""
    return [[{"field": "@timestamp", "value": record["timestamp"].replace("T", " ")[:-1] + ".000"},
             {"field": "requestId", "value": record["requestId"]},
             {"field": "@message", "value": json.dumps(record)}]]


@pytest.mark.parametrize("flattened", [False, True])
def test_logs_insights_query_results_from_the_cli(tmp_path, flattened):
    record = json.loads((REAL / "bedrock_invocation_log_converse_stream.json").read_text(
        encoding="utf-8"))
    rows: list = _insights_rows(record)
    if flattened:
        rows = [cell for row in rows for cell in row]
    path = tmp_path / "get-query-results.json"
    path.write_text(("\ufeff" if flattened else "") + json.dumps(
        {"statistics": {"recordsMatched": 1.0}, "status": "Complete", "results": rows},
        indent=4), encoding="utf-8")
    got, f = plan_totals(path)
    assert f.rejected == 0
    assert got == invocation_totals([record])


# --- Gemini usageMetadata without promptTokenCount -------------------------------------------
# Two real gemini-2.5-flash calls (a fileData image by URI) whose usageMetadata holds only
# candidatesTokenCount and thoughtsTokenCount: the API gave no prompt count.

def _no_prompt_usage() -> list[dict]:
    out = []
    for r in _records("gemini_no_prompt_count_openinference.derived.jsonl"):
        body = r["response_body"]
        out.append(body["usageMetadata"] if isinstance(body, dict)
                   else [e["usageMetadata"] for e in sse(body)][-1])
    return out


def test_gemini_without_a_prompt_count_is_in_the_file():
    usage = _no_prompt_usage()
    assert len(usage) == 2 and all("promptTokenCount" not in u for u in usage)
    assert all(u["thoughtsTokenCount"] > 0 for u in usage)


def test_gemini_output_without_a_prompt_count():
    path = REAL / "gemini_no_prompt_count_openinference.derived.jsonl"
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    rows = con.execute("SELECT output_tokens, reasoning_tokens FROM requests "
                       "ORDER BY line_no").fetchall()
    want = [(u["candidatesTokenCount"] + u["thoughtsTokenCount"], u["thoughtsTokenCount"])
            for u in _no_prompt_usage()]
    assert f.rejected == 0
    assert rows == want


# --- Bedrock InvokeModel embeddings counted only by the input-count header -------------------
# pydantic-ai's real Bedrock embedding calls (Titan v1 / v2, Cohere embed v3 / v4, Nova
# multimodal embeddings) with their x-amzn-bedrock-* response headers: an embedding response has
# an input-token-count header and no output-token-count header (it bills input only).

EMBEDDINGS = REAL / "bedrock_embeddings_headers_pydantic_ai.derived.jsonl"


def _embedding_inputs() -> list[tuple[int, int | None]]:
    """Each call's input count from its header, and the body's own count where it has one."""
    out = []
    for r in _records(EMBEDDINGS.name):
        h = r["response_headers"]
        assert "x-amzn-bedrock-output-token-count" not in h
        out.append((int(h["x-amzn-bedrock-input-token-count"]),
                    r["response_body"].get("inputTextTokenCount")))
    return out


def test_titan_embeddings_count_their_input_as_the_header_does():
    """The Titan bodies (one called through an application inference profile) count their
    input themselves (inputTextTokenCount): the header's count."""
    titan = [(h, own) for h, own in _embedding_inputs() if own is not None]
    assert len(titan) >= 3 and all(h == own for h, own in titan)


def test_bedrock_embeddings_counted_by_the_input_header():
    """The Cohere embed and Nova embedding bodies count nothing: the input-count header is
    their count, and their output is 0 (no output-count header)."""
    inputs = _embedding_inputs()
    got, f = plan_totals(EMBEDDINGS)
    assert f.rejected == 0
    assert (got["requests"], got["input"], got["output"]) == (
        len(inputs), sum(h for h, _ in inputs), 0)


# --- Langfuse trace downloads ({trace, observations}) -----------------------------------------
# langfuse/langfuse keeps real traces of framework integrations, each downloaded from its UI
# with the observations' input / output merged back in (README there). Langfuse itself gives
# each observation's totals beside usageDetails: inputUsage (the usage keys that name input),
# outputUsage (those that name output) and totalCost; the plain reader takes those.

def _langfuse(name: str) -> dict:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


def langfuse_totals(doc: dict) -> tuple[dict[str, int], float, int]:
    """The generations' totals as Langfuse computed them, their charged cost, and how many other
    observations (spans, agents, tools) the download holds."""
    want = dict.fromkeys(("requests", "input", "output", "cached", "cache_write", "reasoning"), 0)
    cost, other = 0.0, 0
    for o in doc["observations"]:
        if o["type"] != "GENERATION":
            other += 1
            continue
        details = o.get("usageDetails") or {}
        want["requests"] += 1
        want["input"] += o["inputUsage"]
        want["output"] += o["outputUsage"]
        want["cached"] += sum(v for k, v in details.items() if "cache_read" in k)
        want["reasoning"] += sum(v for k, v in details.items() if "reasoning" in k)
        cost += o.get("totalCost") or 0.0
    return want, cost, other


@pytest.mark.parametrize("name", ["langfuse_trace_autogen-2025-06-06.json",
                                  "langfuse_trace_llamaindex-2025-06-05.json",
                                  "langfuse_trace_openai-assistants-2024-05-29.json",
                                  "langfuse_trace_langgraph-js-2025-10-30.json",
                                  "langfuse_trace_vertex-ai-2025-08-01.json"])
def test_real_langfuse_trace_downloads(name):
    """(langgraph-js: OpenAI's reasoning kept beside output as output_reasoning, which Langfuse's
    outputUsage adds in; vertex-ai: usageDetails.total 2023 is above input + output, 5 + 845,
    by thinking tokens the instrumentation did not report; plan, like Langfuse, reads 845)"""
    want, cost, other = langfuse_totals(_langfuse(name))
    got, f = plan_totals(REAL / name)
    assert (f.source, f.skipped, f.rejected, f.failed) == ("langfuse-trace", other, 0, 0)
    assert got == want
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / name])
    logged = con.execute("SELECT sum(logged_cost) FROM requests").fetchone()[0]
    assert float(logged) == pytest.approx(cost, abs=1e-9)


def test_the_gemini_trace_counts_its_reasoning_inside_output():
    """What the test below expects, from the file itself: Gemini's own usage_metadata (kept in
    the generation's output) gives candidates + thoughts = outputUsage, and usageDetails'
    total is input + output, so completion_details.reasoning is a part of output."""
    [g] = _langfuse("langfuse_trace_google-gemini-2025-08-01.json")["observations"]
    u, details = g["output"]["usage_metadata"], g["usageDetails"]
    assert u["candidates_token_count"] + u["thoughts_token_count"] == g["outputUsage"]
    assert details["total"] == details["input"] + details["output"]
    assert details["completion_details.reasoning"] == u["thoughts_token_count"] > 0


def test_langfuse_gemini_reasoning_is_not_added_twice():
    want, _, _ = langfuse_totals(_langfuse("langfuse_trace_google-gemini-2025-08-01.json"))
    got, _ = plan_totals(REAL / "langfuse_trace_google-gemini-2025-08-01.json")
    assert got == want


def test_langfuse_usage_fields_without_usage_details():
    want, _, _ = langfuse_totals(_langfuse(
        "langfuse_trace_google-vertex-tools-langchain-2025-09-19.json"))
    got, _ = plan_totals(REAL / "langfuse_trace_google-vertex-tools-langchain-2025-09-19.json")
    assert got == want


def test_langfuse_generations_without_an_output_count():
    doc = _langfuse("langfuse_trace_beeai-2025-08-01.json")
    counted = [o for o in doc["observations"] if (o.get("usageDetails") or {}).get("input")]
    got, f = plan_totals(REAL / "langfuse_trace_beeai-2025-08-01.json")
    assert (got["requests"], got["input"], got["output"]) == (
        len(counted), sum(o["inputUsage"] for o in counted), 0)
    assert f.rejected == len(doc["observations"]) - len(counted)
