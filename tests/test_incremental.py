"""Incremental ingest (issue 18): an unchanged file is not read again, a file that grew reads only
its new lines (and the report says so), a file that changed otherwise is read again whole.

What was read is observed in the database itself: each `files` row counts its reads and the
lines it already held when the latest began (migration 011), and lines keep their file id."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

from planner import db
from planner.pipeline import AnalyzeOptions, analyze
from planner.stages import ingest


def request(i: int, day: int = 1, request_id: str | None = None) -> str:
    return json.dumps({
        "timestamp": f"2026-03-{day:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
        "request_id": request_id or f"d{day}-r{i}",
        "workload": ["support", "extract"][i % 2], "model": "gpt-4o",
        "input_tokens": 1000 + 7 * i, "output_tokens": 100 + i,
    })


def write(path: Path, lines: list[str], mode: str = "w") -> Path:
    with path.open(mode, encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))
    return path


def files_rows(database: Path) -> dict[str, tuple[int, int, int, int]]:
    """path name -> (file id, lines, reads, lines held before the latest read)."""
    con = db.connect(database)
    try:
        return {Path(p).name: (i, n, r, a) for p, i, n, r, a in con.execute(
            "SELECT path, file_id, lines_read, reads, read_after FROM files").fetchall()}
    finally:
        con.close()


def test_an_appended_days_file_is_the_only_one_read(tmp_path):
    monday = write(tmp_path / "monday.jsonl", [request(i, 1) for i in range(30)])
    database = tmp_path / "plan.duckdb"
    analyze([str(monday)], AnalyzeOptions(db=str(database)))
    before = files_rows(database)
    tuesday = write(tmp_path / "tuesday.jsonl", [request(i, 2) for i in range(20)])
    report = analyze([str(monday), str(tuesday)], AnalyzeOptions(db=str(database)))
    after = files_rows(database)
    # monday's row is the one stored before, read once; tuesday's is new, read once
    assert after["monday.jsonl"] == before["monday.jsonl"] == (1, 30, 1, 0)
    assert after["tuesday.jsonl"][1:] == (20, 1, 0)
    assert [(f.reused, f.read) for f in report.ingest.files] == [(True, 30), (False, 20)]
    assert report.ingest.accepted == 50


def test_a_grown_file_reads_its_new_lines_and_reports_as_a_cold_run(tmp_path):
    first = [request(i) for i in range(40)]
    # the new part: more requests, one repeating a request id of the old part (a duplicate
    # that only a pass over all the file's lines finds) and one line that is not JSON
    more = [request(i) for i in range(40, 55)] + [request(3), "not json"]
    log = write(tmp_path / "a.jsonl", first)
    database = tmp_path / "plan.duckdb"
    analyze([str(log)], AnalyzeOptions(db=str(database)))
    write(log, more, mode="a")
    grown = analyze([str(log)], AnalyzeOptions(db=str(database)))
    assert files_rows(database)["a.jsonl"] == (1, 57, 2, 40)

    cold = analyze([str(log)], AnalyzeOptions(db=str(tmp_path / "cold.duckdb")))
    (g,), (c,) = grown.ingest.files, cold.ingest.files
    assert (g.read_after, c.read_after) == (40, 0)
    # counted by hand: 57 lines, 56 requests of which one repeats an earlier id, one reject
    assert (g.read, g.accepted, g.duplicates, g.rejected) == (57, 55, 1, 1)
    assert _money(grown) == _money(cold)
    # the rest of the report, too, but for how the file was read
    assert _without_files(grown.to_dict()) == _without_files(cold.to_dict())
    # the tokens: every request once, from the file itself
    tokens = sum(json.loads(line)["input_tokens"] for line in first + more[:-1])
    tokens -= json.loads(request(3))["input_tokens"]  # the duplicate
    con = db.connect(database)
    try:
        stored = con.execute("SELECT sum(input_tokens) FROM snapshot_usage WHERE NOT is_minute"
                             ).fetchone()
        lines = con.execute("SELECT min(line_no), max(line_no), count(*) FROM lines").fetchone()
    finally:
        con.close()
    assert stored == (tokens,)
    assert lines == (1, 57, 57)


def test_the_report_says_how_many_new_lines_were_read(tmp_path, run):
    log = write(tmp_path / "a.jsonl", [request(i) for i in range(12)])
    database = str(tmp_path / "plan.duckdb")
    assert run("analyze", str(log), "--db", database).exit_code == 0
    write(log, [request(i) for i in range(12, 15)], mode="a")
    result = run("analyze", str(log), "--db", database, "--details")
    assert result.exit_code == 0, result.stderr
    assert "3 new lines read after line 12" in result.stdout


def test_a_changed_file_is_read_again_and_replaces_its_lines(tmp_path):
    log = write(tmp_path / "a.jsonl", [request(i) for i in range(10)])
    database = tmp_path / "plan.duckdb"
    analyze([str(log)], AnalyzeOptions(db=str(database)))
    # an edit of an early line (and lines appended): not a file that grew
    changed = [request(i) for i in range(12)]
    changed[0] = request(0, request_id="edited")
    write(log, changed)
    report = analyze([str(log)], AnalyzeOptions(db=str(database)))
    file_id, lines, reads, after = files_rows(database)["a.jsonl"]
    assert (file_id, lines, reads, after) == (2, 12, 1, 0)
    assert report.ingest.files[0].read_after == 0
    con = db.connect(database)
    try:
        ids = {r for (r,) in con.execute("SELECT request_id FROM requests").fetchall()}
        old = con.execute("SELECT count(*) FROM lines WHERE file_id = 1").fetchone()
    finally:
        con.close()
    assert ids == {json.loads(line)["request_id"] for line in changed}
    assert old == (0,)


def test_a_file_whose_last_line_was_cut_is_read_again_whole(tmp_path):
    log = tmp_path / "a.jsonl"
    log.write_text(request(0) + "\n" + request(1)[:20], encoding="utf-8")  # a line half written
    con = db.connect(tmp_path / "plan.duckdb")
    try:
        first = ingest.ingest(con, [log])
        assert (first[0].lines_read, first[0].rejected) == (2, 1)
        log.write_text(request(0) + "\n" + request(1) + "\n" + request(2) + "\n",
                       encoding="utf-8")
        again = ingest.ingest(con, [log])
        assert (again[0].lines_read, again[0].rejected, again[0].read_after) == (3, 0, 0)
        assert again[0].file_id != first[0].file_id
        assert con.execute("SELECT count(*) FROM lines").fetchone() == (3,)
    finally:
        con.close()


def _money(report) -> list[tuple[str, Decimal]]:
    return [(s.name, s.monthly_cost_usd) for s in report.scenarios]


def _without_files(data: dict) -> dict:
    data["ingest"]["files"] = [{k: v for k, v in f.items() if k not in ("reused", "read_after")}
                               for f in data["ingest"]["files"]]
    return data


def test_a_grown_gzip_file_is_read_again_whole(tmp_path):
    """A gzip stream cannot be read from the middle: a grown .gz file is read whole."""
    log = tmp_path / "a.jsonl.gz"
    log.write_bytes(gzip.compress("".join(request(i) + "\n" for i in range(5)).encode()))
    con = db.connect(tmp_path / "plan.duckdb")
    try:
        first = ingest.ingest(con, [log])
        with log.open("ab") as fh:  # a second gzip member: the file's first bytes are kept
            fh.write(gzip.compress("".join(request(i) + "\n" for i in range(5, 8)).encode()))
        again = ingest.ingest(con, [log])
        assert (again[0].lines_read, again[0].read_after) == (8, 0)
        assert again[0].file_id != first[0].file_id
        assert con.execute("SELECT count(*) FROM lines").fetchone() == (8,)
    finally:
        con.close()
