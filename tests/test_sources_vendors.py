"""Real recordings of the vendors added in issue 17 (tests/fixtures/real, written by others):
plan reads each file unchanged and auto-detected, and its request count and input / output /
cache-read / cache-write / reasoning totals equal what this test computes from the file with
plain `json`, following each vendor's documented usage fields (DOMAIN.md "Token accounting":
input includes cache reads and writes, output includes reasoning)."""

from __future__ import annotations

import json
from pathlib import Path

from planner import db, ingest
from tests.test_sources_real import sse_events

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors"
KEYS = ("requests", "input", "output", "cached", "cache_write", "reasoning")


def plan_totals(*paths: Path) -> tuple[dict[str, int], list[ingest.IngestedFile]]:
    """plan's totals over the accepted requests of the files, and how each file was read."""
    con = db.connect(":memory:")
    files = ingest.ingest(con, list(paths))
    row = con.execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), "
        "sum(cache_write_tokens), sum(reasoning_tokens) FROM requests").fetchone()
    assert row is not None
    return {k: int(v or 0) for k, v in zip(KEYS, row, strict=True)}, files


def add(total: dict[str, int], **parts: int) -> None:
    total["requests"] += 1
    for k, v in parts.items():
        total[k] += v


def zero() -> dict[str, int]:
    return dict.fromkeys(KEYS, 0)


# --- Groq: OpenAI chat accounting; a stream's usage is in the last chunk's x_groq.usage -------

def test_groq_stream_usage_is_read_from_x_groq():
    want = zero()
    streams = 0
    for line in (REAL / "groq_vcr.derived.jsonl").read_text(encoding="utf-8").splitlines():
        body = json.loads(line)["response_body"]
        if isinstance(body, str):
            streams += 1
            u = [e["x_groq"]["usage"] for e in sse_events(body)
                 if isinstance((e.get("x_groq") or {}).get("usage"), dict)][-1]
        else:
            u = body["usage"]
        add(want, input=u["prompt_tokens"], output=u["completion_tokens"])
    got, files = plan_totals(REAL / "groq_vcr.derived.jsonl")
    assert files[0].source == "http-capture" and files[0].rejected == 0
    assert streams == 1 and got == want
    assert want == {"requests": 13, "input": 234, "output": 745, "cached": 0, "cache_write": 0,
                    "reasoning": 0}


# --- Anthropic compaction: usage.iterations lists every pass; the request is their sum --------

def anthropic_usage(body: dict | str) -> dict:
    if isinstance(body, dict):
        return body["usage"]
    events = sse_events(body)
    usage = dict(next(e for e in events if e.get("type") == "message_start")["message"]["usage"])
    for e in events:
        if e.get("type") == "message_delta":
            usage.update(e.get("usage") or {})
    return usage


def test_anthropic_compaction_iterations_are_summed():
    want = zero()
    for line in (REAL / "anthropic_compaction_vcr.derived.jsonl").read_text(
            encoding="utf-8").splitlines():
        u = anthropic_usage(json.loads(line)["response_body"])
        passes = u.get("iterations") or [u]
        reads = sum(p.get("cache_read_input_tokens") or 0 for p in passes)
        writes = sum(p.get("cache_creation_input_tokens") or 0 for p in passes)
        add(want, input=sum(p["input_tokens"] for p in passes) + reads + writes,
            output=sum(p["output_tokens"] for p in passes), cached=reads, cache_write=writes)
    got, files = plan_totals(REAL / "anthropic_compaction_vcr.derived.jsonl")
    assert files[0].source == "http-capture" and files[0].rejected == 0
    assert got == want
    # The stream of issue 17: 55,377 in (55,096 cache reads), 91 out; not 181 in / 8 out.
    stream = [json.loads(x) for x in (REAL / "anthropic_compaction_vcr.derived.jsonl")
              .read_text(encoding="utf-8").splitlines()][-1]
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / "anthropic_compaction_vcr.derived.jsonl"])
    assert isinstance(stream["response_body"], str)
    assert con.execute("SELECT input_tokens, cached_input_tokens, output_tokens FROM requests "
                       "ORDER BY line_no DESC LIMIT 1").fetchone() == (55377, 55096, 91)
