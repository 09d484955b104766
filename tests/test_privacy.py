"""Privacy by default (issue 19): the database keeps hashes and text signals, not the text; with
--keep-text it keeps the text; `plan forget` removes a file's rows from the file itself; a
changed rule condition re-labels from the stored signals without reading the logs again."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from planner.stages.rules import DEFAULT_EXAMPLES

CANARIES = ("SYSTEM-CANARY-7f3a", "PROMPT-CANARY-91bc", "ANSWER-CANARY-22de", "password=hunter2")


def _records(n: int = 12) -> list[dict | str]:
    out: list[dict | str] = []
    for i in range(n):
        # i % 3 == 0: "exploit" twice; 1: once; 2: never
        words = " ".join(["exploit"] * (2 - i % 3)) if i % 3 < 2 else "invoice"
        out.append({
            "timestamp": f"2026-10-01T00:{i:02d}:00Z", "request_id": f"r{i}", "workload": "w",
            "model": "gpt-4o", "input_tokens": 100, "output_tokens": 10,
            "system_prompt": f"You help. {CANARIES[0]}",
            "prompt": f"Request {i}: {words} {CANARIES[1]}", "response": f"{CANARIES[2]}"})
    out.append('{"timestamp": "2026-10-01T01:00:00Z", password=hunter2 not json')
    return out


def _report(run, *args: str) -> dict:
    res = run("analyze", *args, "--format", "json")
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)


def test_the_database_keeps_no_text_by_default_and_is_private(run, write_log, tmp_path):
    log = write_log(_records())
    database = tmp_path / "state" / "plan.duckdb"
    plain = _report(run, str(log), "--db", str(database))
    data = database.read_bytes()
    assert [c for c in CANARIES if c.encode() in data] == []
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    # the same answer as with the text kept: labels and costs do not need the text afterwards
    kept_db = tmp_path / "kept.duckdb"
    kept = _report(run, str(log), "--db", str(kept_db), "--keep-text")
    assert {c for c in CANARIES if c.encode() in kept_db.read_bytes()} == set(CANARIES)
    for key in ("scenarios", "workloads", "verdict"):
        assert plain[key] == kept[key]
    # the reject keeps its position and reason, not the line's content
    [reason] = plain["ingest"]["reject_reasons"]
    assert reason["first"].endswith("log.jsonl:13")


def test_forget_removes_a_files_rows_from_the_database_file(run, write_log, tmp_path):
    first = write_log(_records(), "a.jsonl")
    other = write_log([dict(r, request_id=f"b{i}", prompt="keep me")
                       for i, r in enumerate(_records()[:3]) if isinstance(r, dict)], "b.jsonl")
    database = tmp_path / "plan.duckdb"
    _report(run, str(first), str(other), "--db", str(database), "--keep-text")
    assert CANARIES[1].encode() in database.read_bytes()
    res = run("forget", str(first), "--db", str(database))
    assert res.exit_code == 0, res.stderr
    assert f"{first.resolve()} (13 lines)" in res.stdout  # 12 requests and the reject
    assert CANARIES[1].encode() not in database.read_bytes()  # gone from the file, not hidden
    assert b"keep me" in database.read_bytes()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    again = _report(run, str(other), "--db", str(database), "--keep-text")
    assert [f["reused"] for f in again["ingest"]["files"]] == [True]
    assert run("forget", str(first), "--db", str(database)).exit_code == 2  # nothing left


def _rules(tmp_path: Path, name: str, pattern: str, times: int) -> Path:
    path = tmp_path / name
    path.write_text(f"""
[similarity]
examples = "{DEFAULT_EXAMPLES}"

[[signal]]
name = "exploit"
pattern = "{pattern}"

[[rule]]
name = "exploits"
label = "capability-bound"
reason = "talks of exploits"
min_signals = {{ exploit = {times} }}
""", encoding="utf-8")
    return path


def _capability(report: dict) -> int:
    [w] = report["workloads"]
    return round(w["capability_share"] * w["requests"])


def test_a_changed_condition_relabels_from_stored_signals(run, write_log, tmp_path):
    log = write_log(_records())
    database = str(tmp_path / "plan.duckdb")
    once = _report(run, str(log), "--db", database,
                   "--rules", str(_rules(tmp_path, "a.toml", "exploit", 1)))
    assert _capability(once) == 8  # 4 requests say it twice, 4 once, 4 never
    twice_rules = _rules(tmp_path, "b.toml", "exploit", 2)
    twice = _report(run, str(log), "--db", database, "--rules", str(twice_rules))
    assert [f["reused"] for f in twice["ingest"]["files"]] == [True]  # not read again
    assert _capability(twice) == 4
    fresh = _report(run, str(log), "--db", ":memory:", "--rules", str(twice_rules))
    for key in ("scenarios", "workloads", "verdict"):
        assert twice[key] == fresh[key]
    # a changed pattern needs the text again: the file is read again
    other = _report(run, str(log), "--db", database,
                    "--rules", str(_rules(tmp_path, "c.toml", "invoice", 1)))
    assert [f["reused"] for f in other["ingest"]["files"]] == [False]
    assert _capability(other) == 4


def test_samples_read_the_text_again_from_the_log(run, write_log, tmp_path):
    log = write_log(_records())
    res = run("samples", str(log), "-w", "w", "-n", "12", "--full",
              "--db", str(tmp_path / "plan.duckdb"))
    assert res.exit_code == 0, res.stderr
    for i in range(12):
        assert f"log.jsonl:{i + 1} " in res.stdout
        assert f"Request {i}: " in res.stdout


def test_max_rejects_stops_after_the_file_that_passes_the_cap(run, write_log, tmp_path):
    good = {"timestamp": "2026-10-01T00:00:00Z", "workload": "w", "model": "gpt-4o",
            "input_tokens": 10, "output_tokens": 5}
    first = write_log([dict(good, request_id=f"a{i}") for i in range(9)] + ["not json"],
                      "a.jsonl")  # 1 of 10 rejected
    second = write_log([dict(good, request_id=f"b{i}") for i in range(2)]
                       + ["nope"] * 8, "b.jsonl")  # 8 of 10
    database = str(tmp_path / "plan.duckdb")
    res = run("analyze", str(first), str(second), "--db", database, "--max-rejects", "20")
    assert res.exit_code == 2
    # 9 of 20 lines rejected: 45% after the second file (10% after the first passed)
    assert "9 of 20 lines rejected (45.0%) in the 2 of 2 files read so far, over " \
           "--max-rejects 20%" in " ".join(res.stderr.split())
    ok = run("analyze", str(first), str(second), "--db", database, "--max-rejects", "50",
             "--format", "json")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["ingest"]["rejected"] == 9


def test_forget_clears_the_counted_texts_hashes(run, write_log, tmp_path):
    import duckdb

    # No token counts in the log: plan counts the texts and keeps each text's MD5 and count.
    records = [{k: v for k, v in r.items() if k not in ("input_tokens", "output_tokens")}
               for r in _records() if isinstance(r, dict)]
    log = write_log(records)
    database = tmp_path / "plan.duckdb"
    _report(run, str(log), "--db", str(database))
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM token_counts").fetchone()[0] > 0
    assert run("forget", str(log), "--db", str(database)).exit_code == 0
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM token_counts").fetchone()[0] == 0
