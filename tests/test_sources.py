"""Log sources with no public real sample (hand-written records, following each vendor's
documented shape), and the reading mechanics: readers, --source, --map, failed requests, the
re-read of a file when the options that shaped it change."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from planner import db
from planner.errors import InputError
from planner.stages import ingest
from planner.stages.analysis import build_scope
from planner.stages.column_map import ColumnMap
from planner.stages.ingest import IngestOptions

T0 = "2026-03-02T10:00:00Z"


def load(paths: list[Path], options: IngestOptions | None = None, con=None):
    con = con or db.connect(":memory:")
    files = ingest.ingest(con, ingest.discover([str(p) for p in paths]),
                          replace(options or IngestOptions(), text=ingest.TextPolicy(keep=True)))
    return con, files, build_scope(con, files)


def rows(con, columns="input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, "
                      "reasoning_tokens"):
    return con.execute(f"SELECT {columns} FROM requests ORDER BY file_id, line_no").fetchall()


def test_openai_responses_objects(write_log):
    log = write_log([{
        "id": "resp_1", "object": "response", "created_at": 1772445600, "model": "gpt-5-mini",
        "output": [{"type": "message", "content": [{"type": "output_text", "text": "hi"}]}],
        "usage": {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 100},
                  "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 30}},
    }])
    con, files, scope = load([log])
    assert files[0].source == "openai-responses"
    # Responses input_tokens already include the cached ones; output includes reasoning.
    assert rows(con) == [(120, 40, 100, 0, 30)]
    assert rows(con, "ts, response, request_id")[0][1:] == ("hi", "resp_1")
    assert scope.window.start == "2026-03-02T10:00:00Z"


def test_streams_in_a_request_response_log(write_log):
    chunks = [
        {"id": "c1", "object": "chat.completion.chunk", "created": 1772445600,
         "model": "gpt-4o-mini", "choices": [{"delta": {"content": "Hel"}}]},
        {"id": "c1", "choices": [{"delta": {"content": "lo"}}]},
        {"id": "c1", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2,
                                               "prompt_tokens_details": {"cached_tokens": 0}}},
    ]
    sse = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    anthropic_sse = (
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1",'
        '"model":"claude-haiku-4-5","usage":{"input_tokens":5,"cache_read_input_tokens":50,'
        '"cache_creation_input_tokens":0,"output_tokens":1}}}\n\n'
        'event: content_block_delta\ndata: {"type":"content_block_delta","delta":'
        '{"type":"text_delta","text":"Yes"}}\n\n'
        'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":7}}\n\n'
    )
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    log = write_log([
        {"timestamp": T0, "request_id": "a", "request": request, "response": chunks},
        {"timestamp": T0, "request_id": "b", "request": request, "response": sse},
        {"timestamp": T0, "request_id": "c", "request": {"model": "claude-haiku-4-5"},
         "response": anthropic_sse},
    ])
    con, files, _ = load([log])
    assert files[0].source == "openai-chat"
    assert rows(con, "input_tokens, output_tokens, cached_input_tokens, response, model") == [
        (9, 2, 0, "Hello", "gpt-4o-mini"),
        (9, 2, 0, "Hello", "gpt-4o-mini"),
        # Anthropic: 5 uncached + 50 cache reads; the output count is message_delta's 7.
        (55, 7, 50, "Yes", "claude-haiku-4-5"),
    ]


def test_batch_errors_are_failed_requests_not_rejects(write_log):
    ok = {"id": "batch_req_1", "custom_id": "t1", "response": {
        "status_code": 200, "request_id": "r1", "body": {
            "object": "chat.completion", "created": 1772445600, "model": "gpt-4o-mini",
            "choices": [{"message": {"content": "ok"}}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 4}}}, "error": None}
    log = write_log([
        ok,
        {"id": "batch_req_2", "custom_id": "t2", "response": None,
         "error": {"code": "rate_limit_exceeded", "message": "slow down"}},
        {"id": "batch_req_3", "custom_id": "t3", "response": {
            "status_code": 500, "request_id": "r3", "body": {"error": {"message": "boom"}}},
         "error": None},
        "{broken",
    ])
    con, files, scope = load([log])
    assert files[0].source == "openai-batch"
    i = scope.ingest
    assert (i.read, i.accepted, i.failed, i.rejected) == (4, 1, 2, 1)
    assert [r.reason for r in i.failure_reasons] == [
        "batch error rate_limit_exceeded: slow down", "HTTP 500: boom"]
    assert con.execute("SELECT service_tier FROM requests").fetchall() == [("batch",)]


def test_anthropic_batch_results_need_a_timestamp(write_log):
    message = {"id": "msg_1", "type": "message", "model": "claude-sonnet-4-5",
               "content": [{"type": "text", "text": "ok"}],
               "usage": {"input_tokens": 10, "cache_creation_input_tokens": 20,
                         "cache_read_input_tokens": 0, "output_tokens": 3}}
    log = write_log([
        {"custom_id": "a", "timestamp": T0, "result": {"type": "succeeded", "message": message}},
        {"custom_id": "b", "timestamp": T0, "result": {
            "type": "errored", "error": {"type": "error", "error": {"message": "overloaded"}}}},
        {"custom_id": "c", "result": {"type": "succeeded", "message": message}},
    ])
    con, files, scope = load([log])
    assert files[0].source == "anthropic-batch"
    assert rows(con) == [(30, 3, 0, 20, 0)]
    assert scope.ingest.failure_reasons[0].reason == "batch result errored: overloaded"
    [(line, reason)] = con.execute("SELECT line_no, reason FROM rejects").fetchall()
    assert line == 3 and "carries no time" in reason and "--trace-start" in reason


def test_litellm_csv_export(tmp_path):
    path = tmp_path / "spend.csv"
    meta = json.dumps({"usage_object": {"prompt_tokens_details": {"cached_tokens": 64}},
                       "user_api_key_team_alias": "search"})
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["request_id", "startTime", "model", "prompt_tokens", "completion_tokens",
                    "spend", "team_id", "metadata", "request_tags", "status"])
        w.writerow(["r1", "2026-03-02 10:00:00", "gpt-4o", "100", "10", "0.00035", "", meta,
                    '["prod", "workload:ranker"]', "success"])
        w.writerow(["r2", "2026-03-02 10:05:00", "gpt-4o", "50", "0", "0", "t-9", "{}", "[]",
                    "failure"])
        w.writerow(["r3", "2026-03-02 10:06:00", "gpt-4o", "50", "5", "-1", "t-9", "{}", "[]",
                    "success"])
    con, files, scope = load([path])
    assert files[0].source == "litellm"
    assert con.execute(
        "SELECT line_no, input_tokens, cached_input_tokens, team, workload_tag, logged_cost "
        "FROM requests").fetchall() == [(2, 100, 64, "search", "ranker", Decimal("0.00035"))]
    assert scope.ingest.failed == 1
    # Line numbers count the CSV header as line 1.
    assert con.execute("SELECT line_no, field FROM rejects").fetchall() == [(4, "logged_cost")]


def test_langfuse_observations_json_array(tmp_path):
    path = tmp_path / "observations.json"
    path.write_text(json.dumps([
        {"id": "o1", "type": "GENERATION", "name": "summarise-ticket", "startTime": T0,
         "model": "gpt-4o-mini", "usageDetails": {"input": 80, "input_cached_tokens": 20,
                                                   "output": 15, "output_reasoning_tokens": 5,
                                                   "total": 120},
         "input": [{"role": "system", "content": "You summarise."},
                   {"role": "user", "content": "Ticket text"}],
         "output": {"role": "assistant", "content": "Summary"}, "calculatedTotalCost": 0.0001},
        {"id": "o2", "type": "SPAN", "name": "retrieval", "startTime": T0},
        {"id": "o3", "type": "GENERATION", "name": "x", "startTime": T0, "model": "gpt-4o",
         "level": "ERROR", "statusMessage": "timeout", "usage": {"input": 0, "output": 0}},
    ], indent=2))
    con, files, scope = load([path])
    assert files[0].source == "langfuse"
    # Langfuse keeps cache and reasoning outside input / output: 80 + 20 and 15 + 5.
    assert rows(con) == [(100, 20, 20, 0, 5)]
    assert con.execute("SELECT workload_tag, system_prompt, prompt, response FROM requests"
                       ).fetchall() == [("summarise-ticket", "You summarise.", "Ticket text",
                                         "Summary")]
    i = scope.ingest
    assert (i.read, i.accepted, i.rejected, i.failed) == (3, 1, 1, 1)
    assert i.reject_reasons[0].first.endswith("observations.json:2")


def test_column_map_on_csv_and_parquet(tmp_path):
    path = tmp_path / "inhouse.csv"
    path.write_text("when,llm,tok_in,tok_out,feature\n"
                    "2026-03-02T10:00:00Z,gpt-4o,100,20,search\n"
                    "2026-03-02T11:00:00Z,gpt-4o,abc,20,search\n")
    mapping = ColumnMap.parse(["timestamp=when", "model=llm", "input_tokens=tok_in",
                               "output_tokens=tok_out", "workload=feature"])
    con, files, scope = load([path], IngestOptions(column_map=mapping))
    assert files[0].source == "mapped"
    assert rows(con, "model, input_tokens, output_tokens, workload_field") == [
        ("gpt-4o", 100, 20, "search")]
    assert con.execute("SELECT line_no, field FROM rejects").fetchall() == [(3, "input_tokens")]

    parquet = tmp_path / "inhouse.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT TIMESTAMP '2026-03-02 10:00:00' AS ts, "
        f"{{'in': 7, 'out': 3}} AS usage, 'gpt-4o' AS m) TO '{parquet}' (FORMAT parquet)")
    mapping = ColumnMap.parse(["timestamp=ts", "model=m", "input_tokens=usage.in",
                               "output_tokens=usage.out"])
    con, _, _ = load([parquet], IngestOptions(column_map=mapping))
    assert rows(con, "ts, input_tokens, output_tokens") == [(datetime(2026, 3, 2, 10, 0), 7, 3)]


@pytest.mark.parametrize("item", ["input_tokens", "bogus=x", "model=a'b", "model=a;drop"])
def test_bad_column_maps_are_refused(item):
    with pytest.raises(InputError):
        ColumnMap.parse([item])


def test_forced_source_and_unknown_source(write_log):
    log = write_log([{"timestamp": T0, "input_length": 5, "output_length": 1}])
    _, files, _ = load([log])
    assert files[0].source == "mooncake-trace"
    # Forced to canonical, the same record has none of the canonical token fields.
    with pytest.raises(InputError, match="no token counts and no text to count"):
        load([log], IngestOptions(source="canonical"))
    with pytest.raises(InputError, match="unknown source 'nope'"):
        load([log], IngestOptions(source="nope"))


def test_a_trace_is_read_again_when_its_model_changes(tmp_path):
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"timestamp": 0, "input_length": 5, "output_length": 1}\n')
    con = db.connect(tmp_path / "plan.duckdb")
    _, first, _ = load([trace], IngestOptions(model="gpt-4o"), con)
    _, again, _ = load([trace], IngestOptions(model="gpt-4o"), con)
    _, other, _ = load([trace], IngestOptions(model="gpt-4o-mini"), con)
    assert (first[0].reused, again[0].reused, other[0].reused) == (False, True, False)
    assert con.execute("SELECT model FROM requests").fetchall() == [("gpt-4o-mini",)]


def test_a_malformed_json_document_is_one_error_naming_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"a": 1},\n{"a": ]')
    with pytest.raises(InputError, match=r"broken\.json: cannot read"):
        load([path])


def _attrs(**values):
    """OTLP/JSON attributes; ints are written as strings, as OTLP/JSON does for 64-bit ints."""
    out = []
    for key, v in values.items():
        value = {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}
        out.append({"key": key.replace("__", "."), "value": value})
    return out


def _export(service, *spans):
    return {"resourceSpans": [{"resource": {"attributes": _attrs(service__name=service)},
                               "scopeSpans": [{"scope": {"name": "otel"}, "spans": list(spans)}]}]}


def test_otel_genai_spans(write_log):
    t0 = "1772445600000000000"  # 2026-03-02T10:00:00Z in ns
    chat = {"spanId": "s1", "name": "chat", "startTimeUnixNano": t0, "status": {},
            "attributes": _attrs(**{
                "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
                "gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 40,
                "gen_ai.usage.cache_read.input_tokens": 100,
                "gen_ai.usage.reasoning.output_tokens": 10})}
    http = {"spanId": "s2", "name": "GET /search", "startTimeUnixNano": t0,
            "attributes": _attrs(http__method="GET")}
    failed = {"spanId": "s3", "name": "chat", "startTimeUnixNano": t0,
              "status": {"code": 2, "message": "rate limited"},
              "attributes": _attrs(**{"gen_ai.request.model": "gpt-4o"})}
    older = {"spanId": "s4", "name": "chat", "startTimeUnixNano": t0,
             "attributes": _attrs(**{"gen_ai.request.model": "gpt-4o-mini",
                                     "gen_ai.usage.prompt_tokens": 7,
                                     "gen_ai.usage.completion_tokens": 3})}
    log = write_log([_export("search-api", chat, http, failed), "garbage",
                     _export("mail-bot", older)])
    con, files, scope = load([log])
    assert files[0].source == "otel"
    assert rows(con, "model, input_tokens, output_tokens, cached_input_tokens, "
                     "reasoning_tokens, workload_tag, ts, request_id") == [
        ("gpt-4o-2024-08-06", 120, 40, 100, 10, "search-api", datetime(2026, 3, 2, 10), "s1"),
        ("gpt-4o-mini", 7, 3, 0, 0, "mail-bot", datetime(2026, 3, 2, 10), "s4"),
    ]
    i = scope.ingest
    # Records are the GenAI spans (3) and the line that is not an export request (1); the
    # HTTP span is skipped, not read.
    assert (i.read, i.accepted, i.failed, i.rejected, i.skipped) == (4, 2, 1, 1, 1)
    assert i.failure_reasons[0].reason == "span status ERROR: rate limited"
    assert i.reject_reasons[0].reason == "not valid JSON"


# The attribute names instrumentations wrote before the conventions' dotted cache names (read
# from their source): OpenLLMetry (traceloop semconv_ai: gen_ai.usage.cache_read_input_tokens,
# cache_creation_input_tokens, gen_ai.usage.reasoning_tokens / llm.usage.reasoning_tokens; its
# input count includes both cache counts) and pydantic-ai / Logfire (gen_ai.usage.details.*).
OLDER_NAMES = [
    ("gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cache_creation_input_tokens",
     "gen_ai.usage.reasoning_tokens"),
    ("gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.cache_creation_input_tokens",
     "llm.usage.reasoning_tokens"),
    ("gen_ai.usage.details.cache_read_tokens", "gen_ai.usage.details.cache_write_tokens",
     "gen_ai.usage.details.reasoning_tokens"),
]


@pytest.mark.parametrize(("read", "write", "reasoning"), OLDER_NAMES)
def test_otel_cache_counts_under_older_attribute_names(write_log, read, write, reasoning):
    counts = {"gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 90,
              read: 1000, write: 150, reasoning: 30}
    span = {"spanId": "s1", "name": "chat", "startTimeUnixNano": "1772445600000000000",
            "attributes": _attrs(**{"gen_ai.request.model": "claude-sonnet-4-5", **counts})}
    con, files, _ = load([write_log([_export("agent", span)])])
    assert rows(con, "input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, "
                     "reasoning_tokens") == [(counts["gen_ai.usage.input_tokens"],
                                              counts["gen_ai.usage.output_tokens"],
                                              counts[read], counts[write], counts[reasoning])]


def test_an_offset_trace_beside_dated_logs_is_warned_of(run, tmp_path):
    """A Mooncake trace (ms offsets) with no --trace-start sits at 1970; beside a log of 2026 the
    window runs 56 years and every monthly figure is spread over it: warned, naming the trace
    and the window; with --trace-start the window is the logs' own and nothing is warned."""
    trace = tmp_path / "trace.jsonl"
    trace.write_text('{"timestamp": 0, "input_length": 5, "output_length": 1}\n'
                     '{"timestamp": 60000, "input_length": 7, "output_length": 2}\n')
    dated = tmp_path / "dated.jsonl"
    dated.write_text('{"timestamp": "2026-03-02T10:00:00Z", "model": "gpt-4o", '
                     '"input_tokens": 5, "output_tokens": 1}\n')
    res = run("analyze", str(trace), str(dated), "--db", ":memory:", "-f", "json")
    warned = [w for w in json.loads(res.stdout)["warnings"] if "timed as offsets" in w]
    # 1970-01-01 to 2026-01-01: 56 x 365 + 14 leap days = 20,454; + 31 + 28 + 1 = 20,514 days
    # to 2026-03-02, + 10 hours: 20,514.4 days
    assert len(warned) == 1 and str(trace) in warned[0] and "20,514.4 days" in warned[0]
    res = run("analyze", str(trace), str(dated), "--db", ":memory:", "-f", "json",
              "--trace-start", "2026-03-02T09:00:00Z")
    assert not [w for w in json.loads(res.stdout)["warnings"] if "timed as offsets" in w]


