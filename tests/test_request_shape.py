"""Migration 013: what a request's structure says beyond images and tool calls (audio or video
input, file or PDF attachments, tools defined, user turns), read from OpenAI Chat and Responses,
Anthropic Messages, Gemini and Bedrock Converse bodies, and the rules that use it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from planner import pipeline

TS = "2026-10-01T08:25:23+00:00"
USAGE = {"prompt_tokens": 100, "completion_tokens": 5}


def chat(rid: str, messages: list[dict[str, Any]], tools: list[dict] | None = None) -> dict:
    req: dict[str, Any] = {"model": "gpt-4o", "messages": messages}
    if tools is not None:
        req["tools"] = tools
    return {"timestamp": TS, "request": req, "response": {
        "id": rid, "object": "chat.completion", "created": 1790843123, "model": "gpt-4o",
        "choices": [{"message": {"content": "ok"}}], "usage": USAGE}}


def anthropic(rid: str, messages: list[dict[str, Any]], tools: list[dict] | None = None) -> dict:
    req: dict[str, Any] = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": messages}
    if tools is not None:
        req["tools"] = tools
    return {"timestamp": TS, "request": req, "response": {
        "id": rid, "type": "message", "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "ok"}],
        "usage": {"input_tokens": 100, "output_tokens": 5}}}


def gemini(rid: str, contents: list[dict[str, Any]]) -> dict:
    return {"timestamp": TS, "request": {"contents": contents}, "response": {
        "modelVersion": "gemini-2.5-flash", "responseId": rid,
        "candidates": [{"finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 5}}}


def responses(rid: str, items: list[dict[str, Any]]) -> dict:
    return {"timestamp": TS, "request": {"model": "gpt-5", "input": items}, "response": {
        "id": rid, "object": "response", "created_at": 1790843123, "model": "gpt-5",
        "output": [], "usage": {"input_tokens": 100, "output_tokens": 5}}}


def converse(rid: str, messages: list[dict[str, Any]], tools: int) -> dict:
    return {"schemaType": "ModelInvocationLog", "timestamp": "2026-10-01T08:25:23Z",
            "requestId": rid, "operation": "Converse", "modelId": "amazon.nova-pro-v1:0",
            "input": {"inputTokenCount": 100, "inputBodyJson": {
                "messages": messages, "toolConfig": {"tools": [
                    {"toolSpec": {"name": f"t{i}"}} for i in range(tools)]}}},
            "output": {"outputTokenCount": 5, "outputBodyJson": {
                "output": {"message": {"content": [{"text": "ok"}]}}}}}


def text(t: str) -> dict[str, str]:
    return {"type": "text", "text": t}


TOOLS_12 = [{"type": "function", "function": {"name": f"tool_{i}"}} for i in range(12)]
# nine questions and answers, one tool defined: an agent's loop (each result a user turn)
LONG = [m for i in range(9) for m in ({"role": "user", "content": f"step {i}"},
                                     {"role": "assistant", "content": "done"})]
CASES = [
    # (record, has_audio, has_files, tool_defs, turns, rule)
    (chat("c-audio", [{"role": "user", "content": [text("what is said?"), {
        "type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}]),
     True, False, None, 1, "multimodal-audio"),
    (chat("c-file", [{"role": "system", "content": "You summarise."}, {"role": "user", "content": [
        {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;x"}},
        text("summarise it")]}]), False, True, None, 1, "multimodal-files"),
    (chat("c-tools", [{"role": "user", "content": "book it"}], TOOLS_12),
     False, False, 12, 1, "many-tools"),
    (chat("c-turns", LONG, TOOLS_12[:1]), False, False, 1, 9, "agent-turns"),
    # a text that names a file part is text: no attachment
    (chat("c-text", [{"role": "user", "content": 'say "type": "file" and "mime_type": '
                      '"audio/wav"'}]), False, False, None, 1, None),
    (chat("c-few", LONG[:14], TOOLS_12[:9]), False, False, 9, 7, None),
    (anthropic("a-doc", [{"role": "user", "content": [{"type": "document", "source": {
        "type": "base64", "media_type": "application/pdf", "data": "AAAA"}}, text("sum")]}]),
     False, True, None, 1, "multimodal-files"),
    (anthropic("a-loop", [m for i in range(8) for m in (
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}",
                                      "content": "42"}]},
        {"role": "assistant", "content": [text("next")]})],
        [{"name": "search", "input_schema": {"type": "object"}}]),
     False, False, 1, 8, "agent-turns"),
    (gemini("g-audio", [{"role": "user", "parts": [text("what"), {"inlineData": {
        "mimeType": "audio/mp3", "data": "AAAA"}}]}]), True, False, None, 1, "multimodal-audio"),
    (gemini("g-pdf", [{"role": "user", "parts": [{"fileData": {
        "mimeType": "application/pdf", "fileUri": "gs://b/a.pdf"}}]},
        {"role": "model", "parts": [text("ok")]}, {"role": "user", "parts": [text("more")]}]),
     False, True, None, 2, "multimodal-files"),
    (responses("r-file", [{"role": "user", "content": [
        {"type": "input_file", "file_id": "file-1"}, {"type": "input_text", "text": "read"}]}]),
     False, True, None, 1, "multimodal-files"),
    (converse("b-video", [{"role": "user", "content": [{"text": "what happens"}, {"video": {
        "format": "mp4", "source": {"s3Location": {"uri": "s3://b/v.mp4"}}}}]}], 11),
     True, False, 11, 1, "multimodal-audio"),
]


STRUCTURE = {"multimodal-audio", "multimodal-files", "many-tools", "agent-turns"}


def _rows(path: str) -> dict[str, tuple]:
    def read(con: Any, _rules: Any) -> dict[str, tuple]:
        return {r[0]: r[1:] for r in con.execute(
            "SELECT request_id, has_audio, has_files, tool_defs, turns, rule, label "
            "FROM labelled_requests").fetchall()}
    return pipeline.read_labels([path], pipeline.AnalyzeOptions(db=":memory:"), read)


@pytest.mark.parametrize("case", CASES, ids=[c[0].get("response", {}).get(
    "id", c[0].get("response", {}).get("responseId", c[0].get("requestId"))) for c in CASES])
def test_request_shape_is_read_and_labels(write_log, case):
    record, audio, files, tool_defs, turns, rule = case
    # the expected counts, from the record itself: its tools and its user messages
    req = record.get("request") or record["input"]["inputBodyJson"]
    msgs = req.get("messages") or req.get("contents") or req.get("input")
    assert turns == sum(m["role"] == "user" for m in msgs)
    tools = req.get("tools") or req.get("toolConfig", {}).get("tools")
    assert tool_defs == (len(tools) if tools else None)
    name = "bedrock.jsonl" if "schemaType" in record else "log.jsonl"
    got = _rows(str(write_log([record], name)))
    assert len(got) == 1
    (row,) = got.values()
    assert row[:4] == (audio, files, tool_defs, turns)
    if rule is None:  # no structure rule: labelled from its text, cost-bound
        assert row[4] not in STRUCTURE and row[5] == "cost-bound"
    else:
        assert row[4:] == (rule, "capability-bound")


def test_evidence_names_what_the_structure_showed(run, write_log):
    log = write_log([CASES[2][0], CASES[3][0]])
    res = run("analyze", str(log), "--db", ":memory:", "--format", "json")
    assert res.exit_code == 0, res.stderr
    reasons = " | ".join(json.loads(res.stdout)["workloads"][0]["reasons"])
    assert f"{log}:1: 12 tools defined" in reasons
    assert f"{log}:2: tool definitions sent; 9 user turns" in reasons
