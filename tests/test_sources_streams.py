"""More real recordings of issue 17's vendors (tests/fixtures/real/vendors, written by others):
Bedrock event streams (ConverseStream, InvokeModelWithResponseStream), OpenAI Responses streams
as OpenRouter and DeepSeek serve them, Cohere v1 / v2 calls, streams and embeddings, Titan
embeddings. Each file is read by plan unchanged and auto-detected; its request count and input /
output / cache-read / cache-write / reasoning totals equal what `plain_totals` computes from the
file with plain `json`, from each vendor's documented usage fields (DOMAIN.md "Token
accounting": input includes cache reads and writes, output includes reasoning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner import db
from planner.stages import ingest

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors"
KEYS = ("requests", "input", "output", "cached", "cache_write", "reasoning")
FAILED: dict[str, int] = {}  # what `usage` gives a stream that ends in an error


def sse(text: str) -> list[dict]:
    """The events of a stream recorded as text: server-sent events, or (Cohere v1) JSON lines."""
    if text.startswith("{"):
        return [json.loads(x) for x in text.splitlines() if x.strip()]
    out = []
    for line in text.splitlines():
        if line.startswith("data:"):
            try:
                event = json.loads(line[5:].strip())
            except ValueError:
                continue  # "[DONE]"
            if isinstance(event, dict):
                out.append(event)
    return out


def _last(events: list[dict], *path: str) -> dict | None:
    """The last event's object at `path` (a dict), or None."""
    found = None
    for e in events:
        value: object = e
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, dict):
            found = value
    return found


def _counts(u: dict, key: str, alias: str = "") -> int:
    """A count that may be missing (0), under its name or an alias of it."""
    return int(u.get(key, u.get(alias)) or 0)


def usage(body: object) -> tuple[dict[str, int] | None, str | None]:
    """One recorded response body's (input, output, cached, cache_write, reasoning), and its
    id (a response recorded twice is one request); None when it bills no tokens."""
    events = sse(body) if isinstance(body, str) else body if isinstance(body, list) else None
    if events is not None:
        if any(isinstance(e.get("error"), dict) for e in events):
            return FAILED, None  # the provider failed mid-stream (OpenRouter, Groq)
        return _stream_usage(events)
    assert isinstance(body, dict)
    u = body.get("usage") or {}
    if (body.get("promptFeedback") or {}).get("blockReason"):
        return FAILED, None  # Gemini refused the prompt: a failed request, nothing billed
    if "usageMetadata" in body:
        return _gemini(body["usageMetadata"]), body.get("responseId")
    if body.get("object") == "interaction" and u:  # Gemini Interactions API
        return _interaction(u), body.get("id")
    if body.get("type") == "message":
        return _anthropic(u), body.get("id")
    if "prompt_token_count" in body:  # Meta Llama on Bedrock
        return {"input": body["prompt_token_count"],
                "output": body["generation_token_count"]}, None
    if body.get("object") in ("response", "response.compaction") and u:
        return _responses(u), body.get("id")
    billed = u.get("billed_units") or (body.get("meta") or {}).get("billed_units")
    if billed and "input_tokens" in billed:  # Cohere (an embedding bills its input only)
        return {"input": billed["input_tokens"], "output": billed.get("output_tokens", 0)}, \
            body.get("id")
    if "inputTokens" in u:  # Bedrock Converse: inputTokens excludes the cache counts
        return _converse(u), None
    if "inputTextTokenCount" in body:  # Titan: an embedding has no results
        out = sum(r["tokenCount"] for r in body.get("results") or [])
        return {"input": int(body["inputTextTokenCount"]), "output": int(out)}, None
    if body.get("object") == "list" and "prompt_tokens" in u:  # embeddings: input only
        return {"input": u["prompt_tokens"], "output": 0}, None
    if "prompt_tokens" in u:  # OpenAI chat (OpenRouter, DeepSeek, Groq)
        return _chat(u), body.get("id")
    return None, None


def _gemini(u: dict) -> dict[str, int] | None:
    """promptTokenCount includes the cached content; tool-use prompts are input too; output is
    candidates + thoughts."""
    if "promptTokenCount" not in u:
        return None  # a blocked prompt: nothing billed
    thoughts = u.get("thoughtsTokenCount", 0)
    return {"input": u["promptTokenCount"] + u.get("toolUsePromptTokenCount", 0),
            "output": u.get("candidatesTokenCount", 0) + thoughts,
            "cached": u.get("cachedContentTokenCount", 0), "reasoning": thoughts}


