"""Langfuse usageDetails as Langfuse's own code writes them: every modality and detail key.

Langfuse stores a generation's usage as disjoint parts whose sum is the total. The provider
usages below are turned into those parts here by the rules of Langfuse's code, re-written for
the test (not plan's): the server's OpenAI usage schema (langfuse/langfuse,
packages/shared/src/server/ingestion/types.ts, OpenAICompletionUsageSchema: prompt_tokens ->
input, each prompt_tokens_details key -> input_<key>, taken out of input; completion_tokens_details
-> output_<key> likewise; MIT) and the LangChain integration's _parse_usage_model
(langfuse/langfuse-python, langfuse/langchain/CallbackHandler.py at 012fbac; MIT: input / output
token details -> input_<key> / output_<key>; Vertex AI's prompt / candidates / cache token details
-> input_modality_<m>, output_modality_<m>, cached_modality_<m>, each taken out of input or
output, never below 0; its tests: priority-tier keys are kept but not taken out). Each expected
total is the provider's own usage read by DOMAIN.md's accounting, not the Langfuse parts.
"""

from __future__ import annotations

import json
from pathlib import Path

from planner import db
from planner.stages import ingest
from tests.test_sources_vendors import add, plan_totals, zero

T0 = "2026-03-02T10:00:00.000Z"


def openai_schema(u: dict) -> dict:
    """Langfuse's server: an OpenAI usage object as usageDetails."""
    out = {"input": u["prompt_tokens"], "output": u["completion_tokens"],
           "total": u["total_tokens"]}
    for side, details in (("input", u.get("prompt_tokens_details")),
                          ("output", u.get("completion_tokens_details"))):
        for key, value in (details or {}).items():
            out[f"{side}_{key}"] = value
            out[side] = max(out[side] - value, 0)
    return out


def langchain_usage(u: dict) -> dict:
    """langfuse-python's LangChain integration: LangChain / Vertex usage as usageDetails."""
    out = {k: v for k, v in u.items() if not isinstance(v, dict | list)}
    for old, new in (("input_tokens", "input"), ("output_tokens", "output"),
                     ("total_tokens", "total"), ("prompt_token_count", "input"),
                     ("candidates_token_count", "output"), ("total_token_count", "total")):
        if old in out:
            out[new] = out.pop(old)
    for side in ("input", "output"):
        for key, value in (u.get(f"{side}_token_details") or {}).items():
            out[f"{side}_{key}"] = value
            if not key.startswith("priority"):  # (priority-tier counts repeat the others)
                out[side] = max(out[side] - value, 0)
    for name, side, prefix in (("prompt_tokens_details", "input", "input_modality"),
                               ("candidates_tokens_details", "output", "output_modality"),
                               ("cache_tokens_details", "input", "cached_modality")):
        for item in u.get(name) or []:
            out[f"{prefix}_{item['modality']}"] = item["token_count"]
            out[side] = max(out[side] - item["token_count"], 0)
            if prefix == "cached_modality" and f"input_modality_{item['modality']}" in out:
                key = f"input_modality_{item['modality']}"
                out[key] = max(out[key] - item["token_count"], 0)
    return out


# Provider usages (as each API or LangChain reports them) and what DOMAIN.md makes of them.
OPENAI_AUDIO = {"prompt_tokens": 1200, "completion_tokens": 380, "total_tokens": 1580,
                "prompt_tokens_details": {"cached_tokens": 200, "audio_tokens": 640},
                "completion_tokens_details": {"reasoning_tokens": 64, "audio_tokens": 250,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 6}}
VERTEX = {"prompt_token_count": 1558, "candidates_token_count": 210, "total_token_count": 1768,
          "prompt_tokens_details": [{"modality": "TEXT", "token_count": 300},
                                    {"modality": "IMAGE", "token_count": 1258}],
          "candidates_tokens_details": [{"modality": "TEXT", "token_count": 210}],
          "cache_tokens_details": [{"modality": "IMAGE", "token_count": 1024}]}
# LangChain's Anthropic usage (input_tokens there includes the cache reads and writes; with the
# writes by TTL, langchain-anthropic sets cache_creation to 0, older versions kept it)
ANTHROPIC = {"input_tokens": 2410, "output_tokens": 90, "total_tokens": 2500,
             "input_token_details": {"cache_read": 2000, "cache_creation": 0,
                                     "ephemeral_5m_input_tokens": 300,
                                     "ephemeral_1h_input_tokens": 100}}
PRIORITY = {"input_tokens": 13, "output_tokens": 1, "total_tokens": 14,
            "input_token_details": {"audio": 0, "priority_cache_read": 0, "priority": 13},
            "output_token_details": {"audio": 0, "priority_reasoning": 0, "priority": 1}}
