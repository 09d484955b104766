"""Issue 18's start-up row against another tree: a 1,000-line log end to end (`plan analyze -f
json`), with a new database and with one holding the log, for this tree's `plan` and a
baseline's (e.g. main's worktree), beside a bare `import duckdb` and one query; every command a
process of its own measured by the kernel (bench_scale.py's `run`), all of them in turns, and
the median and the least CPU time (user + system) of each, beside the median wall time and the
largest peak RSS: on a shared machine read the CPU times and the ratios, not the wall times.

    python -m tests.benchmarks.bench_startup BASE_PLAN [TURNS]   (default 7 turns)

BASE_PLAN: the baseline's `plan` executable, e.g. ../main/.venv/bin/plan. Both trees' modules
are compiled to bytecode first, in a folder of their own (PYTHONPYCACHEPREFIX), as an install
leaves them.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from tests.benchmarks.bench_analyze import generate
from tests.benchmarks.bench_scale import MB, PLAN, PYTHON, SMALL, Run, analyze_argv, fresh, run

TURNS = 7


def main() -> None:
    base = sys.argv[1]
    turns = int(sys.argv[2]) if len(sys.argv) > 2 else TURNS
    with tempfile.TemporaryDirectory(prefix="plan-bench-") as folder:
        tmp = Path(folder)
        log = tmp / "small.jsonl"
        generate(log, SMALL, text=False, start="2026-11-01")
        env = {"PYTHONDONTWRITEBYTECODE": ""}  # (run() adds os.environ; empty: unset)
        steps: list[tuple[str, list[str], dict[str, str], Path | None]] = [
            ("bare import duckdb, one query", [PYTHON, "-c", "import duckdb; "
             "duckdb.connect().execute('SELECT 1').fetchall()"], env, None)]
        for name, plan in (("base", base), ("this tree", PLAN)):
            cached = {**env, "PYTHONPYCACHEPREFIX": str(tmp / f"pyc-{len(steps)}")}
            path = tmp / f"{len(steps)}.duckdb"
            argv = analyze_argv(log, str(path))
            argv[0] = plan
            steps += [(f"{name}, new database", argv, cached, path),
                      (f"{name}, database holding the log", argv, cached, None)]
        for _, argv, env_, database in steps[1:]:  # bytecode, the price and database caches
            if database is not None:
                fresh(database)
            run(argv, env_)
        runs: dict[str, list[Run]] = {name: [] for name, *_ in steps}
        loads = [os.getloadavg()[0]]
        for _ in range(turns):
            for name, argv, env_, database in steps:
                if database is not None:
                    fresh(database)
                runs[name].append(run(argv, env_))
            loads.append(os.getloadavg()[0])
    bare = statistics.median(r.cpu for r in runs[steps[0][0]])
    print(f"1,000-line log, end to end: CPU seconds, median (least) of {turns} turns, load "
          f"average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores; wall seconds "
          "(median) and peak RSS (largest) beside")
    for name, done in runs.items():
        cpu = [r.cpu for r in done]
        median = statistics.median(cpu)
        print(f"  {name}: {median:.3f} ({min(cpu):.3f}), {median / bare:.2f}x the bare process;"
              f" wall {statistics.median(r.wall for r in done):.2f} s, "
              f"{max(r.rss for r in done) / MB:.0f} MB")


if __name__ == "__main__":
    main()