def _interaction(u: dict) -> dict[str, int]:
    """The Interactions API's usage: Gemini's accounting (input includes the cached part,
    tool-use prompts are input too; output is output + thoughts), spelled total_*."""
    thoughts = u.get("total_thought_tokens", 0)
    return {"input": u["total_input_tokens"] + u.get("total_tool_use_tokens", 0),
            "output": u.get("total_output_tokens", 0) + thoughts,
            "cached": u.get("total_cached_tokens", 0), "reasoning": thoughts}


def _anthropic(u: dict) -> dict[str, int]:
    """input_tokens excludes cache reads and writes; compaction lists every pass in
    `iterations`, which the request is the sum of; output_tokens_details.thinking_tokens is
    the part of output_tokens spent thinking (newer responses)."""
    passes = u.get("iterations") or [u]
    reads = sum(_counts(p, "cache_read_input_tokens") for p in passes)
    writes = sum(_counts(p, "cache_creation_input_tokens") for p in passes)
    thinking = (u.get("output_tokens_details") or {}).get("thinking_tokens") or 0
    return {"input": sum(p["input_tokens"] for p in passes) + reads + writes,
            "output": sum(p["output_tokens"] for p in passes), "cached": reads,
            "cache_write": writes, "reasoning": thinking}


def _responses(u: dict) -> dict[str, int]:
    return {"input": u["input_tokens"], "output": u["output_tokens"],
            "cached": (u.get("input_tokens_details") or {}).get("cached_tokens", 0),
            "reasoning": (u.get("output_tokens_details") or {}).get("reasoning_tokens", 0)}


def _converse(u: dict) -> dict[str, int] | None:
    reads = _counts(u, "cacheReadInputTokens", "cacheReadInputTokenCount")
    writes = _counts(u, "cacheWriteInputTokens", "cacheWriteInputTokenCount")
    given = u.get("inputTokens", u.get("inputTokenCount"))
    out = u.get("outputTokens", u.get("outputTokenCount"))
    if given is None or out is None:
        return None
    return {"input": given + reads + writes, "output": out, "cached": reads,
            "cache_write": writes}


def _chat(u: dict) -> dict[str, int]:
    details = u.get("prompt_tokens_details") or {}
    reasoning = (u.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    output = u["completion_tokens"]
    if reasoning and u.get("total_tokens") == u["prompt_tokens"] + output + reasoning:
        output += reasoning  # xAI: completion_tokens leaves the reasoning out of its count
    reads = details.get("cached_tokens") or u.get("prompt_cache_hit_tokens") or 0
    writes = details.get("cache_write_tokens") or 0
    if reads + writes > u["prompt_tokens"]:
        writes = 0  # OpenRouter to Gemini: a cache written and read at once bills storage
    return {"input": u["prompt_tokens"], "output": output, "cached": reads,
            "cache_write": writes, "reasoning": reasoning}


def _stream_usage(events: list[dict]) -> tuple[dict[str, int] | None, str | None]:
    start = next((e for e in events if e.get("type") == "message_start"), None)
    if start is not None:  # Anthropic (also as Bedrock InvokeModel stream chunks)
        u = dict(start["message"]["usage"])
        for e in events:
            if e.get("type") == "message_delta":
                u.update(e.get("usage") or {})
        return _anthropic(u), start["message"]["id"]
    interaction = _last(events, "interaction", "usage")
    if interaction is not None:  # Gemini Interactions: interaction.completed
        return _interaction(interaction), events[0]["interaction"]["id"]
    gemini = _last(events, "usageMetadata")
    if gemini is not None:  # each chunk has the total so far: the last one's
        return _gemini(gemini), events[0].get("responseId")
    done = _last(events, "response", "usage")
    if done is not None:  # OpenAI Responses: response.completed
        return _responses(done), events[0]["response"]["id"]
    cohere = _last(events, "delta", "usage") or _last(events, "response", "meta")
    if cohere is not None:  # Cohere v2: message-end; v1: stream-end's response.meta
        billed = cohere["billed_units"]
        return {"input": billed["input_tokens"], "output": billed["output_tokens"]}, None
    bedrock = _last(events, "metadata", "usage") or _last(
        events, "amazon-bedrock-invocationMetrics")
    if bedrock is not None:  # ConverseStream / InvokeModelWithResponseStream
        return _converse(bedrock), None
    chat = _last(events, "usage") or _last(events, "x_groq", "usage")  # Groq: x_groq.usage
    return (_chat(chat), events[0].get("id")) if chat else (None, None)


def _header_usage(headers: dict) -> dict[str, int] | None:
    """Bedrock's x-amzn-bedrock-*-token-count response headers (any case), as Converse's usage."""
    h = {k.lower(): v[0] if isinstance(v, list) else v for k, v in headers.items()}
    if "x-amzn-bedrock-input-token-count" not in h:
        return None
    return _converse({
        "inputTokens": int(h["x-amzn-bedrock-input-token-count"]),
        "outputTokens": int(h.get("x-amzn-bedrock-output-token-count", 0)),
        "cacheReadInputTokens": int(h.get("x-amzn-bedrock-cache-read-input-token-count", 0)),
        "cacheWriteInputTokens": int(h.get("x-amzn-bedrock-cache-write-input-token-count", 0))})


def plain_totals(path: Path) -> tuple[dict[str, int], int, int]:
    """The file's totals over its billed requests (each response id once), its failed
    requests (HTTP status 400 and above) and its lines that bill no tokens."""
    want, failed, none, ids = dict.fromkeys(KEYS, 0), 0, 0, set()
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        parts, rid = usage(rec["response_body"]) if rec["status"] < 400 else (FAILED, None)
        if parts is None:  # Bedrock InvokeModel: the counts in the response headers
            parts = _header_usage(rec.get("response_headers") or {})
        if parts is FAILED:
            failed += 1
            continue
        if parts is None:
            none += 1
            continue
        if rid is not None and rid in ids:
            continue
        ids.add(rid)
        want["requests"] += 1
        for k, v in parts.items():
            want[k] += v
    return want, failed, none


def plan_totals(path: Path) -> tuple[dict[str, int], ingest.IngestedFile]:
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    row = con.execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), "
        "sum(cache_write_tokens), sum(reasoning_tokens) FROM (SELECT DISTINCT ON "
        "(coalesce(request_id, line_no::VARCHAR)) * FROM requests)").fetchone()
    assert row is not None
    return {k: int(v or 0) for k, v in zip(KEYS, row, strict=True)}, f


