"""LiteLLM proxy completions and OpenRouter's charges beyond inference, on real recordings
(tests/fixtures/real/vendors7, written by others; README there). A LiteLLM proxy answers every
model in the OpenAI chat shape; for an Anthropic model its usage keeps the cache writes only as
the top-level `cache_creation_input_tokens` (older versions: also
`prompt_tokens_details.cache_creation_tokens`), `prompt_tokens` including them and the reads
(litellm's `calculate_usage`; docs.litellm.ai "Prompt Caching"). plan read such a completion's
writes as uncached input before. Each total here is recomputed with plain `json`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from planner import db
from planner.outputs.formats import to_json
from planner.pipeline import AnalyzeOptions, analyze
from planner.stages import ingest
from tests.test_sources_streams import plain_totals, plan_totals, usage

REAL = Path(__file__).parent / "fixtures" / "real" / "vendors7"
LITELLM = REAL / "dd_trace_litellm_proxy_anthropic_vcr.derived.jsonl"
COLUMNS = ("input", "output", "cached", "cache_write")


def _records(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_litellm_proxy_recordings_equal_a_plain_reader():
    """The proxy's own completions and streams (OpenAI models) and the Anthropic calls LiteLLM
    made for the same tests (cache writes, 1-hour ones among them)."""
    want, failed, none = plain_totals(LITELLM)
    got, f = plan_totals(LITELLM)
    assert got == want and (f.failed, f.rejected, none) == (failed, 0, 0)
    assert want["cache_write"] > 2000 and want["requests"] == 7


def _as_litellm(message: dict, details: bool) -> dict:
    """The chat completion a LiteLLM proxy returns for this Anthropic message (litellm's
    calculate_usage: prompt_tokens = input + cache writes + cache reads; the reads as
    prompt_tokens_details.cached_tokens, the writes at the top level and, when `details`, as
    prompt_tokens_details.cache_creation_tokens with their TTL split)."""
    u = message["usage"]
    writes, reads = u.get("cache_creation_input_tokens") or 0, u.get("cache_read_input_tokens") or 0
    prompt = u["input_tokens"] + writes + reads
    prompt_details: dict = {"cached_tokens": reads}
    if details:
        prompt_details |= {"cache_creation_tokens": writes,
                           "cache_creation_token_details": u.get("cache_creation")}
    return {"id": "chatcmpl-" + message["id"], "object": "chat.completion", "created": 1769000000,
            "model": message["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": message["content"][0]["text"]}}],
            "usage": {"completion_tokens": u["output_tokens"], "prompt_tokens": prompt,
                      "total_tokens": prompt + u["output_tokens"],
                      "prompt_tokens_details": prompt_details,
                      "cache_creation_input_tokens": writes, "cache_read_input_tokens": reads}}


def _logged(body: dict) -> dict:
    """A request/response log line of the proxy's call (read by the chat-only stage 12)."""
    return {"timestamp": "2026-01-21T04:05:54Z", "response": body, "request": {
        "model": body["model"], "messages": [{"role": "user", "content": "Hey, what is up?"}]}}


@pytest.mark.parametrize(("details", "source"), [(True, "openai-chat-completion"),
                                                 (False, "openai-chat")])
def test_a_litellm_proxy_completion_of_claude_keeps_its_cache_writes(tmp_path, details, source):
    """The real Anthropic responses above, as the proxy hands them on (bare, and logged with
    their requests): the same input, cache reads, cache writes (and 1-hour writes) as the
    Anthropic body's own accounting."""
    messages = [r["response_body"] for r in _records(LITELLM)
                if r["uri"].startswith("https://api.anthropic.com")]
    path = tmp_path / "proxy.jsonl"
    bodies = [_as_litellm(m, details) for m in messages]
    lines = bodies if source == "openai-chat-completion" else [_logged(b) for b in bodies]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    want = [tuple(usage(m)[0][k] for k in COLUMNS) for m in messages]
    hour = [((m["usage"].get("cache_creation") or {}).get("ephemeral_1h_input_tokens", 0)
             if details else 0) for m in messages]
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    got = con.execute("SELECT input_tokens, output_tokens, cached_input_tokens, "
                      "cache_write_tokens, cache_write_1h_tokens FROM requests "
                      "ORDER BY line_no").fetchall()
    assert (f.source, f.rejected) == (source, 0)
    assert [g[:4] for g in got] == want and [g[4] for g in got] == hour
    assert sum(w[3] for w in want) == 2074 and (not details or sum(hour) == 2056)


