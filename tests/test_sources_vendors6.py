"""Gemini and Vertex AI responses recorded by googleapis/js-genai's replay tests, read three ways
(tests/fixtures/real/vendors6, written by others; README there): as HTTP captures, and as
google-genai's Python SDK dumps them (`model_dump_json()` per response or stream chunk, and
`model_dump(mode="json", exclude_none=True)` as one JSON array), each compared with a plain
`json` reader. The SDK dumps were refused before (a --map hint); streams whose server-side MCP
tool closed a turn before their end (two chunks with a finishReason, one responseId) were
counted by their first such chunk, the function call's, instead of their last (three streams:
input 1,887 instead of 4,179, the tool-use prompts; output 549 instead of 1,855; 901 cached
tokens left out)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from planner import db
from planner.stages import discover, ingest
from tests.test_sources_streams import FAILED, KEYS, usage

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors6"
HTTP = "js_genai_replays.derived.jsonl"
DUMPS = ["js_genai_sdk_dump.jsonl", "js_genai_sdk_dump_exclude_none.json"]


def _records(path: Path) -> list[dict]:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _sdk_usage(record: dict) -> dict[str, int]:
    """An SDK dump's counts, the API's accounting in snake_case: input = prompt (cached content
    included) + tool-use prompt; output = candidates + thoughts."""
    u = record["usage_metadata"]
    thoughts = u.get("thoughts_token_count") or 0
    return {"input": u["prompt_token_count"] + (u.get("tool_use_prompt_token_count") or 0),
            "output": (u.get("candidates_token_count") or 0) + thoughts,
            "cached": u.get("cached_content_token_count") or 0, "reasoning": thoughts}


def _plain_dumps(records: list[dict]) -> tuple[dict[str, int], int, int]:
    """Totals over the responses, each responseId once with its last finished chunk's counts
    (every chunk counts the stream so far); how many chunks came before a finished one (no
    finish_reason: not requests) and how many finished chunks repeat an id."""
    last: dict[str, dict[str, int]] = {}
    chunks = repeats = 0
    for r in records:
        if r["candidates"] and r["candidates"][0].get("finish_reason") is None:
            chunks += 1
            continue
        repeats += r["response_id"] in last
        last[r["response_id"]] = _sdk_usage(r)
    want = {k: sum(u[k] for u in last.values()) for k in ("input", "output", "cached",
                                                          "reasoning")}
    return {"requests": len(last), **want}, chunks, repeats


def _plan(run: Callable, path: Path) -> tuple[dict[str, int], dict]:
    res = run("analyze", str(path), "--db", ":memory:", "--format", "json")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    w = report["workloads"]
    got = {"requests": sum(x["requests"] for x in w),
           "input": sum(x["input_tokens"] for x in w),
           "output": sum(x["output_tokens"] for x in w),
           "cached": sum(x["cached_input_tokens"] for x in w)}
    return got, report["ingest"]


@pytest.mark.parametrize("name", DUMPS)
def test_gemini_sdk_dumps_are_read_as_a_plain_reader_reads_them(run, name):
    records = _records(REAL / name)
    want, chunks, repeats = _plain_dumps(records)
    got, ingested = _plan(run, REAL / name)
    [f] = ingested["files"]
    assert f["source"] == "gemini-sdk" and f["read"] == len(records)
    assert (f["accepted"], f["rejected"], f["failed"]) == (want["requests"], chunks, 0)
    assert ingested["duplicates"] == repeats
    assert got == {k: want[k] for k in got}
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / name])
    # the time: the Date header the SDK kept (Vertex AI's create_time is the same second)
    dates = {r["response_id"]: r["sdk_http_response"]["headers"]["date"] for r in records}
    for rid, ts, reasoning in con.execute(
            "SELECT request_id, ts, reasoning_tokens FROM requests").fetchall():
        assert ts.strftime("%a, %d %b %Y %H:%M:%S GMT") == dates[rid]
        assert reasoning >= 0


def test_a_stream_closing_a_turn_before_its_end_counts_its_last_chunk(run, tmp_path):
    """The server-side MCP streams: two finished chunks with one id, the second counting the
    tool's prompt, the cached content and the reply (their first one was counted before)."""
    records = _records(REAL / DUMPS[0])
    finished = [r for r in records if r["candidates"][0].get("finish_reason")]
    ids = [r["response_id"] for r in finished]
    finished = [r for r in finished if ids.count(r["response_id"]) > 1]
    assert len(finished) == 6
    first = {r["response_id"]: _sdk_usage(r) for r in reversed(finished)}
    last = {r["response_id"]: _sdk_usage(r) for r in finished}
    assert sum(u["input"] for u in first.values()) == 21 + 1844 + 22  # (as read before)
    assert sum(u["input"] for u in last.values()) == 21 + 234 + 1844 + 1934 + 22 + 124
    path = tmp_path / "mcp_streams.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in finished), encoding="utf-8")
    got, ingested = _plan(run, path)
    assert (ingested["accepted"], ingested["duplicates"]) == (3, 3)
    assert got == {"requests": 3, **{k: sum(u[k] for u in last.values())
                                     for k in ("input", "output", "cached")}}
    assert got["cached"] == 901 and got["output"] == 445 + 213 + 432 + 91 + 101 + 573


def _plain_http(path: Path) -> tuple[dict[str, int], int, int]:
    """tests/test_sources_streams.py's reader, a recorded stream without body segments (null)
    being a line that bills nothing."""
    want, failed, none, ids = dict.fromkeys(KEYS, 0), 0, 0, set()
    for rec in _records(path):
        body = rec["response_body"]
        parts, rid = ((FAILED, None) if rec["status"] >= 400 else
                      (None, None) if body is None else usage(body))
        if parts is FAILED:
            failed += 1
        elif parts is None:
            none += 1
        elif rid not in ids:
            ids.add(rid)
            want["requests"] += 1
            for k, v in parts.items():
                want[k] += v
    return want, failed, none


