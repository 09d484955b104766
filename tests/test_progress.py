"""Issue 18, progress a person can read: what the planner reports while it reads and works,
and where the CLI draws it (a terminal's stderr, table format) and where it does not."""

from __future__ import annotations

import io

from rich.console import Console

from cli import progress as drawn
from planner import db
from planner.pipeline import AnalyzeOptions, analyze
from planner.progress import Reading
from planner.stages import ingest


def _records(n: int) -> list[dict]:
    return [{"timestamp": f"2026-11-01T00:{i // 60:02d}:{i % 60:02d}Z", "request_id": f"r{i}",
             "workload": "w", "model": "gpt-4o-mini", "input_tokens": 10, "output_tokens": 5}
            for i in range(n)]


def test_ingest_reports_bytes_read_per_file_and_in_total(write_log):
    files = [write_log(_records(300), "a.jsonl"), write_log(_records(200), "b.jsonl")]
    events: list[object] = []
    con = db.connect(":memory:")
    ingest.ingest(con, files, progress=events.append)
    con.close()
    ticks = [e for e in events if isinstance(e, Reading)]
    total = sum(f.stat().st_size for f in files)
    for number, f in enumerate(files, start=1):
        mine = [t for t in ticks if t.number == number]
        assert mine[0].file_done == 0 and mine[0].files == 2
        assert mine[-1].finished and mine[-1].file_done == mine[-1].file_bytes == f.stat().st_size
        assert all(a.file_done <= b.file_done for a, b in zip(mine, mine[1:], strict=False))
    assert ticks[-1].total_done == ticks[-1].total_bytes == total
    assert any(isinstance(e, str) and e.startswith(f"reading {files[0]}") for e in events)


def test_later_stages_say_what_they_are_doing(write_log):
    events: list[object] = []
    analyze([str(write_log(_records(50)))], AnalyzeOptions(db=":memory:"),
            progress=events.append)
    stages = [e for e in events if isinstance(e, str)]
    assert stages[-4:] == ["measuring each workload's tokens",
                           "labelling workloads (text signals, rules)",
                           "routing and summing requests", "pricing the scenarios"]


def test_progress_is_drawn_only_on_a_terminal_when_asked():
    pipe = Console(file=io.StringIO())
    with drawn.shown(pipe, enabled=True) as report:
        assert report is None  # stderr is not a terminal
    terminal = Console(file=io.StringIO(), force_terminal=True, width=100)
    with drawn.shown(terminal, enabled=False) as report:
        assert report is None  # JSON, CSV or HTML on stdout
    with drawn.shown(terminal, enabled=True) as report:
        assert report is not None
        report("reading big.jsonl")
        report(Reading(path="big.jsonl", number=1, files=1, file_bytes=4_000_000,
                       file_done=1_000_000, total_bytes=4_000_000, total_done=1_000_000,
                       file_seconds=2.0, total_seconds=2.0))


def test_the_figures_give_percent_bytes_rate_and_time_left():
    assert drawn.figures(1_000_000, 4_000_000, 2.0) == (
        " 25%  1.0 of 4.0 MB  0.5 MB/s  6 s left")
    assert drawn.figures(0, 4_000_000, 0.0) == "  0%  0.0 of 4.0 MB"
    assert drawn.figures(1_000_000, 400_000_000, 1.0).endswith("6 min 39 s left")
