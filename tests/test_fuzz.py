"""A seeded fuzz run (issue 19): 11,000 lines, most of them malformed, over five sources. Every
file is read, every physical line gets exactly one row (a request, a failed request or a reject
with its line and reason), every count reconciles, and `plan analyze` exits 0, 2 or 3, never
with a traceback."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from planner import db
from planner.stages import ingest
from planner.stages.analysis import build_scope

LINES_PER_SOURCE = 2_200
T = "2026-03-02T10:00:00Z"

# Values the audit fed into fields: non-finite and out-of-range numbers, wrong types, far
# timestamps, terminal escapes, formulas. RAW() ones are written unquoted (not valid JSON
# everywhere, which is the point).
def RAW(text: str) -> str:
    return f"@@{text}@@"


HOSTILE: list[object] = [
    RAW("NaN"), RAW("Infinity"), RAW("-Infinity"), RAW("1e309"), 1e20, -1, 0.5, "inf", "12",
    "", None, True, [], {}, 2**63 - 1, 2**64, 2**31, "9999-12-31T23:59:59Z", "0001-01-01", 0,
    "12345-01-01T00:00:00Z", 1e12, "\x1b[2J\x1b]0;x\x07", "=cmd|' /C calc'!A0", "x" * 5000,
    {"a": [1, {"b": None}]},
]
DAMAGE = [b"\r", b"\xff", b"\xc3", b"\x00", b'"', b"}", b"\n", b"\r\n", b"\t"]


def canonical(i: int) -> dict:
    return {"timestamp": T, "request_id": f"c{i}", "workload": f"w{i % 7}", "model": "gpt-4o",
            "input_tokens": 100 + i, "output_tokens": 20, "cached_input_tokens": 10,
            "tool_calls": 1, "team": "t", "has_images": False, "prompt": "summarise this"}


def openai_chat(i: int) -> dict:
    return {"timestamp": T, "request_id": f"o{i}", "metadata": {"workload": "chat"},
            "request": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
            "response": {"id": f"x{i}", "object": "chat.completion", "model": "gpt-4o",
                         "choices": [{"message": {"role": "assistant", "content": "hello"}}],
                         "usage": {"prompt_tokens": 12, "completion_tokens": 3,
                                   "prompt_tokens_details": {"cached_tokens": 0}}}}


def anthropic(i: int) -> dict:
    return {"timestamp": T, "id": f"msg_{i}", "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5", "content": [{"type": "text", "text": "ok"}],
            "usage": {"input_tokens": 30, "output_tokens": 8, "cache_read_input_tokens": 5,
                      "cache_creation_input_tokens": 0}}


def openai_batch(i: int) -> dict:
    return {"id": f"b{i}", "custom_id": f"req-{i}", "response": {
        "status_code": 200, "request_id": f"rq{i}", "body": {
            "id": f"cc{i}", "object": "chat.completion", "created": 1772445600,
            "model": "gpt-4o-mini", "choices": [{"message": {"content": "done"}}],
            "usage": {"prompt_tokens": 40, "completion_tokens": 9}}}, "error": None}


def litellm(i: int) -> dict:
    return {"request_id": f"l{i}", "startTime": T, "endTime": T, "model": "gpt-4o",
            "prompt_tokens": 50, "completion_tokens": 10, "spend": 0.0004,
            "metadata": {"spend_logs_metadata": {"workload": "proxy"}}}


SOURCES: dict[str, Callable[[int], dict]] = {
    "canonical": canonical, "openai-chat": openai_chat, "anthropic-messages": anthropic,
    "openai-batch": openai_batch, "litellm": litellm,
}


def _paths(record: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path of a record, nested ones included."""
    if not isinstance(record, dict):
        return []
    out = []
    for key, value in record.items():
        out.append((*prefix, key))
        out += _paths(value, (*prefix, key))
    return out


def _set(record: dict, path: tuple, value: object) -> None:
    for key in path[:-1]:
        record = record[key]
    if value is _DELETE:
        del record[path[-1]]
    else:
        record[path[-1]] = value


_DELETE = object()


def _line(rng: random.Random, record: dict, previous: list[bytes]) -> bytes:
    roll = rng.random()
    if roll < 0.30:  # left valid: the good lines the bad ones must not cost
        pass
    elif roll < 0.65:  # one field, anywhere in the record, made hostile or removed
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(_paths(record))
            _set(record, path, rng.choice([*HOSTILE, _DELETE]))
    elif roll < 0.72 and previous:
        return rng.choice(previous)  # a duplicate
    elif roll < 0.78:
        return rng.choice([b"", b"   ", b"[]", b"null", b"42", b'"text"', b"{" * 3000,
                           b"[" * 5000 + b"]" * 5000])
    text = json.dumps(record, ensure_ascii=rng.random() < 0.5)
    for raw in ("NaN", "Infinity", "-Infinity", "1e309"):
        text = text.replace(f'"{RAW(raw)}"', raw)
    line = text.encode()
    if 0.78 <= roll < 0.9:  # the line cut short
        line = line[: rng.randrange(len(line))]
    elif roll >= 0.9:  # bytes that are not JSON, not UTF-8, or a CR inside the line
        at = rng.randrange(len(line) + 1)
        line = line[:at] + rng.choice(DAMAGE).replace(b"\n", b" ") + line[at:]
    return line


def _write(tmp_path: Path, name: str, make: Callable[[int], dict], seed: int) -> tuple[Path, int]:
    rng = random.Random(seed)
    lines: list[bytes] = []
    for i in range(LINES_PER_SOURCE):
        lines.append(_line(rng, make(i), lines[-50:]))
    body = b"\n".join(lines) + b"\n"
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(body)
    return path, body.count(b"\n")


def test_every_line_of_a_fuzzed_log_is_accounted_for(tmp_path, run):
    totals = {"read": 0, "rejected": 0}
    paths = []
    for seed, (name, make) in enumerate(SOURCES.items()):
        path, lines = _write(tmp_path, name, make, 19 + seed)
        paths.append(path)
        con = db.connect(":memory:")
        files = ingest.ingest(con, [path], ingest.IngestOptions(source=name))
        scope = build_scope(con, files)
        f = files[0]
        assert f.lines_read == lines == f.accepted + f.rejected + f.failed, name
        i = scope.ingest
        assert i.read == i.accepted + i.rejected + i.duplicates + i.failed, name
        # one row per physical line, numbered 1..N, each reject with its reason
        assert con.execute("SELECT count(*), count(DISTINCT line_no), min(line_no), "
                           "max(line_no) FROM lines").fetchone() == (lines, lines, 1, lines)
        assert con.execute("SELECT count(*) FROM rejects WHERE line_no IS NULL OR reason IS NULL "
                           "OR reason = ''").fetchone() == (0,)
        assert 0.2 * lines < i.rejected + i.failed and i.accepted > 0.2 * lines, name
        totals["read"] += i.read
        totals["rejected"] += i.rejected
        con.close()
    assert totals["read"] == 5 * LINES_PER_SOURCE >= 10_000

    res = run("analyze", *map(str, paths), "--db", ":memory:", "-f", "json")
    assert res.exit_code in (0, 2, 3), res.stderr
    report = json.loads(res.stdout)["ingest"]
    assert report["read"] == totals["read"]
    assert report["read"] == (report["accepted"] + report["rejected"] + report["duplicates"]
                              + report["failed"])
    for f in report["files"]:
        assert f["read"] == f["accepted"] + f["rejected"] + f["duplicates"] + f["failed"]
