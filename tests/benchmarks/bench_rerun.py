"""`make bench`: a re-run of `plan analyze` on logs already in the database (issue 18).

Three runs of the same command on a generated canonical log, each a separate process (so each
pays Python's start-up and has its own peak RSS), interleaved over REPEATS rounds:
- cold: a fresh database: ingest and every stage;
- what-if: the database already holds the logs and the last run's snapshot; only a projection
  assumption changes (--escalation), so the per-request stages are restored, not run;
- re-route: a setting the per-request stages read changes (--frontier), so stages 30-57 run
  again from the stored lines, without reading the logs;
- new day: a second file (a tenth of the log's lines, a later day) is named beside the one the
  database holds: only it is read (incremental ingest);
- grown: the log has grown by a tenth since the database read it: only its new lines are read.
Reported: wall and CPU seconds (best of REPEATS), peak RSS, and each as a ratio to cold.
Usage: python -m tests.benchmarks.bench_rerun [ROWS]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import duckdb

from tests.benchmarks.bench_analyze import OUT, generate

ROWS = 1_000_000
REPEATS = 3
# The log's first request: far enough back that 10M requests two seconds apart (231 days) end
# before today (generate's own default start would put most of them in the future: rejects).
START = datetime(2020, 6, 1)
# The installed command's entry point, in a process that writes its own peak resident memory
# (VmHWM) to stderr's last line at exit: Linux starts a spawned program's ru_maxrss at its
# spawner's peak, and this process generated the log.
PLAN = [sys.executable, "-c", "import atexit, sys; from pathlib import Path; "
        "atexit.register(lambda: print(Path('/proc/self/status').read_text()"
        ".split('VmHWM:')[1].split()[0], file=sys.stderr)); "
        "from cli.app import main; sys.argv[0] = 'plan'; main()"]


class Run(NamedTuple):
    wall: float
    cpu: float
    rss_mb: float


def _run(args: list[str]) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen([*PLAN, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, TZ="UTC"))
    assert proc.stderr is not None
    errors = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"plan {' '.join(args)} failed: {errors[-500:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, int(errors.split()[-1]) / 1024)


def _more(rows: int, after: int, target: Path) -> None:
    """`rows` requests following the `after` requests of the log (from START, two seconds
    apart), with request ids of their own."""
    start = START + timedelta(seconds=2 * after)
    generate(target, rows, start=f"{start:%Y-%m-%d %H:%M:%S}")
    duckdb.connect().execute(
        f"COPY (SELECT * REPLACE ('more-' || request_id AS request_id) FROM "
        f"read_json('{target}')) TO '{target}.tmp' (FORMAT json)")
    os.replace(f"{target}.tmp", target)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    OUT.mkdir(exist_ok=True)
    log = OUT / f"canonical_{rows}_{START:%Y%m%d}.jsonl"
    if not log.exists():
        generate(log, rows, start=f"{START:%Y-%m-%d}")
    results: dict[str, list[Run]] = {"cold": [], "what-if": [], "re-route": [], "new day": [],
                                     "grown": []}
    with tempfile.TemporaryDirectory(prefix="plan-bench-") as tmp:
        primed = Path(tmp) / "primed.duckdb"
        _run(["analyze", str(log), "--db", str(primed), "--format", "json"])
        day = Path(tmp) / "day2.jsonl"
        _more(rows // 10, rows, day)
        growing = Path(tmp) / "growing.jsonl"  # the log, then the log and the new day's lines
        shutil.copy(log, growing)
        primed_growing = Path(tmp) / "primed-growing.duckdb"
        _run(["analyze", str(growing), "--db", str(primed_growing), "--format", "json"])
        for _ in range(REPEATS):
            cold = Path(tmp) / "cold.duckdb"
            cold.unlink(missing_ok=True)
            results["cold"].append(_run(["analyze", str(log), "--db", str(cold),
                                         "--format", "json"]))
            warm = Path(tmp) / "warm.duckdb"
            shutil.copy(primed, warm)
            results["what-if"].append(_run(["analyze", str(log), "--db", str(warm),
                                            "--format", "json", "--escalation", "0.2"]))
            shutil.copy(primed, warm)
            results["re-route"].append(_run(["analyze", str(log), "--db", str(warm),
                                             "--format", "json", "--frontier",
                                             "claude-sonnet-4-5"]))
            shutil.copy(primed, warm)
            results["new day"].append(_run(["analyze", str(log), str(day), "--db", str(warm),
                                            "--format", "json"]))
            shutil.copy(primed_growing, warm)
            shutil.copy(log, growing)
            with growing.open("ab") as out, day.open("rb") as more:
                shutil.copyfileobj(more, out)
            results["grown"].append(_run(["analyze", str(growing), "--db", str(warm),
                                          "--format", "json"]))
    base = min(results["cold"])
    print(f"re-run of plan analyze on {rows:,} canonical requests already ingested "
          f"(best of {REPEATS}, interleaved; each run a new process; new day and grown add "
          f"{rows // 10:,} requests)")
    for name, runs in results.items():
        best = min(runs)
        print(f"  {name:9s} {best.wall:6.2f} s wall ({best.wall / base.wall:.2f}x cold), "
              f"{best.cpu:6.2f} s CPU ({best.cpu / base.cpu:.2f}x), peak RSS "
              f"{max(r.rss_mb for r in runs):,.0f} MB")


if __name__ == "__main__":
    main()
