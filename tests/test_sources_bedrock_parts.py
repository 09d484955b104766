"""Bedrock invocation logs (sql/13_norm_bedrock.sql): image, audio and file parts are searched
for only in records whose text names one or hides the word behind an escape, the request
metadata is parsed with the record, and computer tools are looked for only where a request
defines tools. The flags, metadata and tools expected here are read off each record by hand,
bare and wrapped in a CloudWatch event alike."""

from __future__ import annotations

import json

import pytest

from tests.test_sources import load, rows

FLAGS = "has_images, has_audio, has_files"


def invocation(i: int, content: object, meta: object = None, **request: object) -> dict:
    record = {
        "schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
        "timestamp": f"2025-03-01T10:00:{i:02d}Z", "requestId": f"r{i}", "operation": "Converse",
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "input": {"inputContentType": "application/json", "inputTokenCount": 100,
                  "inputBodyJson": {"messages": [{"role": "user", "content": content}],
                                    **request}},
        "output": {"outputContentType": "application/json", "outputTokenCount": 5,
                   "outputBodyJson": {"output": {"message": {
                       "role": "assistant", "content": [{"text": "ok"}]}}}}}
    if meta is not None:
        record["requestMetadata"] = meta
    return record


# (line text, has_images, has_audio, has_files)
CASES = [
    # a Converse document block: a file
    (json.dumps(invocation(0, [{"text": "see"}, {"document": {
        "format": "pdf", "name": "x", "source": {"bytes": "AAA"}}}])), False, False, True),
    # an Anthropic image block
    (json.dumps(invocation(1, [{"type": "image", "source": {
        "type": "base64", "media_type": "image/png", "data": "AAA"}},
        {"type": "text", "text": "what"}])), True, False, False),
    # "audio" written with a \u escape: the line never spells the word
    (json.dumps(invocation(2, [{"type": "audio", "text": "a"}])).replace(
        '"type": "audio"', '"type": "\\u0061udio"'), False, True, False),
    # a text/ mime type, its slash escaped
    (json.dumps(invocation(3, [{"text": "x", "mime_type": "text/plain"}])).replace(
        "text/plain", "text\\/plain"), False, False, True),
    # "file" behind a \u escape
    (json.dumps(invocation(8, [{"type": "file", "file": {"file_id": "f"}}])).replace(
        "file", "\\u0066ile"), False, False, True),
    # an image part's type behind a \u escape
    (json.dumps(invocation(4, [{"type": "image_url", "image_url": {"url": "u"}}])).replace(
        '"type": "image_url"', '"type": "\\u0069mage_url"'), True, False, False),
    # a Converse video block: audio or video
    (json.dumps(invocation(5, [{"video": {"format": "mp4", "source": {"bytes": "AAA"}}}])),
     False, True, False),
    # the words in a text part only: no part of those kinds
    (json.dumps(invocation(6, [{"text": "an image, some audio, a file and a document"}])),
     False, False, False),
    # a string content that looks like parts but is not JSON
    (json.dumps(invocation(7, "[{image audio file")), False, False, False),
]


@pytest.mark.parametrize("wrapped", [False, True])
def test_parts_found_only_where_named(write_log, wrapped):
    lines = [text for text, *_ in CASES]
    if wrapped:  # the message of a CloudWatch Logs event
        lines = [json.dumps({"timestamp": 1740823200000, "message": text}) for text in lines]
    con, files, _ = load([write_log(lines)])
    assert (files[0].source, files[0].accepted, files[0].rejected) == (
        "bedrock-invocation", len(CASES), 0)
    assert rows(con, FLAGS) == [tuple(flags) for _, *flags in CASES]


def test_metadata_read_with_the_record(write_log):
    log = write_log([
        invocation(0, [{"text": "a"}], {"workload": "docs", "team": "core", "extra": 1}),
        invocation(1, [{"text": "b"}], {"workload": 7, "team": {"a": 1}, "task_type": ["x"]}),
        invocation(2, [{"text": "c"}], "docs"),  # not an object: no workload
        invocation(3, [{"text": "d"}]),
    ])
    con, _, _ = load([log])
    assert rows(con, "workload_tag, team, task_type") == [
        ("docs", "core", None), ("7", '{"a":1}', '["x"]'), (None, None, None),
        (None, None, None)]


def test_computer_tools_where_tools_are_defined(write_log):
    log = write_log([
        invocation(0, [{"text": "a"}], toolConfig={"tools": [
            {"toolSpec": {"name": "bash", "inputSchema": {"json": {}}}}]}),
        invocation(1, [{"text": "b"}], additionalModelRequestFields={"tools": [
            {"type": "computer_20250124", "name": "computer"}]}),
        invocation(2, [{"text": "c"}], toolConfig={"tools": [
            {"toolSpec": {"name": "lookup", "inputSchema": {"json": {}}}}]}),
        invocation(3, [{"text": "d"}]),
    ])
    con, _, _ = load([log])
    assert rows(con, "computer_tool, tool_defs") == [
        ("function bash", 1), ("computer_20250124", None), (None, 1), (None, None)]


def test_http_capture_metadata_read_with_the_record(write_log):
    def capture(i: int, meta: object) -> dict:
        return {"uri": "https://api.groq.com/openai/v1/chat/completions", "status": 200,
                "timestamp": f"2025-03-01T10:00:0{i}Z",
                "request_body": {"model": "llama-3.1-8b-instant",
                                 "messages": [{"role": "user", "content": "Hi"}]},
                "response_body": {"id": f"c{i}", "object": "chat.completion",
                                  "model": "llama-3.1-8b-instant",
                                  "choices": [{"message": {"content": "Hello"}}],
                                  "usage": {"prompt_tokens": 10, "completion_tokens": 2}},
                "metadata": meta}
    log = write_log([capture(0, {"workload": "chat", "team": "core", "task_type": "qa"}),
                     capture(1, {"workload": 3, "team": ["a"]}),
                     capture(2, '{"workload": "inside a string"}'), capture(3, None)])
    con, files, _ = load([log])
    assert files[0].source == "http-capture"
    assert rows(con, "workload_tag, team, task_type, input_tokens") == [
        ("chat", "core", "qa", 10), ("3", '["a"]', None, 10), (None, None, None, 10),
        (None, None, None, 10)]
