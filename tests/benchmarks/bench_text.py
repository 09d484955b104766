"""`make bench`, text signals: plan analyze of 1M requests carrying prompt text (no task_type
tags, so the text rules decide), with the text signals (the default sample of distinct texts per
workload) against the same run without them (--text-sample 0), timed in turns, each run in a
process of its own so that its peak RSS is its own. Target: with / without <= 1.5.

The texts: real prompts (the evaluation set's train split, cut to 600 characters), each request
a different one with its own reference number, so no two texts repeat (the worst case for the
per-text work); a system prompt per workload; 10 workloads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from planner.stages.signals import DEFAULT_PER_WORKLOAD
from tests.eval.build_examples import EVAL

OUT = Path(__file__).parent / "out"
ROWS = 1_000_000
REPEATS = 3
WORKLOADS = 10

_CHILD = """
import resource, sys, time
from planner.pipeline import AnalyzeOptions, analyze
wall, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
report = analyze([sys.argv[1]], AnalyzeOptions(db=":memory:", text_sample=int(sys.argv[2])))
after = resource.getrusage(resource.RUSAGE_SELF)
cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
print(time.perf_counter() - wall, cpu, after.ru_maxrss / 1024, report.ingest.accepted,
      round(sum(w.capability_share * w.requests for w in report.workloads)))
"""


def prompt_table(prompts: list[str]) -> duckdb.DuckDBPyConnection:
    """A connection holding table p: each prompt and its number k from 1."""
    con = duckdb.connect()
    con.execute("CREATE TABLE p AS SELECT unnest($p) AS prompt, generate_subscripts($p, 1) AS k",
                {"p": prompts})
    return con


def generate(path: Path, rows: int) -> None:
    prompts = [json.loads(line)["prompt"][:600] for f in sorted(EVAL.glob("*.jsonl"))
               for line in f.read_text(encoding="utf-8").splitlines()
               if json.loads(line)["split"] == "train"]
    con = prompt_table(prompts)
    con.execute(f"""
        COPY (
          SELECT
            strftime(TIMESTAMP '2026-10-01' + INTERVAL (i * 2) SECOND, '%Y-%m-%dT%H:%M:%SZ')
                AS timestamp,
            'req-' || i AS request_id,
            'workload-' || (i % {WORKLOADS}) AS workload,
            ['gpt-5', 'gpt-4o-mini', 'claude-sonnet-4-5-20250929'][1 + i % 3] AS model,
            (200 + (i * 7919) % 4000)::BIGINT AS input_tokens,
            (50 + (i * 104729) % 800)::BIGINT AS output_tokens,
            'You are the assistant of team ' || (i % {WORKLOADS}) || '.' AS system_prompt,
            p.prompt || ' (ref ' || i || ')' AS prompt
          FROM range({rows}) t(i)
          JOIN p ON p.k = 1 + (i * 7) % {len(prompts)}
          ORDER BY i
        ) TO '{path}' (FORMAT json)
    """)


def run(path: Path, text_sample: int) -> tuple[float, float, float, int, int]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(text_sample)],
                         check=True, capture_output=True, text=True).stdout.splitlines()[-1].split()
    return float(out[0]), float(out[1]), float(out[2]), int(out[3]), int(out[4])


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    OUT.mkdir(exist_ok=True)
    path = OUT / f"canonical-prompts_{rows}.jsonl"
    if not path.exists():
        generate(path, rows)
    runs: dict[int, list[tuple[float, float, float, int, int]]] = {DEFAULT_PER_WORKLOAD: [], 0: []}
    for _ in range(REPEATS):
        for sample in runs:
            runs[sample].append(run(path, sample))
    best = {k: (min(r[0] for r in v), min(r[1] for r in v), max(r[2] for r in v), v[0][4])
            for k, v in runs.items()}
    print(f"\ntext signals: {rows:,} requests with distinct prompt texts, "
          f"{path.stat().st_size / 1e6:,.0f} MB, {WORKLOADS} workloads (best of {REPEATS}, "
          "each run its own process, in turns)")
    for k, (wall, cpu, rss, cap) in best.items():
        name = "without text signals (--text-sample 0)" if k == 0 else \
            f"with text signals (--text-sample {k})"
        print(f"  {name}: {wall:.2f} s (CPU {cpu:.2f} s), peak RSS {rss:,.0f} MB, "
              f"{cap:,} requests labelled capability-bound")
    (w1, c1, _, _), (w0, c0, _, _) = best[DEFAULT_PER_WORKLOAD], best[0]
    print(f"  ratio with / without: {w1 / w0:.2f} (CPU time: {c1 / c0:.2f}) (target <= 1.5)")


if __name__ == "__main__":
    main()
