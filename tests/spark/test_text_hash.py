"""The text hash (sql/00_macros.sql plan_text_hash) is MD5's, so that both engines order the
text sample alike (tests/spark/test_parity.py checks the engines' reports); here, on DuckDB,
against Python's hashlib as the independent reader, and migration 015, which makes a database
read its files again (their stored hashes were DuckDB's hash())."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from planner import db
from planner.stages import ingest

SAMPLE = 4


def md5_60(system_prompt: str | None, prompt: str | None) -> int | None:
    """60 bits of the MD5 of the system prompt, a unit separator and the prompt (the first 8
    bytes of the digest, little-endian): a NULL system prompt adds nothing."""
    if system_prompt is None and prompt is None:
        return None
    text = ("" if system_prompt is None else system_prompt + "\x1f") + (prompt or "")
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:8], "little") & (2**60 - 1)


# (system prompt, prompt) per request: NULLs, an empty system prompt, text beyond ASCII
TEXTS = [(None, f"Ticket {i}: charged twice") for i in range(7)] + [
    ("You sort tickets.", "Ticket 1: charged twice"), ("", "Ticket 1: charged twice"),
    ("Résumé 漢字 🎉", "naïve\nline two\t'q'"), ("Only a system prompt", None)]


def _log(path: Path) -> Path:
    path.write_text("".join(json.dumps({
        "timestamp": f"2026-01-01T00:00:{i:02d}Z", "request_id": f"r{i}", "workload": "w",
        "model": "gpt-4o", "input_tokens": 10, "output_tokens": 5,
        **({} if s is None else {"system_prompt": s}), **({} if p is None else {"prompt": p}),
    }) + "\n" for i, (s, p) in enumerate(TEXTS)), encoding="utf-8")
    return path


def test_the_stored_text_hash_and_the_sample_follow_md5(tmp_path: Path) -> None:
    sampled: list[tuple[object, ...]] = []

    def features(con: object, file_id: int) -> None:
        sampled.extend(con.execute(  # type: ignore[attr-defined]
            "SELECT text_hash FROM file_texts ORDER BY text_hash").fetchall())

    con = db.connect(":memory:")
    ingest.ingest(con, [_log(tmp_path / "texts.jsonl")], ingest.IngestOptions(
        text=ingest.TextPolicy(keep=False, per_workload=SAMPLE, features=features)))
    stored = con.execute("SELECT line_no, text_hash FROM requests ORDER BY line_no").fetchall()
    assert stored == [(i + 1, md5_60(s, p)) for i, (s, p) in enumerate(TEXTS)]
    # the workload's first SAMPLE distinct texts by hash
    assert [h for (h,) in sampled] == sorted({md5_60(s, p) for s, p in TEXTS})[:SAMPLE]
    con.close()


def test_migration_015_reads_the_files_again(tmp_path: Path) -> None:
    """A database migrated before 015 holds DuckDB's hash() of each text: its files are read
    again (their lines, bodies and text features gone)."""
    path = tmp_path / "plan.duckdb"
    con = db.connect(path)
    ingest.ingest(con, [_log(tmp_path / "texts.jsonl")], ingest.IngestOptions())
    assert con.execute("SELECT count(*) FROM files").fetchone() == (1,)
    con.execute("DELETE FROM plan_migrations WHERE id = 15")  # as if read before 015
    con.close()
    con = db.connect(path)
    assert con.execute("SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM lines), "
                       "(SELECT count(*) FROM text_features)").fetchone() == (0, 0, 0)
    con.close()
