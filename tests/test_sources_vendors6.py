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
from pathlib import Path

import pytest

from planner import db
from planner.stages import ingest
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