def test_js_genai_replays_as_http_captures_equal_a_plain_reader():
    want, failed, none = _plain_http(REAL / HTTP)
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [REAL / HTTP])
    row = con.execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), "
        "sum(cache_write_tokens), sum(reasoning_tokens) FROM (SELECT DISTINCT ON "
        "(coalesce(request_id, line_no::VARCHAR)) * FROM requests)").fetchone()
    assert row is not None
    assert dict(zip(KEYS, (int(v or 0) for v in row), strict=True)) == want
    assert (f.source, f.failed, f.rejected) == ("http-capture", failed, none)
    assert want["cached"] > 0 and want["reasoning"] > 0 and none >= 3  # (countTokens and alike)


VERTEX_BATCH = "litellm_docs_vertex_batch_predictions.jsonl"


def test_a_vertex_batch_request_in_snake_case_keeps_its_system_instruction(run):
    """Vertex AI echoes each batch request as it was sent: here `system_instruction` (the
    request's proto field name, which Vertex accepts beside systemInstruction). It was not
    read: both requests fell into one workload, model:gemini-2.5-flash-lite, instead of one per
    system prompt."""
    records = _records(REAL / VERTEX_BATCH)
    got, ingested = _plan(run, REAL / VERTEX_BATCH)
    [f] = ingested["files"]
    u = [r["response"]["usageMetadata"] for r in records]
    assert f["source"] == "vertex-batch" and (f["accepted"], f["rejected"]) == (2, 0)
    assert got == {"requests": 2, "input": sum(x["promptTokenCount"] for x in u),
                   "output": sum(x["candidatesTokenCount"] for x in u), "cached": 0}
    res = run("analyze", str(REAL / VERTEX_BATCH), "--db", ":memory:", "--format", "json")
    workloads = sorted(w["workload"] for w in json.loads(res.stdout)["workloads"])
    assert len({r["request"]["system_instruction"]["parts"][0]["text"] for r in records}) == 2
    assert len(workloads) == 2 and all(w.startswith("system-prompt:") for w in workloads)


VENDORS = Path(__file__).parent / "fixtures" / "real" / "vendors"
GIVEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _bedrock_batch_output() -> list[dict]:
    """AWS Bedrock batch inference output as its documentation gives it (docs.aws.amazon.com/
    bedrock/latest/userguide/batch-inference-results.html: {recordId, modelInput, modelOutput},
    an `error` object in place of modelOutput for a record that failed), around real calls
    recorded by others: each InvokeModel (Anthropic, Llama, Nova, Titan) and Converse call's
    request body as modelInput, its response body as modelOutput; and the page's own failed
    line. (No real output file with a licence was found.)"""
    lines = []
    for name, tail in (("bedrock_openllmetry.derived.jsonl", "/invoke"),
                       ("bedrock_converse_pydantic_ai.derived.jsonl", "/converse")):
        for rec in _records(VENDORS / name):
            if rec["status"] == 200 and rec["uri"].endswith(tail) \
                    and isinstance(rec["response_body"], dict):
                lines.append({"recordId": f"REC{len(lines):08d}", "modelInput":
                              rec["request_body"], "modelOutput": rec["response_body"]})
    return [*lines, {"recordId": "1223213ABCD", "modelInput": {"inputText": "Hello world"},
                     "error": {"errorCode": 400, "errorMessage": "bad request"}}]


def test_bedrock_batch_output_equals_a_plain_reader_given_its_time(tmp_path):
    """It was read as canonical records, every line rejected ('timestamp: missing')."""
    lines = _bedrock_batch_output()
    path = tmp_path / "input.jsonl.out"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    want, none = dict.fromkeys(KEYS, 0), 0
    for x in lines[:-1]:
        parts, _ = usage(x["modelOutput"])
        none += parts is None
        for k, v in (parts or {}).items():
            want[k] += v
    want["requests"] = len(lines) - 1 - none
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path], ingest.IngestOptions(trace_start=GIVEN))
    row = con.execute("SELECT count(*), sum(input_tokens), sum(output_tokens), "
                      "sum(cached_input_tokens), sum(cache_write_tokens), sum(reasoning_tokens) "
                      "FROM requests").fetchone()
    assert row is not None
    assert dict(zip(KEYS, (int(v or 0) for v in row), strict=True)) == want
    assert (f.source, f.lines_read, f.failed, f.rejected) == ("bedrock-batch", len(lines), 1,
                                                              none)
    assert want["requests"] >= 15 and want["cached"] > 0 and want["cache_write"] > 0
    models = {m for (m,) in con.execute("SELECT DISTINCT model FROM requests").fetchall()}
    assert {x["modelOutput"].get("model") for x in lines[:-1]} - {None} <= models
    assert {t for (t,) in con.execute("SELECT DISTINCT service_tier FROM requests").fetchall()} \
        == {"batch"}
    # a job's output folder: its .jsonl.out files are logs, its manifest.json.out is not
    (tmp_path / "manifest.json.out").write_text('{"totalRecordCount": 1}', encoding="utf-8")
    found = discover.discover([str(tmp_path)])
    assert [p.name for p in found.files] == ["input.jsonl.out"]
    # without --trace-start: every line rejected, saying how to give the time
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    reasons = {r for (r,) in con.execute("SELECT DISTINCT reason FROM rejects").fetchall()}
    assert f.rejected + f.failed == f.lines_read
    assert any("--trace-start" in r for r in reasons)