VENDORS = Path(__file__).parent / "fixtures" / "real" / "vendors"
OPENROUTER = VENDORS / "openrouter_vcr.derived.jsonl"
BYOK = Path(__file__).parent / "fixtures" / "real" / "vendors5" / \
    "dd_trace_litellm_openrouter_vcr.derived.jsonl"


def _fee(body: object) -> Decimal | None:
    """What an OpenRouter response's logged cost paid beyond the model's inference: usage.cost
    (a BYOK call: plus the provider's upstream_inference_cost) less the upstream inference
    cost (else its prompt and completion parts); None where the usage does not split it."""
    u = (body.get("usage") or {}) if isinstance(body, dict) else {}
    d = u.get("cost_details") or {}
    if "cost" not in u:
        return None
    upstream = d.get("upstream_inference_cost")
    if upstream is None:
        parts = [d.get("upstream_inference_prompt_cost"), d.get("upstream_inference_completions_cost")]
        if None in parts:
            return None
        upstream = sum(Decimal(str(p)) for p in parts)
    cost = Decimal(str(u["cost"])) + (Decimal(str(upstream)) if u.get("is_byok") else 0)
    fee = cost - Decimal(str(upstream))
    return fee if fee > 0 else None


@pytest.mark.parametrize("path", [OPENROUTER, BYOK])
def test_openrouter_charges_beyond_inference_are_kept(path):
    """pydantic-ai's recorded OpenRouter calls: an advisor tool (a call to another model,
    $0.015885), a web-search server tool ($0.007 beyond DeepSeek's inference), a PDF parsed
    for a file annotation ($0.002, upstream_inference_cost null: its parts summed); DataDog's
    BYOK call (no OpenRouter fee). Each request's fee equals a plain reader's."""
    records = _records(path)
    want = {n: f for n, r in enumerate(records, 1)
            if r["status"] < 400 and (f := _fee(r["response_body"])) is not None}
    con = db.connect(":memory:")
    ingest.ingest(con, [path])
    got = dict(con.execute("SELECT line_no, logged_fee FROM requests "
                           "WHERE logged_fee IS NOT NULL").fetchall())
    assert got == want
    assert sum(want.values()) == (Decimal("0.024885") if path == OPENROUTER else 0)


def test_the_reconciliation_names_the_charges_beyond_inference(tmp_path):
    """The report's reconciliation explains the advisor call's difference by its charge, not
    as a price the provider may bill differently (its tokens agree with the upstream cost)."""
    report = json.loads(to_json(analyze([str(OPENROUTER)],
                                        AnalyzeOptions(db=str(tmp_path / "plan.duckdb")))))
    by_model = {m["model"]: m for m in report["logged_spend"]["by_model"]}
    advisor = [r["response_body"]["usage"] for r in _records(OPENROUTER)
               if r["source_file"] == "test_openrouter_advisor_tool.yaml"]
    fee = sum(Decimal(str(u["cost"])) - Decimal(str(u["cost_details"]["upstream_inference_cost"]))
              for u in advisor)
    [why] = by_model["openai/gpt-4o-mini"]["explanations"]
    assert f"${fee.quantize(Decimal('0.000001'))}" in why and "beyond inference" in why
    codex = by_model["openai/gpt-5.1-codex-mini"]["explanations"]
    assert codex[0].startswith("charges beyond inference: $0.002000") and len(codex) == 1


LITELLM_PAYLOAD = Path(__file__).parent / "fixtures" / "real" / \
    "litellm_standard_logging_payload.json"