def test_a_blank_workload_name_or_tag_is_none(run, tmp_path):
    """A workload field or metadata tag that is empty or blank names no workload: the request
    falls to the next source of a name (here its model), not to a workload called ''."""
    log = tmp_path / "blank.jsonl"
    log.write_text("\n".join(json.dumps(r) for r in (
        {"timestamp": "2026-03-02T10:00:00Z", "model": "gpt-4o", "workload": "",
         "input_tokens": 5, "output_tokens": 1},
        {"timestamp": "2026-03-02T10:01:00Z", "model": "gpt-4o", "workload": "  ",
         "input_tokens": 5, "output_tokens": 1},
        {"timestamp": "2026-03-02T10:02:00Z", "model": "gpt-4o", "metadata": {"workload": ""},
         "input_tokens": 5, "output_tokens": 1},
        {"timestamp": "2026-03-02T10:03:00Z", "model": "gpt-4o", "workload": "named",
         "input_tokens": 5, "output_tokens": 1})) + "\n")
    res = run("analyze", str(log), "--db", ":memory:", "-f", "json")
    assert res.exit_code == 0, res.stderr
    requests = {w["workload"]: w["requests"] for w in json.loads(res.stdout)["workloads"]}
    assert requests == {"model:gpt-4o": 3, "named": 1}