if __name__ == "__main__":  # compare plan with the plain reader on other capture files
    import sys

    for name in sys.argv[1:]:
        want, failed, none = plain_totals(Path(name))
        got, f = plan_totals(Path(name))
        same = "ok  " if got == want and f.failed == failed else "DIFF"
        print(same, name, f.lines_read, "plain", want, failed, none, "plan", got, f.failed,
              f.rejected)


# (file, how many of its lines are streams, at least)
FILES = [("bedrock_streams_vcr.derived.jsonl", 15), ("responses_streams_vcr.derived.jsonl", 4),
         ("cohere_more_vcr.derived.jsonl", 4)]


@pytest.mark.parametrize(("name", "streams"), FILES)
def test_totals_equal_a_plain_reader(name, streams):
    records = [json.loads(x) for x in (REAL / name).read_text(encoding="utf-8").splitlines()]
    assert sum(isinstance(r["response_body"], (str, list)) for r in records) >= streams
    want, failed, none = plain_totals(REAL / name)
    got, f = plan_totals(REAL / name)
    assert f.source == "http-capture" and f.lines_read == len(records)
    assert got == want
    # a line that bills no tokens (a count-tokens call, a rerank, a body that is only a
    # placeholder) is rejected, never counted
    assert (f.failed, f.rejected) == (failed, none)


def test_bedrock_event_streams_are_read():
    """ConverseStream's `metadata.usage` and an InvokeModel stream's invocation metrics; the
    model is the one in the URI."""
    con = db.connect(":memory:")
    ingest.ingest(con, [REAL / "bedrock_streams_vcr.derived.jsonl"])
    rows = con.execute("SELECT model, input_tokens, output_tokens FROM requests "
                       "WHERE line_no = ?", [_line_of("converse-stream", "nova")]).fetchall()
    body = _record(_line_of("converse-stream", "nova"))["response_body"]
    u = next(e["metadata"]["usage"] for e in body if "metadata" in e)
    assert rows == [("amazon.nova-lite-v1:0", u["inputTokens"], u["outputTokens"])]


def _record(line_no: int) -> dict:
    lines = (REAL / "bedrock_streams_vcr.derived.jsonl").read_text(encoding="utf-8").splitlines()
    return json.loads(lines[line_no - 1])


def _line_of(*parts: str) -> int:
    lines = (REAL / "bedrock_streams_vcr.derived.jsonl").read_text(encoding="utf-8").splitlines()
    return next(n for n, x in enumerate(lines, 1)
                if all(p in json.loads(x)["uri"] for p in parts))


def test_a_binary_body_placeholder_is_rejected_with_its_reason(tmp_path):
    line = {"uri": "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0"
            "/converse-stream", "status": 200, "timestamp": "2026-02-01T00:00:00Z",
            "request_body": {"messages": []}, "response_body": "[binary body, 5369 bytes]"}
    path = tmp_path / "capture.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    assert (f.lines_read, f.rejected) == (1, 1)
    [(reason,)] = con.execute("SELECT reason FROM rejects").fetchall()
    assert "binary response body" in reason