# DOMAIN.md: input includes cache reads and writes; output includes reasoning
EXPECTED = [  # (input, output, cached, cache_write, reasoning)
    (1200, 380, 200, 0, 64),
    (1558, 210, 1024, 0, 0),
    (2410, 90, 2000, 400, 0),
    (13, 1, 0, 0, 0),
]


def download(*usages: dict) -> dict:
    return {"trace": {"id": "t-1", "tags": ["workload:voice"]}, "observations": [
        {"id": f"g-{n}", "type": "GENERATION", "name": "answer", "startTime": T0,
         "model": "gpt-4o-audio-preview", "usageDetails": u}
        for n, u in enumerate(usages, start=1)]}


def test_every_usage_part_langfuse_writes_is_counted(tmp_path: Path) -> None:
    parts = [openai_schema(OPENAI_AUDIO), langchain_usage(VERTEX), langchain_usage(ANTHROPIC),
             langchain_usage(PRIORITY)]
    # (the parts as Langfuse keeps them: e.g. input 360 + input_cached_tokens 200 +
    # input_audio_tokens 640; input_modality_TEXT 300, input_modality_IMAGE 234,
    # cached_modality_IMAGE 1024, input 0)
    assert parts[0]["input"] == 360 and parts[1]["input_modality_IMAGE"] == 234
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(download(*parts)), encoding="utf-8")
    want = zero()
    for i, o, c, w, r in EXPECTED:
        add(want, input=i, output=o, cached=c, cache_write=w, reasoning=r)
    got, [f] = plan_totals(path)
    assert (f.source, f.rejected) == ("langfuse-trace", 0)
    assert got == want
    con = db.connect(":memory:")
    ingest.ingest(con, [path])
    # the 1-hour writes of the Anthropic call (LangChain's ephemeral_1h_input_tokens)
    assert con.execute("SELECT cache_write_1h_tokens FROM requests WHERE request_id = 'g-3'"
                       ).fetchall() == [(100,)]


def test_a_usage_key_plan_cannot_place_is_a_reject_that_names_it(tmp_path: Path) -> None:
    """Langfuse's docs show SDK users adding their own usage types (`some_other_token_count`):
    with a count it is neither input nor output, so the line is rejected with the key's name
    instead of being priced without it; with 0 it changes nothing and is read."""
    usage = {"input": 10, "output": 5, "cache_read_input_tokens": 2,
             "some_other_token_count": 10, "total": 27}
    zeroed = {**usage, "some_other_token_count": 0}
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(download(usage, zeroed)), encoding="utf-8")
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    assert (f.accepted, f.rejected) == (1, 1)
    [(reason,)] = con.execute("SELECT reason FROM rejects").fetchall()
    assert "some_other_token_count" in reason
    assert con.execute("SELECT input_tokens, cached_input_tokens, output_tokens FROM requests"
                       ).fetchall() == [(12, 2, 5)]


def test_older_langchain_anthropic_writes_are_counted_once(tmp_path: Path) -> None:
    """Older langchain-anthropic gave the TTL writes beside cache_creation (the same 400 tokens
    twice): Langfuse took all of them out of `input`, which stopped at 0 and lost the 10
    uncached tokens from its stored parts. plan counts the writes once (cache_creation's)."""
    older = {**ANTHROPIC, "input_token_details": {**ANTHROPIC["input_token_details"],
                                                  "cache_creation": 400}}
    parts = langchain_usage(older)
    assert parts["input"] == 0  # (Langfuse's own parts: 10 lost)
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(download(parts)), encoding="utf-8")
    got, _ = plan_totals(path)
    assert (got["input"], got["cached"], got["cache_write"]) == (2000 + 400, 2000, 400)


def test_embedding_observations_are_requests_not_skipped(tmp_path: Path) -> None:
    """Langfuse tracks usage on GENERATION and EMBEDDING observations (its docs, "Token and Cost
    Tracking"): a trace's embedding call is a request (input only), its spans are skipped."""
    doc = {"trace": {"id": "t-e"}, "observations": [
        {"id": "s-1", "type": "SPAN", "name": "retrieve", "startTime": T0},
        {"id": "e-1", "type": "EMBEDDING", "name": "embed-query", "startTime": T0,
         "model": "text-embedding-3-small", "usageDetails": {"input": 812, "total": 812}},
        {"id": "g-1", "type": "GENERATION", "name": "answer", "startTime": T0,
         "model": "gpt-4o-mini", "usageDetails": {"input": 900, "output": 60, "total": 960}}]}
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    want = zero()
    add(want, input=812, output=0)
    add(want, input=900, output=60)
    got, [f] = plan_totals(path)
    assert (f.source, f.skipped, f.rejected) == ("langfuse-trace", 1, 0)
    assert got == want