def _claude() -> list[dict]:
    return [r["response_body"] for r in _records(LITELLM)
            if r["uri"].startswith("https://api.anthropic.com")]


def payloads() -> list[dict]:
    """The real payload fixture, once per Anthropic response above, that response as the
    proxy's completion in it (`response`, with its counts)."""
    template = json.loads(LITELLM_PAYLOAD.read_text(encoding="utf-8"))
    out = []
    for n, m in enumerate(_claude()):
        body = _as_litellm(m, True)
        out.append(template | {
            "id": f"{template['id']}-{n}", "response": body, "model": body["model"],
            "prompt_tokens": body["usage"]["prompt_tokens"],
            "completion_tokens": body["usage"]["completion_tokens"],
            "total_tokens": body["usage"]["total_tokens"]})
    return out


def test_a_litellm_logging_payload_of_claude_keeps_its_cache_writes(tmp_path):
    """LiteLLM's StandardLoggingPayload (the real payload fixture, tests/fixtures/real) holding
    the proxy's completions of the Anthropic responses above as its `response`: its cache
    reads, writes and 1-hour writes are the Anthropic bodies' own (the 1-hour writes sit in
    prompt_tokens_details.cache_creation_token_details, not at the top level)."""
    messages = _claude()
    path = tmp_path / "payloads.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in payloads()), encoding="utf-8")
    want = [(*(usage(m)[0][k] for k in COLUMNS),
             (m["usage"].get("cache_creation") or {}).get("ephemeral_1h_input_tokens", 0))
            for m in messages]
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    got = con.execute("SELECT input_tokens, output_tokens, cached_input_tokens, "
                      "cache_write_tokens, cache_write_1h_tokens FROM requests "
                      "ORDER BY line_no").fetchall()
    assert (f.source, f.rejected) == ("litellm", 0)
    assert got == want and sum(w[4] for w in want) == 2056


COMPLETIONS = REAL / "dd_trace_openai_completions_testagent.derived.jsonl"


def test_openai_legacy_completions_equal_a_plain_reader():
    """OpenAI's legacy /v1/completions as dd-trace-py's test agent recorded them (28 calls): a
    call that generated nothing logs {prompt_tokens, total_tokens} without completion_tokens
    (0 output; rejected before), and a stream without usage is counted from its prompt and its
    chunks' choices[0].text, as a chat stream is (4 streams rejected before: "no text")."""
    want = {"requests": 0, "input": 0, "output": 0}
    streams: dict[str, tuple[str, str]] = {}  # response id: (prompt, text)
    failed, ids = 0, set()
    for rec in _records(COMPLETIONS):
        body, prompt = rec["response_body"], rec["request_body"]["prompt"]
        if rec["status"] >= 400:
            failed += 1
        elif isinstance(body, str):  # SSE: data lines of text_completion chunks
            chunks = [json.loads(x[6:]) for x in body.splitlines()
                      if x.startswith("data: {")]
            streams.setdefault(chunks[0]["id"], (
                prompt if isinstance(prompt, str) else "\n".join(prompt),
                "".join(c["choices"][0]["text"] for c in chunks if c["choices"])))
        elif body["id"] not in ids:
            ids.add(body["id"])
            u = body["usage"]
            want["requests"] += 1
            want["input"] += u["prompt_tokens"]
            want["output"] += u.get("completion_tokens", u["total_tokens"] - u["prompt_tokens"])
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [COMPLETIONS], ingest.IngestOptions(
        text=ingest.TextPolicy(keep=True)))
    assert (f.failed, f.rejected) == (failed, 0) == (2, 0)
    logged = con.execute(
        "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM (SELECT DISTINCT ON "
        "(request_id) * FROM requests WHERE NOT tokens_counted)").fetchone()
    assert dict(zip(want, logged, strict=True)) == want and want["requests"] == 18
    counted = con.execute("SELECT request_id, prompt, response FROM requests "
                          "WHERE tokens_counted ORDER BY request_id").fetchall()
    assert counted == [(rid, *streams[rid]) for rid in sorted(streams)] and len(streams) == 4
