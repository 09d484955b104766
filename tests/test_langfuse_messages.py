"""Langfuse generations' input messages and output (sql/19_norm_langfuse.sql): the system prompt,
the prompt, the response, the user turns, the output's tool calls, and image, audio and file
parts, as a trace download and as an export of the same observations. Stage 19 reads only each
message's role and content, and looks for parts only in chats with a list of parts; the expected
values are computed here from the observations with plain `json` (the first system or developer
message's text, the other messages' texts joined by a newline, a part's `type`)."""

from __future__ import annotations

import json
from pathlib import Path

from planner import db
from planner.stages import ingest

T0 = "2026-03-02T10:00:00.000Z"
IMAGE = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
AUDIO = {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
FILE = {"type": "file", "file": {"file_id": "file-1"}}

# (input, output) of each generation
CALLS = [
    ([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
     {"role": "assistant", "content": "Hello"}),
    ([{"role": "developer", "content": [{"type": "text", "text": "Rules"}]},
      {"role": "user", "content": [{"type": "text", "text": "What is this?"}, IMAGE]}],
     {"role": "assistant", "content": "A cat",
      "tool_calls": [{"id": "c1", "type": "function"}, {"id": "c2", "type": "function"}]}),
    ([{"role": "user", "content": [{"type": "text", "text": "Transcribe"}, AUDIO]},
      {"role": "assistant", "content": None, "type": "message",
       "tool_calls": [{"id": "t1", "type": "function"}]},
      {"role": "tool", "content": "done"}, {"role": "user", "content": [FILE]}],
     {"text": "Summary"}),
    ([{"role": "user", "content": "one"}, {"role": "user", "content": "two"}], None),
    # a plain-text prompt and answer (the Python SDK's @observe of a function taking a string)
    ("Translate 'chat' into English", "cat"),
]


def _text(content: object) -> str | None:
    if isinstance(content, list):
        return " ".join(p["text"] for p in content if isinstance(p, dict) and "text" in p)
    return content if isinstance(content, str) else None


def expected(inp: object, out: object) -> dict:
    msgs = inp if isinstance(inp, list) else []
    system = [m for m in msgs if m["role"] in ("system", "developer")]
    others = [_text(m["content"]) for m in msgs if m["role"] not in ("system", "developer")]
    parts = [p.get("type") for m in msgs if isinstance(m["content"], list) for p in m["content"]]
    prompt = "\n".join(t for t in others if t is not None) or None
    if isinstance(inp, str):
        prompt = inp
    if isinstance(out, str):
        out = {"content": out}
    return {
        "system_prompt": _text(system[0]["content"]) if system else None,
        "prompt": prompt,
        "response": (out or {}).get("content") or (out or {}).get("text"),
        "turns": sum(m["role"] == "user" for m in msgs) if isinstance(inp, list) else None,
        "has_images": "image_url" in parts,
        "has_audio": "input_audio" in parts,
        "has_files": "file" in parts,
        "tool_calls": len((out or {}).get("tool_calls") or []),
    }


def observations() -> list[dict]:
    return [{"id": f"g-{i}", "type": "GENERATION", "name": "chat", "startTime": T0,
             "model": "gpt-4o-mini", "usageDetails": {"input": 10, "output": 5},
             "input": inp, "output": out} for i, (inp, out) in enumerate(CALLS)]


def _stored(path: Path) -> list[dict]:
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path], ingest.IngestOptions(text=ingest.TextPolicy(keep=True)))
    assert (f.accepted, f.rejected) == (len(CALLS), 0), f
    cur = con.execute("SELECT system_prompt, prompt, response, turns, has_images, has_audio, "
                      "has_files, tool_calls FROM requests ORDER BY line_no")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_messages_read_alike_from_a_trace_download_and_an_export(tmp_path: Path) -> None:
    want = [expected(inp, out) for inp, out in CALLS]
    assert [w["has_images"] for w in want] == [False, True, False, False, False]
    assert [w["has_audio"] or w["has_files"] for w in want] == [False, False, True, False, False]
    assert want[4]["prompt"] == "Translate 'chat' into English" and want[4]["response"] == "cat"
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps({"trace": {"id": "t"}, "observations": observations()}))
    export = tmp_path / "observations.jsonl"
    export.write_text("".join(json.dumps(o) + "\n" for o in observations()))
    assert _stored(trace) == want
    assert _stored(export) == want
