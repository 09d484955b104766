"""Langfuse usage totals above the parts plan prices (issue 17): a real Vertex AI trace download
whose generation's usageDetails.total (2023) is above its input + output (5 + 845), by thinking
tokens the instrumentation did not report. plan prices the parts, as Langfuse itself does
(outputUsage 845), and names the file and the tokens left out in a warning; every figure here
is read from the files by a plain reader in the test, or computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

from planner import db
from planner.pipeline import AnalyzeOptions, analyze
from planner.stages import ingest

VERTEX = (Path(__file__).parent / "fixtures" / "real" / "vendors2"
          / "langfuse_trace_vertex-ai-2025-08-01.json")
# the keys that are not parts of the total (stage 19): the total itself, and the breakdowns of
# input or output given beside them
_NOT_PARTS = ("total", "prompt_details.", "completion_details.")


def _above(doc: dict) -> tuple[int, int]:
    """A plain reader's count: generations whose total is above the sum of their parts, and
    by how many tokens in all."""
    requests = tokens = 0
    for o in doc["observations"]:
        u = o.get("usageDetails") or {}
        if o["type"] not in ("GENERATION", "EMBEDDING") or "total" not in u:
            continue
        parts = sum(v for k, v in u.items() if not k.startswith(_NOT_PARTS))
        if u["total"] > parts:
            requests, tokens = requests + 1, tokens + u["total"] - parts
    return requests, tokens


def test_the_real_vertex_trace_counts_its_unreported_tokens() -> None:
    doc = json.loads(VERTEX.read_text(encoding="utf-8"))
    assert _above(doc) == (1, 2023 - 5 - 845)  # by hand: 1,173 tokens of thinking
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [VERTEX])
    assert (f.source, f.unaccounted_requests, f.unaccounted_tokens) == (
        "langfuse-trace", *_above(doc))
    # plan prices the parts, as Langfuse does: output 845, not 845 + 1,173
    assert con.execute("SELECT input_tokens, output_tokens FROM requests").fetchall() == [
        (5, 845)]
    # read again from the database (the file unchanged): the counts are kept with it
    [again] = ingest.ingest(con, [VERTEX])
    assert again.reused and (again.unaccounted_requests, again.unaccounted_tokens) == (1, 1173)


def test_the_report_warns_with_the_file_and_the_tokens(tmp_path: Path) -> None:
    report = analyze([str(VERTEX)], AnalyzeOptions(db=":memory:"))
    [warning] = [w for w in report.warnings if "usage total" in w]
    assert str(VERTEX) in warning and "1 request logs a usage total above input + output" in warning and "1,173 tokens" in warning


def _observation(n: int, usage: dict) -> dict:
    return {"id": f"g-{n}", "type": "GENERATION", "startTime": "2026-03-02T10:00:00.000Z",
            "model": "gemini-2.5-flash", "usageDetails": usage}


def test_only_totals_above_their_parts_count_in_a_file_of_several(tmp_path: Path) -> None:
    """Three traces: a total above its parts (cache reads and reasoning are parts), one equal
    to them, one without a total; a span beside them is not a request."""
    docs = [
        {"trace": {"id": "t-1"}, "observations": [
            {"id": "s", "type": "SPAN", "startTime": "2026-03-02T10:00:00.000Z"},
            _observation(1, {"input": 100, "input_cache_read": 20, "output": 30,
                             "output_reasoning": 10, "total": 200})]},
        {"trace": {"id": "t-2"}, "observations": [
            _observation(2, {"input": 7, "output": 3, "total": 10}),
            _observation(3, {"input": 40, "output": 2,
                             "completion_details.reasoning": 1, "total": 50})]},
        {"trace": {"id": "t-3"}, "observations": [_observation(4, {"input": 1, "output": 1})]},
    ]
    path = tmp_path / "traces.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    [f] = ingest.ingest(db.connect(":memory:"), [path])
    # by hand: g-1 200 - (100 + 20 + 30 + 10) = 40; g-3 50 - (40 + 2) = 8 (the breakdown of
    # output is not a part); g-2 equal, g-4 no total
    assert (f.accepted, f.skipped) == (4, 1)
    assert (f.unaccounted_requests, f.unaccounted_tokens) == (2, 40 + 8)


def test_every_line_of_a_trace_file_is_accounted_for(tmp_path: Path) -> None:
    """The split hands stage 15 parsed observations: the lines that are not trace downloads
    (blank, not JSON, an array, an object of another shape, an empty list of observations) are
    still one rejected record each, numbered in file order among the observations kept."""
    gen = {"trace": {"id": "t"}, "observations": [
        {"id": "s", "type": "SPAN", "startTime": "2026-03-02T10:00:00.000Z"},
        _observation(1, {"input": 3, "output": 4})]}
    lines = [json.dumps(gen), "", "{not json", "[1, 2]", json.dumps({"other": 1}),
             json.dumps({"trace": {"id": "e"}, "observations": []}),
             json.dumps({"trace": {"id": "s"}, "observations": [{"id": "x", "type": "EVENT"}]}),
             json.dumps(gen)]
    path = tmp_path / "traces.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = db.connect(":memory:")
    [f] = ingest.ingest(con, [path])
    # by hand: 2 generations, 5 rejected lines (the all-event line has no records); 3 skipped
    assert (f.lines_read, f.accepted, f.rejected, f.skipped) == (7, 2, 5, 3)
    got = con.execute("SELECT line_no, problem FROM lines ORDER BY line_no").fetchall()
    assert [n for n, _ in got] == list(range(1, 8))
    assert [p is None for _, p in got] == [True, False, False, False, False, False, True]
    assert "blank line" in got[1][1] and "not valid JSON" in got[2][1]
    assert "nothing to read" in got[5][1]


def test_an_export_of_the_observations_is_checked_too(tmp_path: Path) -> None:
    """The real Vertex AI trace's observations written as an export (one observation a line,
    read as `langfuse`): the same request and tokens as the download (stage 20 keeps each
    request's excess, migration 018: no second read of the file)."""
    doc = json.loads(VERTEX.read_text(encoding="utf-8"))
    path = tmp_path / "observations.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in doc["observations"]),
                    encoding="utf-8")
    [f] = ingest.ingest(db.connect(":memory:"), [path])
    assert (f.source, f.unaccounted_requests, f.unaccounted_tokens) == ("langfuse", *_above(doc))


def test_a_grown_export_counts_its_earlier_lines_with_the_new(tmp_path: Path) -> None:
    """An export that grew since it was read: only its new lines are read, and the file's
    counts are those of all its lines (by hand: 30 - 15, then 13 - 7)."""
    path = tmp_path / "observations.jsonl"
    first = json.dumps(_observation(1, {"input": 10, "output": 5, "total": 30})) + "\n"
    path.write_text(first, encoding="utf-8")
    con = db.connect(":memory:")
    ingest.ingest(con, [path])
    path.write_text(first + json.dumps(_observation(2, {"input": 4, "output": 3, "total": 13}))
                    + "\n", encoding="utf-8")
    [f] = ingest.ingest(con, [path])
    assert (f.read_after, f.unaccounted_requests, f.unaccounted_tokens) == (1, 2, 15 + 6)
